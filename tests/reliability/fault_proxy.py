"""A small TCP proxy on loopback that misbehaves on request, for end-to-end fault tests.

It sits between the SDK and the simulator, both real sockets, and applies the next planned fault
to each new TCP connection (then passes later ones through):

- `RESET_BEFORE_RESPONSE`: read the request, then reset the connection (RST) without an answer;
- `RESET_MID_BODY`: forward the request, send the answer's head and half its body, then reset;
- `STALL`: read the request and never answer, holding the connection open;
- `DRIP`: forward the answer one byte at a time (`drip_interval` apart), head included.

And to each WebSocket connection, once the server's `101` has passed:

- `SILENT`: after `frames_before_silence` server frames, forward nothing more either way, and keep
  both connections open (a peer that vanished without a FIN, a NAT that dropped the flow);
- `Inject(frames)`: after the first two server frames (`ws.connected`, `history.snapshot`), insert
  these raw frames into the server-to-client stream, then go on forwarding.

With `tls=` it serves TLS itself (to test certificate checks on HTTP and `wss://` alike) and talks
plain TCP to the simulator. `refused_port()` gives a port nothing listens on. Everything it starts
runs in one background thread and stops with it; counts of faults applied are in `applied`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

RESET_BEFORE_RESPONSE = "reset before the response"
RESET_MID_BODY = "reset mid-body"
STALL = "stall past the read timeout"
DRIP = "slow drip"
SILENT = "WebSocket silent without closing"
PASS = "pass"

_HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Inject:
    """Raw WebSocket frames to insert into the server's stream (see `frame`); an iterator is
    consumed as it is sent, so a long run of frames never sits in memory."""

    frames: Iterable[bytes]


def frame(payload: bytes, opcode: int = 0x1, *, fin: bool = True, rsv: int = 0) -> bytes:
    """A server-to-client WebSocket frame (unmasked), any opcode, length or flags."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, length)
    elif length < 1 << 16:
        header = struct.pack("!BBH", first, 126, length)
    else:
        header = struct.pack("!BBQ", first, 127, length)
    return header + payload


def refused_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _reset(writer: asyncio.StreamWriter) -> None:
    """Drop the connection with a TCP RST (SO_LINGER 0), not an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    """An HTTP message head, up to and including its blank line (b"" if the peer left)."""
    with contextlib.suppress(asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return await reader.readuntil(b"\r\n\r\n")
    return b""


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    """One whole server frame, raw."""
    head = await reader.readexactly(2)
    length = head[1] & 0x7F
    extended = b""
    if length == 126:
        extended = await reader.readexactly(2)
        length = struct.unpack("!H", extended)[0]
    elif length == 127:
        extended = await reader.readexactly(8)
        length = struct.unpack("!Q", extended)[0]
    return head + extended + await reader.readexactly(length)


class FaultProxy:
    """See the module docstring. Use as a context manager; `url` is its address."""

    def __init__(
        self,
        upstream_port: int,
        *,
        tls: ssl.SSLContext | None = None,
        drip_interval: float = 0.05,
        frames_before_silence: int = 2,
    ) -> None:
        self._upstream_port = upstream_port
        self._tls = tls
        self.drip_interval = drip_interval
        self.frames_before_silence = frames_before_silence
        self._lock = threading.Lock()
        self._connection_faults: collections.deque[str] = collections.deque()
        self._stream_faults: collections.deque[str | Inject] = collections.deque()
        self.applied: collections.Counter[str] = collections.Counter()
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fault-proxy")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    # Plans
    def fail_connections(self, *faults: str) -> None:
        """Apply these faults to the next new connections, one each, in order."""
        with self._lock:
            self._connection_faults.extend(faults)

    def fail_streams(self, *faults: str | Inject) -> None:
        """Apply these faults to the next WebSocket connections, one each, in order."""
        with self._lock:
            self._stream_faults.extend(faults)

    def reset(self) -> None:
        """Forget pending faults and counts (between tests sharing a proxy)."""
        with self._lock:
            self._connection_faults.clear()
            self._stream_faults.clear()
            self.applied.clear()

    def _next(self, plan: collections.deque[str] | collections.deque[str | Inject]) -> str | Inject:
        with self._lock:
            fault = plan.popleft() if plan else PASS
            if fault != PASS:
                self.applied[fault if isinstance(fault, str) else "frames injected"] += 1
            return fault

    # Lifecycle
    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`, or `https://` when serving TLS."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._accept, "127.0.0.1", 0, limit=_HEAD_LIMIT)

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()

    # Connections
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.connections += 1  # every TCP connection, whether its TLS handshake succeeds or not
        link: _Link | None = None
        try:
            if self._tls is not None:
                await writer.start_tls(self._tls)
            fault = self._next(self._connection_faults)
            if fault in (RESET_BEFORE_RESPONSE, STALL):
                await _read_head(reader)
                if fault == RESET_BEFORE_RESPONSE:
                    _reset(writer)
                else:  # until the client gives up (EOF) or the proxy stops
                    await reader.read()
                return
            up_reader, upstream = await asyncio.open_connection("127.0.0.1", self._upstream_port)
            self._writers.add(upstream)
            link = _Link(reader, writer, up_reader, upstream)
            link.forward = asyncio.create_task(_copy(reader, upstream))
            await self._answer(link, fault)
        except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # a peer left or a handshake failed: the connection is over either way
        except asyncio.CancelledError:
            # The proxy is stopping. Ending normally rather than cancelled: asyncio 3.11's
            # stream callback would log the cancellation as an error.
            pass
        finally:
            if link is not None and link.forward is not None:
                link.forward.cancel()
                await asyncio.gather(link.forward, return_exceptions=True)
            for end in (writer, None if link is None else link.upstream):
                if end is not None:
                    self._writers.discard(end)
                    end.transport.abort()
            self._tasks.discard(task)

    async def _answer(self, link: _Link, fault: str | Inject) -> None:
        """Server to client: the first answer's head, then whatever the fault says."""
        head = await _read_head(link.up_reader)
        writer = link.writer
        if fault == DRIP:
            data = head + await link.up_reader.read(_HEAD_LIMIT)
            for byte in data:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(self.drip_interval)
            return
        if fault == RESET_MID_BODY:
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            body = await link.up_reader.readexactly(length)
            writer.write(head + body[: max(1, length // 2)])
            await writer.drain()
            _reset(writer)
            return
        writer.write(head)
        if head.startswith(b"HTTP/1.1 101"):
            await self._stream(link)
        else:
            await _copy(link.up_reader, writer)

    async def _stream(self, link: _Link) -> None:
        """Server to client on a WebSocket: frame by frame, with the planned stream fault."""
        fault = self._next(self._stream_faults)
        passed = 0
        while True:
            link.writer.write(await _read_frame(link.up_reader))
            await link.writer.drain()
            passed += 1
            if fault == SILENT and passed == self.frames_before_silence:
                # Stop both directions (the client's pings and pongs are swallowed too) and keep
                # the sockets open: no FIN, no RST, no close frame. Ends when the client leaves.
                assert link.forward is not None
                link.forward.cancel()
                await asyncio.gather(link.forward, return_exceptions=True)
                while await link.reader.read(65536):
                    pass
                return
            if isinstance(fault, Inject) and passed == 2:
                for raw in fault.frames:
                    link.writer.write(raw)
                    await link.writer.drain()


@dataclass
class _Link:
    """Both sides of one proxied connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    up_reader: asyncio.StreamReader
    upstream: asyncio.StreamWriter
    forward: asyncio.Task[None] | None = None


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Forward bytes until EOF, then pass the EOF on."""
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    if writer.can_write_eof():
        writer.write_eof()

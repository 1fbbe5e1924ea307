"""A forward proxy on loopback, as egress proxies work: absolute-URI requests and CONNECT tunnels.

Written here rather than taken from the package index: the tests need to see exactly which
requests went through it (`seen`), to require credentials, and to be sure that it reaches only
loopback addresses and resolves no name but `localhost`. Each absolute-URI request is forwarded
on a connection of its own with `Connection: close`, so every request is seen; a CONNECT tunnel
(HTTPS, WebSocket) is piped both ways, seen once as `("CONNECT", "host:port")`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import threading
from types import TracebackType
from typing import Self

import httpx


class ForwardProxy:
    """Use as a context manager; `url` is its address, `seen` what it forwarded."""

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        self._expected = None
        if credentials is not None:
            raw = base64.b64encode(":".join(credentials).encode()).decode()  # noqa: RUF100
            self._expected = f"Basic {raw}"
        self.seen: list[tuple[str, str]] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="forward-proxy")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        start = asyncio.start_server(self._accept, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.sleep(0)  # one more turn of the loop: the closed transports let go

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
        method, target, version = request_line.split(" ")
        headers = [line.split(":", 1) for line in header_lines]
        given = {name.strip().lower(): value.strip() for name, value in headers}
        if self._expected is not None and given.get("proxy-authorization") != self._expected:
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream_reader, upstream_writer = await _open(host, int(port))
            self.seen.append(("CONNECT", target))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = httpx.URL(target)
            upstream_reader, upstream_writer = await _open(url.host, url.port or 80)
            self.seen.append((method, target))
            kept = [
                f"{name}:{value}"
                for name, value in headers
                if name.strip().lower() not in {"connection", "proxy-authorization", "keep-alive"}
            ]
            path = url.raw_path.decode("ascii")
            lines = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
            upstream_writer.write("\r\n".join(lines).encode("latin-1"))
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()


async def _open(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if host != "localhost" and not ipaddress.ip_address(host.strip("[]")).is_loopback:
        raise ValueError(f"this proxy reaches loopback addresses only, not {host}")
    return await asyncio.open_connection(host.strip("[]"), port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

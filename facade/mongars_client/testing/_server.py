"""uvicorn in a background thread, on a socket bound here, able to abort single connections.

ASGI cannot drop a TCP connection without an answer, yet the simulator must (`reset_next`,
`drop_websockets`, the heartbeat timeout). uvicorn accepts protocol classes, so the ones below
subclass its h11 and websockets-sansio protocols only to keep each connection's transport in a
`Connections` registry keyed by the client address, which is also the ASGI scope's `client`: the
app looks the transport up there and calls `abort()`, and the peer sees the connection vanish
with no HTTP answer and no close frame.

The WebSocket protocol is uvicorn's `websockets-sansio`: it runs on the sans-I/O core of the
installed websockets (17), whereas uvicorn's `websockets` protocol uses the legacy API that
websockets deprecates (DeprecationWarning, an error in our tests), and `wsproto` is not installed.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import socket
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.utils import get_remote_addr
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

T = TypeVar("T")
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 30.0

logger = logging.getLogger("mongars_client.testing")


class Connections:
    """Open TCP connections by client address. Used from the server's event loop only."""

    def __init__(self) -> None:
        self._transports: dict[tuple[str, int], asyncio.Transport] = {}

    def add(self, transport: asyncio.Transport) -> None:
        """Track a new connection."""
        client = get_remote_addr(transport)
        if client is not None:
            self._transports[client] = transport

    def discard(self, transport: asyncio.Transport) -> None:
        """Forget a connection that is gone."""
        client = get_remote_addr(transport)
        if client is not None and self._transports.get(client) is transport:
            del self._transports[client]

    def abort(self, client: tuple[str, int] | None) -> None:
        """Drop the connection at once: no answer, no close frame, no TCP flush."""
        transport = self._transports.get(client) if client else None
        if transport is not None:
            transport.abort()

    def close(self, client: tuple[str, int] | None) -> None:
        """Close the connection after what was already written is flushed."""
        transport = self._transports.get(client) if client else None
        if transport is not None:
            transport.close()


def protocol_classes(connections: Connections) -> tuple[type[H11Protocol], type[asyncio.Protocol]]:
    """uvicorn's HTTP and WebSocket protocols, reporting their transports to `connections`."""

    class TrackedHTTP(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            connections.add(transport)
            # asyncio turns Nagle's algorithm off only for sockets it made itself with
            # IPPROTO_TCP, not for connections of our `bind()` socket: without this, every
            # answer (written as headers, then body) waits ~40 ms for the client's delayed ACK.
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def connection_lost(self, exc: Exception | None) -> None:
            connections.discard(self.transport)
            super().connection_lost(exc)

    # An upgraded connection keeps its transport, now driven by this protocol.
    class TrackedWebSocket(WebSocketsSansIOProtocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)
            connections.add(self.transport)

        def connection_lost(self, exc: Exception | None) -> None:
            connections.discard(self.transport)
            super().connection_lost(exc)

    return TrackedHTTP, TrackedWebSocket


class _RedactSecrets(logging.Filter):
    """Masks tickets and tokens that uvicorn and websockets log as part of request paths."""

    _SECRET_PARAMETER = re.compile(r"([?&](?:t|token|ticket|access_token|password)=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._SECRET_PARAMETER.sub(r"\1<redacted>", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


_REDACT = _RedactSecrets()


def redact_server_logs() -> None:
    """Keep secrets out of the server's logs (idempotent)."""
    for name in ("uvicorn.error", "uvicorn.access", "mongars_client.testing"):
        named = logging.getLogger(name)
        if _REDACT not in named.filters:
            named.addFilter(_REDACT)


class _Signal:
    """A one-shot flag that threads can wait on, and coroutines on any event loop too."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def set(self) -> None:
        with self._lock:
            self._event.set()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_resolve, future)

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)

    async def wait_async(self, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._event.is_set():
                return
            self._waiters.append((loop, future))
        async with asyncio.timeout(timeout):
            await future


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Server(uvicorn.Server):
    """uvicorn's server, telling when it listens (it has no hook for that)."""

    def __init__(self, config: uvicorn.Config, started: _Signal) -> None:
        super().__init__(config)
        self._started_signal = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self._started_signal.set()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `host`:`port` (0: a free port), bound before uvicorn runs, so that
    the port is known at once and nobody can take it meanwhile."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


class ServerThread:
    """Serves an ASGI app on a bound socket from a thread with its own event loop."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        sock: socket.socket,
        connections: Connections,
        log_config: dict[str, Any] | None = None,
    ) -> None:
        self._socket = sock
        http, ws = protocol_classes(connections)
        config = uvicorn.Config(
            app,
            http=http,
            ws=ws,
            lifespan="off",
            log_config=log_config,
            proxy_headers=False,  # the scope's `client` must stay the socket's peer
            date_header=False,  # FaultsMiddleware sends one on the simulator's clock
            ws_ping_interval=None,  # monGARS has its own heartbeat
            ws_ping_timeout=None,
            timeout_graceful_shutdown=5,
        )
        redact_server_logs()
        self._started = _Signal()
        self._stopped = _Signal()
        self._server = _Server(config, self._started)
        port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._run, name=f"mongars-simulator:{port}")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            with asyncio.Runner() as runner:
                self._loop = runner.get_loop()
                runner.run(self._server.serve(sockets=[self._socket]))
        except BaseException as exc:  # reported by start(): a thread cannot raise to its starter
            self._error = exc
        finally:
            self._loop = None
            self._started.set()
            self._stopped.set()

    def _check_started(self) -> None:
        if self._error is not None or not self._server.started:
            self._request_stop()
            self.close()
            raise RuntimeError("the monGARS simulator failed to start") from self._error

    def start(self) -> None:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        self._started.wait(_START_TIMEOUT)
        self._check_started()

    async def start_async(self) -> None:
        """`start()` without blocking the caller's event loop."""
        self._thread.start()
        await self._started.wait_async(_START_TIMEOUT)
        self._check_started()

    def _request_stop(self) -> None:
        self._server.should_exit = True

    def stop(self) -> None:
        """Stop serving, wait for the thread, release the socket."""
        self._request_stop()
        self._stopped.wait(_STOP_TIMEOUT)
        self.close()

    async def stop_async(self) -> None:
        """`stop()` without blocking the caller's event loop."""
        self._request_stop()
        await self._stopped.wait_async(_STOP_TIMEOUT)
        self.close()

    def close(self) -> None:
        """Join the finished thread and close the listening socket."""
        if self._thread.is_alive() and self._stopped.wait(_STOP_TIMEOUT):
            self._thread.join()
        self._socket.close()

    def call(self, function: Callable[[], T]) -> T:
        """Run `function` on the server's event loop and return its result.

        The server's state belongs to that loop; before start and after stop there is no loop,
        and no concurrency, so `function` runs here.
        """
        loop = self._loop
        if loop is None or threading.current_thread() is self._thread:
            return function()
        result: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                result.set_result(function())
            except BaseException as exc:
                result.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return result.result(timeout=_STOP_TIMEOUT)

"""`Simulator`: the control surface of the simulated monGARS server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from mongars_client.testing._app import build_app
from mongars_client.testing._faults import Faults
from mongars_client.testing._middleware import FaultsMiddleware, RequestLog
from mongars_client.testing._server import Connections, ServerThread, bind
from mongars_client.testing._state import Settings, State
from mongars_client.testing._stream import Hub

T = TypeVar("T")

# The account of the standalone server and of the pytest fixtures.
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"  # noqa: S105 (a published demo credential)


class Simulator:
    """A monGARS-compatible server on a free loopback port, in a background thread.

    It serves every operation of the API from memory and behaves as PROTOCOL.md describes the
    real server, defects included. Use it as a context manager, sync or async::

        with Simulator(users={"u1": "password1"}) as sim:
            httpx.post(f"{sim.base_url}/token", data={"username": "u1", "password": "password1"})

    Args:
        users: accounts to create, `{username: password}` (the real server has none by default).
        admins: administrator accounts to create, likewise.
        token_ttl: lifetime of the JWTs `/token` issues, in seconds.
        ticket_ttl: lifetime of WebSocket tickets, in seconds (plus a 5 s clock-skew allowance).
        heartbeat_interval: seconds between the stream's `ping` frames.
        heartbeat_timeout: seconds without a `pong` after which a socket is dropped (no close
            frame: the client sees 1006).
        chat_rate_limit: minimum seconds between two chats of one user (429 otherwise); 0 or
            None turns the limit off.
        stream_chunks: also emit `ai_model.response_chunk` deltas and `ai_model.response_complete`
            before each `chat.message`, as the server's streaming model path does.
        chunk_interval: seconds between two of those deltas, as a model generating text would
            take (the HTTP answer comes after the last one); 0 sends them at once.
        admin_bootstrap: allow `POST /api/v1/user/register/admin` to create the first admin. Off by
            default, as on the real server outside debug mode (403 "Admin bootstrap is disabled").
        allowed_origins: the `Origin` values the stream accepts; by default `http://127.0.0.1:<port>`
            and `http://localhost:<port>`.
        stale_history: reproduce the server's defect where, once a user's history was read, later
            chats do not show up in it.
        ignore_close_message: reproduce the server's defect where a `{"type": "close"}` frame is
            acked but does not close the socket (when False, the server then closes with 1000).
        ws_queue_size: frames one socket may have waiting; a consumer that falls further behind
            is disconnected with 1013.
        host: the address to listen on.
        port: the port to listen on; 0 picks a free one.
        log_config: a `logging.config.dictConfig` mapping for uvicorn (None: leave logging alone).
        spec: the OpenAPI document the server publishes at `/openapi.json`, as a mapping or the
            path of a JSON file; by default the spec this SDK was generated from. An operation of
            it that the simulator does not implement by hand gets a generic answer: the caller's
            token and required inputs are checked, then the smallest body valid against the
            operation's success schema comes back (the hand-written behaviour always wins).
        publish_spec: serve `/openapi.json` (False: 404, as a server that hides its spec).
    """

    def __init__(
        self,
        *,
        users: Mapping[str, str] | None = None,
        admins: Mapping[str, str] | None = None,
        token_ttl: float = 3600.0,
        ticket_ttl: int = 45,
        heartbeat_interval: float = 20.0,
        heartbeat_timeout: float = 60.0,
        chat_rate_limit: float | None = 1.0,
        stream_chunks: bool = False,
        chunk_interval: float = 0.0,
        admin_bootstrap: bool = False,
        allowed_origins: Iterable[str] | None = None,
        stale_history: bool = True,
        ignore_close_message: bool = True,
        ws_queue_size: int = 256,
        host: str = "127.0.0.1",
        port: int = 0,
        log_config: dict[str, Any] | None = None,
        spec: Mapping[str, Any] | str | os.PathLike[str] | None = None,
        publish_spec: bool = True,
    ) -> None:
        settings = Settings(
            token_ttl=token_ttl,
            ticket_ttl=ticket_ttl,
            heartbeat_interval=heartbeat_interval,
            heartbeat_timeout=heartbeat_timeout,
            chat_rate_limit=chat_rate_limit,
            stream_chunks=stream_chunks,
            chunk_interval=chunk_interval,
            admin_bootstrap=admin_bootstrap,
            stale_history=stale_history,
            ignore_close_message=ignore_close_message,
            ws_queue_size=ws_queue_size,
        )
        self._state = State(settings)
        for username, password in (users or {}).items():
            self._state.add_account(username, password)
        for username, password in (admins or {}).items():
            self._state.add_account(username, password, admin=True)
        self._allowed_origins = None if allowed_origins is None else frozenset(allowed_origins)
        self._host = host
        self._port = port
        self._log_config = log_config
        self._spec: dict[str, Any] | None = (
            json.loads(Path(spec).read_text(encoding="utf-8"))
            if isinstance(spec, (str, os.PathLike))
            else None
            if spec is None
            else dict(spec)
        )
        self._publish_spec = publish_spec
        self._hub = Hub(self._state)
        self._log = RequestLog()
        self._closing = asyncio.Event()
        self._thread: ServerThread | None = None
        self._bound_port: int | None = None
        self.faults = Faults(drop_websockets=lambda: self._call(self._hub.drop_all))
        """The fault switches (see `Faults`)."""

    # Lifecycle
    def _prepare(self) -> ServerThread:
        if self._thread is not None:
            raise RuntimeError("a Simulator runs once; create another one")
        sock = bind(self._host, self._port)
        self._bound_port = port = sock.getsockname()[1]
        origins = self._allowed_origins or frozenset(
            {f"http://127.0.0.1:{port}", f"http://localhost:{port}"}
        )
        self._state.settings = dataclasses.replace(self._state.settings, allowed_origins=origins)
        connections = Connections()
        app = FaultsMiddleware(
            build_app(
                self._state,
                self._hub,
                self.faults,
                connections,
                self._spec,
                publish_spec=self._publish_spec,
            ),
            faults=self.faults,
            log=self._log,
            connections=connections,
            closing=self._closing,
            clock=self._state.now,
        )
        self._thread = ServerThread(
            app, sock=sock, connections=connections, log_config=self._log_config
        )
        return self._thread

    def start(self) -> None:
        """Start serving; returns once the server accepts connections."""
        self._prepare().start()

    def stop(self) -> None:
        """Stop serving: open connections are closed, the thread and socket released."""
        if self._thread is not None:
            self._thread.call(self._closing.set)
            self._thread.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await self._prepare().start_async()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._thread is not None:
            self._thread.call(self._closing.set)
            await self._thread.stop_async()

    def _call(self, function: Callable[[], T]) -> T:
        return function() if self._thread is None else self._thread.call(function)

    # Where it is
    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._bound_port is None:
            raise RuntimeError("the simulator is not started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        """The server's URL, e.g. `http://127.0.0.1:53117`."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The stream's URL without its ticket: `ws://127.0.0.1:<port>/ws/chat/`."""
        return self.base_url.replace("http://", "ws://", 1) + "/ws/chat/"

    @property
    def origin(self) -> str:
        """An `Origin` header value the stream accepts."""
        return min(self._state.settings.allowed_origins or {self.base_url})

    # What it saw
    @property
    def requests(self) -> list[tuple[str, str, int]]:
        """`(method, path, status)` of every request so far, oldest first.

        Paths have no query string. WebSocket handshakes are `("GET", "/ws/chat/", 101)` when
        accepted, 403 when refused; requests answered by `faults.reset_next` have status 0.
        """
        return self._log.entries()

    @property
    def traceparents(self) -> list[tuple[str, str | None]]:
        """`(path, traceparent)` of every request so far, oldest first: the W3C trace context
        header it arrived with, or None, to check that a client's traces reach the server."""
        return self._log.traceparents()

    @property
    def ws_closes(self) -> list[tuple[int, str]]:
        """`(code, reason)` of every WebSocket close a client initiated, oldest first.

        A client that vanishes without a close frame shows as uvicorn reports it (1005 or 1006);
        sockets the server closed or dropped itself are not listed.
        """
        return self._call(lambda: list(self._hub.client_closes))

    # Test controls
    def expire_tokens(self) -> None:
        """Make every token issued so far fail with the expired-token 401; later ones work."""
        self._call(self._state.expire_tokens)

    def advance_time(self, seconds: float) -> None:
        """Move the server's clock forward (back, when negative): tokens, tickets, the chat
        limit and the answers' `Date` header see the jump."""
        self._call(lambda: self._state.advance_time(seconds))

    def add_user(self, username: str, password: str, *, admin: bool = False) -> None:
        """Create an account, as registration would (no validation; fails if the name is taken)."""
        if not self._call(lambda: self._state.add_account(username, password, admin=admin)):
            raise ValueError(f"user {username!r} already exists")

    def publish(self, username: str, event_type: str, data: Any) -> int:
        """Send an event to every open stream of `username`, e.g. `performance.alert`.

        Returns how many streams queued it: a stream whose queue overflowed (it is being closed
        with 1013) does not.
        """
        return self._call(lambda: self._hub.publish(username, event_type, data))

    def burst(self, username: str, count: int, event_type: str = "bench.burst") -> int:
        """Send `count` events (`data: {"n": 0 ... count-1}`) to each open stream of `username`.

        For `make bench` (the client's receive throughput): the frames are built first, then sent
        back to back, bypassing the per-socket queue limit. Returns how many streams got them.
        """
        return self._call(lambda: self._hub.burst(username, event_type, count))

    def __repr__(self) -> str:
        where = self.base_url if self._bound_port is not None else "not started"
        return f"<Simulator {where}>"

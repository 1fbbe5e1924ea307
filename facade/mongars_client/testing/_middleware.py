"""The ASGI layer in front of the app: applies `Faults` and records every request."""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import json
import threading
from collections.abc import Callable
from http import HTTPStatus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mongars_client.testing._faults import Faults, Rule
from mongars_client.testing._server import Connections

# The status `Simulator.requests` records for a request whose connection was reset.
RESET = 0


class RequestLog:
    """`(method, path, status)` of every request, WebSocket handshakes included (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[tuple[str, str, int]] = []
        self._traceparents: list[tuple[str, str | None]] = []

    def add(self, method: str, path: str, status: int) -> None:
        """Record one answered request."""
        with self._lock:
            self._entries.append((method, path, status))

    def entries(self) -> list[tuple[str, str, int]]:
        """A copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def add_traceparent(self, path: str, value: str | None) -> None:
        """Record the W3C `traceparent` header a request arrived with (None: without one)."""
        with self._lock:
            self._traceparents.append((path, value))

    def traceparents(self) -> list[tuple[str, str | None]]:
        """A copy of the recorded `traceparent` headers, oldest first."""
        with self._lock:
            return list(self._traceparents)


def break_schema(body: bytes) -> bytes:
    """The same data with its JSON type changed, which no response schema of the API accepts."""
    document = json.loads(body)
    broken = {"items": document} if isinstance(document, list) else [document]
    return json.dumps(broken).encode()


def _is_json(message: Message) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"application/json")
        for name, value in message.get("headers", [])
    )


class FaultsMiddleware:
    """Applies `Faults` to each request and writes it to the `RequestLog`."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        faults: Faults,
        log: RequestLog,
        connections: Connections,
        closing: asyncio.Event,
        clock: Callable[[], float],
    ) -> None:
        self.app = app
        # The `Date` of every answer, on the simulator's clock (`advance_time` moves it), as the
        # real server's follows the clock its tokens' `exp` is set by.
        self.clock = clock
        self.faults = faults
        self.log = log
        self.connections = connections
        # Set when the server stops, so that a long `latency` does not hold the shutdown.
        self.closing = closing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request or WebSocket handshake, faults first."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method: str = scope.get("method", "GET")
        path: str = scope["path"]
        self.log.add_traceparent(path, _header(scope, b"traceparent"))
        if scope["type"] == "http":
            send = self._dated(send)

        latency = self.faults.latency_for(path)
        if latency > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(latency):
                    await self.closing.wait()

        # Each request is logged before the client can see its outcome, so that a test that
        # has its answer in hand always finds it in `sim.requests`.
        if self.faults.take("reset", path):
            self.log.add(method, path, RESET)
            self.connections.abort(scope["client"])
            await _until_disconnected(receive)
            return
        rule = self.faults.take("fail", path)
        if rule:
            self.log.add(method, path, rule.status)
            await _send_failure(scope, send, rule)
            if rule.status == 500 and scope["type"] == "http":
                # The real server drops the keep-alive connection after an unhandled error.
                self.connections.close(scope["client"])
            return
        watch = self._watch_http if scope["type"] == "http" else self._watch_handshake
        await self.app(scope, receive, watch(method, path, send))

    def _dated(self, send: Send) -> Send:
        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                date = email.utils.formatdate(self.clock(), usegmt=True).encode()
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                message = {**message, "headers": [*headers, (b"date", date)]}
            await send(message)

        return dated

    def _watch_http(self, method: str, path: str, send: Send) -> Send:
        """`send`, recording the status and, when a rule says so, breaking a 2xx JSON body."""
        held: Message | None = None
        body = bytearray()

        async def watched(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                status: int = message["status"]
                self.log.add(method, path, status)
                if (
                    200 <= status < 300
                    and _is_json(message)
                    and self.faults.take("malformed", path)
                ):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                broken = break_schema(bytes(body))
                headers = [(k, v) for k, v in held["headers"] if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(broken)).encode()))
                await send({**held, "headers": headers})
                message = {"type": "http.response.body", "body": broken}
            await send(message)

        return watched

    def _watch_handshake(self, method: str, path: str, send: Send) -> Send:
        """`send`, recording how the handshake ended: 101, 403 (refused) or an HTTP answer."""
        answered = False

        async def watched(message: Message) -> None:
            nonlocal answered
            if not answered:
                status = {"websocket.accept": 101, "websocket.close": 403}.get(message["type"])
                if message["type"] == "websocket.http.response.start":
                    status = message["status"]
                if status is not None:
                    answered = True
                    self.log.add(method, path, status)
            await send(message)

        return watched


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _until_disconnected(receive: Receive) -> None:
    """Wait for the server to notice the connection is gone, so that it answers nothing more."""
    while (await receive())["type"] not in ("http.disconnect", "websocket.disconnect"):
        pass


async def _send_failure(scope: Scope, send: Send, rule: Rule) -> None:
    if rule.status == 500:
        content_type, body = b"text/plain; charset=utf-8", b"Internal Server Error"
    else:
        try:
            phrase = HTTPStatus(rule.status).phrase
        except ValueError:
            phrase = "Error"
        content_type, body = b"application/json", json.dumps({"detail": phrase}).encode()
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if rule.retry_after is not None:
        headers.append((b"retry-after", f"{rule.retry_after:g}".encode()))
    prefix = "websocket.http" if scope["type"] == "websocket" else "http"
    await send({"type": f"{prefix}.response.start", "status": rule.status, "headers": headers})
    await send({"type": f"{prefix}.response.body", "body": body})

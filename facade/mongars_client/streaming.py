"""The user's live events over the WebSocket `/ws/chat/?t=<ticket>`, typed, kept alive for hours.

    with client.stream() as events:            # AsyncClient: `async with` / `async for`
        for event in events:
            if isinstance(event, ChatMessage):
                print(event.query, "->", event.response)

What the stream does for you:
- fetches a ticket through the client (so its login, re-login and retries apply), and connects
  with the `Origin` the server expects (the base URL's, unless the client was given `origin=`);
- yields `Event`s: `Connected`, `HistorySnapshot`, `ChatMessage`, `ResponseChunk`,
  `ResponseComplete`, and plain `Event` for types it does not know; control frames stay inside;
- answers the server's heartbeat pings from a background reader, whatever the consumer is doing;
- after an abnormal end (1006 without close frame, 1011, 1012, 1013, a network error, a refused
  handshake that a fresh ticket cures) it reconnects with a fresh ticket, with exponential backoff
  and jitter, up to `max_reconnects` in a row, and never yields an event id twice;
- a handshake refused again with a fresh ticket is `OriginRefusedError` (the only refusal a fresh
  ticket and a valid token cannot cure), and a stream that cannot be reopened ends with
  `StreamClosedError` carrying the last close code and reason;
- leaving the block closes with code 1000 and stops the reader: nothing is left running.

Back-pressure: events wait in a buffer of `max_queue` events. When a consumer falls that far
behind, the reader stops reading; the socket's buffers fill, and the server, whose per-connection
queue is bounded as well, closes with 1013; the stream then reconnects and the new connection's
`HistorySnapshot` tells what was missed. Memory stays bounded either way.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import queue
import random
import ssl
import threading
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

import attrs
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from mongars_client import _otel as otel
from mongars_client._bridge import AsyncClosing, Closing, iterate_sync, run_sync
from mongars_client._redact import redact, register_secret
from mongars_client.errors import (
    APIConnectionError,
    InternalServerError,
    MonGARSError,
    OriginRefusedError,
    RateLimitError,
    StreamClosedError,
    StreamError,
    StreamHandshakeError,
)

if TYPE_CHECKING:
    from mongars_client._config import Settings

__all__ = [
    "AsyncChatStream",
    "AsyncEventStream",
    "ChatMessage",
    "ChatStream",
    "Connected",
    "Event",
    "EventStream",
    "HistorySnapshot",
    "ResponseChunk",
    "ResponseComplete",
    "StreamOptions",
]

logger = logging.getLogger("mongars_client.stream")

STREAM_PATH = "/ws/chat/"
# Close codes after which reconnecting makes sense: no close frame, server error, server
# restarting, overloaded (too slow a consumer), going away.
RECONNECTABLE = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


@attrs.frozen
class Event:
    """One event of the stream: `{"id", "type", "ts", "user", "data"}` as the server sent it."""

    id: str
    type: str
    ts: float | str | None = None
    user: str | None = None
    data: dict[str, Any] = attrs.field(factory=dict)

    TYPE: ClassVar[str | None] = None


class Connected(Event):
    """`ws.connected`: the first event of every connection."""

    TYPE = "ws.connected"

    @property
    def origin(self) -> str | None:
        """The Origin the server accepted."""
        return _text(self.data.get("origin"))


class HistorySnapshot(Event):
    """`history.snapshot`: the latest exchanges (up to 10), sent after `Connected`."""

    TYPE = "history.snapshot"

    @property
    def items(self) -> list[dict[str, Any]]:
        """The exchanges, as `{query, response, timestamp}` objects."""
        items = self.data.get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


class ChatMessage(Event):
    """`chat.message`: a chat of this user was answered (over HTTP, by any of their sessions)."""

    TYPE = "chat.message"

    @property
    def query(self) -> str | None:
        """What was asked."""
        return _text(self.data.get("query"))

    @property
    def response(self) -> str | None:
        """What was answered."""
        return _text(self.data.get("response"))


class ResponseChunk(Event):
    """`ai_model.response_chunk`: the next piece of an answer being generated."""

    TYPE = "ai_model.response_chunk"

    @property
    def delta(self) -> str:
        """The new text."""
        return _text(self.data.get("delta")) or ""


class ResponseComplete(Event):
    """`ai_model.response_complete`: the answer being generated is finished (or failed)."""

    TYPE = "ai_model.response_complete"

    @property
    def ok(self) -> bool:
        """False when generation failed (see `error`)."""
        return self.data.get("ok") is True

    @property
    def text(self) -> str | None:
        """The whole answer, when the server includes it."""
        return _text(self.data.get("text"))

    @property
    def error(self) -> str | None:
        """Why generation failed."""
        return _text(self.data.get("error"))


_EVENT_CLASSES: dict[str, type[Event]] = {
    cls.TYPE: cls
    for cls in (Connected, HistorySnapshot, ChatMessage, ResponseChunk, ResponseComplete)
    if cls.TYPE
}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@attrs.frozen
class _Control:
    """A control frame, `{"id", "type", "payload"}`: heartbeat pings and acks. Never yielded."""

    id: Any
    type: str
    payload: Any


# JSON gives these exact types (never a bool for a number here: `type(True)` is not int).
_TIMESTAMP_TYPES = frozenset({int, float, str})


def parse_frame(raw: str | bytes) -> Event | _Control | None:
    """Classify one frame; None for anything unusable (logged and skipped, never fatal)."""
    # Runs once per event of the stream: written for speed (exact type checks, positional
    # construction), as the receive path's throughput depends on it.
    try:
        # Binary frames are decoded strictly here: Python's JSON decoder would let an encoded
        # lone surrogate through, and the text would fail later, in the caller's hands.
        frame = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to decode
        logger.warning("skipping a frame that is not JSON (%d bytes)", len(raw))
        return None
    kind = frame.get("type") if type(frame) is dict else None
    if type(kind) is not str:
        logger.warning("skipping a frame without a type")
        return None
    if kind == "ping" or kind == "ack":
        return _Control(frame.get("id"), kind, frame.get("payload"))
    event_id = frame.get("id")
    data = frame.get("data", {})
    if type(event_id) is not str or type(data) is not dict:
        logger.warning("skipping a %s event without an id or data object", kind)
        return None
    ts = frame.get("ts")
    user = frame.get("user")
    return _EVENT_CLASSES.get(kind, Event)(
        event_id,
        kind,
        ts if type(ts) in _TIMESTAMP_TYPES else None,
        user if type(user) is str else None,
        data,
    )


@attrs.frozen
class StreamOptions:
    """How a stream connects and recovers. Every field has a default suited to hours of uptime."""

    max_reconnects: int = 10
    """Reconnects in a row without a successful connection before `StreamClosedError`."""
    max_queue: int = 1000
    """Events buffered for a slow consumer (see the module docstring on back-pressure)."""
    open_timeout: float = 10.0
    """Seconds for the WebSocket handshake."""
    ping_interval: float | None = 20.0
    """Seconds between WebSocket-level pings that detect a dead link (None: off)."""
    ping_timeout: float | None = 20.0
    """Seconds to wait for the pong of such a ping before reconnecting."""
    close_timeout: float = 5.0
    """Seconds to wait for the server's close frame when leaving."""
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    dedup_window: int = 4096
    """How many recent event ids are remembered to drop duplicates."""
    max_frame: int = 2**20
    """Largest frame accepted, in bytes."""

    def backoff(self, attempt: int) -> float:
        """Delay before reconnect number `attempt` (1, 2 ...), with jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography


class _Seen:
    """The last `size` event ids, to drop duplicates in bounded memory."""

    def __init__(self, size: int) -> None:
        self._order: collections.deque[str] = collections.deque()
        self._ids: set[str] = set()
        self._size = size

    def add(self, event_id: str) -> bool:
        """True if `event_id` is new (and remember it)."""
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


@attrs.frozen
class _End:
    """The reader finished: with `error`, or cleanly when None."""

    error: BaseException | None = None


@attrs.define
class _ChatDone:
    """The HTTP chat of a `chat_stream` finished: its answer or its error."""

    response: Any = None
    error: BaseException | None = None
    join: Callable[[], Coroutine[Any, Any, None]] | None = None


Item = Event | _End | _ChatDone


class _Socket(Protocol):
    """The network and timing side of a stream, blocking or asyncio (see `_bridge`)."""

    async def connect(
        self, url: str, origin: str, settings: Settings, options: StreamOptions
    ) -> Any: ...

    async def recv(self, connection: Any) -> str | bytes: ...

    async def send(self, connection: Any, text: str) -> None: ...

    async def close(self, connection: Any, code: int = 1000) -> None: ...

    async def sleep(self, seconds: float) -> None: ...

    async def put(self, item: Item) -> None: ...

    def poll(self) -> Item | None: ...

    async def get(self, timeout: float | None = None) -> Item | None: ...

    def wake(self) -> None: ...

    def spawn(self, work: Coroutine[Any, Any, None]) -> Callable[[], Coroutine[Any, Any, None]]: ...


def stream_url(base_url: str, ticket: str) -> str:
    """`ws(s)://host[:port]/<base path>/ws/chat/?t=<ticket>` for an `http(s)://` base URL."""
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}{STREAM_PATH}?t={ticket}"


def default_origin(base_url: str) -> str:
    """The base URL's origin (`scheme://host[:port]`): what the server's allow-list expects."""
    scheme, rest = base_url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _close_of(error: ConnectionClosed) -> tuple[int, str]:
    received = error.rcvd
    if received is None:
        return 1006, "closed without a close frame"
    return received.code, received.reason


class _Session:
    """One logical stream: connect, read, answer pings, reconnect. Written once for both modes."""

    def __init__(
        self,
        *,
        socket: _Socket,
        ticket: Callable[[], Awaitable[str]],
        settings: Settings,
        options: StreamOptions,
        origin: str | None,
    ) -> None:
        self._socket = socket
        self._ticket = ticket
        self._settings = settings
        self._options = options
        self.origin = origin or settings.origin or default_origin(settings.base_url)
        self._seen = _Seen(options.dedup_window)
        self.connection: Any = None
        self.closing = False
        self.connections = 0

    async def open(self) -> None:
        """Connect for the first time; errors go to the caller as they are."""
        self.connection = await self._connect()

    async def _connect(self) -> Any:
        refused = 0
        failures = 0
        while True:
            try:
                ticket = await otel.in_stream(self, self._ticket())
                register_secret(ticket)
                url = stream_url(self._settings.base_url, ticket)
                connection = await self._socket.connect(
                    url, self.origin, self._settings, self._options
                )
            except (APIConnectionError, InternalServerError, RateLimitError) as error:
                # The ticket request failed after the HTTP layer's own retries: count it as a
                # failed attempt, as a refused connection would be.
                failures += 1
                reason = str(error)
            except InvalidStatus as error:
                status = error.response.status_code
                if status == 403:
                    # The server answers every refusal with 403: an expired ticket (cured by a
                    # fresh one) or a foreign origin (not cured). A second refusal in a row,
                    # with a ticket just issued on a valid token, is the origin.
                    refused += 1
                    if refused >= 2:
                        raise OriginRefusedError(
                            f"the server refused the stream from origin {self.origin!r}: pass "
                            "origin=... with an origin it allows",
                            origin=self.origin,
                        ) from None
                    logger.info("stream handshake refused (403); retrying with a fresh ticket")
                    continue
                if status < 500:
                    raise StreamHandshakeError(
                        f"the server refused the stream handshake with HTTP {status}",
                        status_code=status,
                    ) from None
                failures += 1
                reason = f"handshake answered HTTP {status}"
            except ssl.SSLCertVerificationError as error:
                # The certificate will fail the same way next time: say so now, as HTTP does.
                where = default_origin(stream_url(self._settings.base_url, ""))
                raise APIConnectionError(
                    f"the stream's TLS handshake with {where} failed: {error} (pass verify= "
                    "with the server's CA bundle or ssl.SSLContext)",
                    method="GET",
                    url=where + STREAM_PATH,
                ) from None
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
                failures += 1
                reason = redact(str(error) or type(error).__name__)
            else:
                self.connections += 1
                otel.stream_connected(self, url)
                return connection
            if failures > self._options.max_reconnects:
                raise StreamClosedError(
                    f"could not open the stream after {failures} attempts: {reason}",
                    code=None,
                    reason=reason,
                )
            delay = self._options.backoff(failures)
            logger.info("stream connect failed (%s); retrying in %.2f s", reason, delay)
            await self._socket.sleep(delay)

    async def pump(self) -> None:
        """Read until the stream ends for good, then hand the consumer its `_End`; never raises."""
        try:
            await self._read_and_reconnect()
            end = _End()
        except Exception as error:  # delivered to the consumer as the end of the stream
            end = _End(_as_stream_error(error))
        otel.stream_ended(self, end.error)
        if not self.closing:
            await self._socket.put(end)

    async def _read_and_reconnect(self) -> None:
        reconnects = 0
        while True:
            try:
                await self._read(self.connection)
            except ConnectionClosed as closed:
                if self.closing:
                    return
                code, reason = _close_of(closed)
                if code == 1000:
                    logger.info("the server ended the stream (1000 %s)", reason)
                    return
                if code not in RECONNECTABLE:
                    raise StreamClosedError(
                        f"the stream closed with {code} {reason}".strip(), code=code, reason=reason
                    ) from None
                last = (code, reason)
            except (OSError, TimeoutError) as error:
                if self.closing:
                    return
                last = (1006, redact(str(error)) or type(error).__name__)
            reconnects += 1
            if reconnects > self._options.max_reconnects:
                raise StreamClosedError(
                    f"the stream closed ({last[0]} {last[1]}) and {self._options.max_reconnects} "
                    "reconnects failed",
                    code=last[0],
                    reason=last[1],
                )
            delay = self._options.backoff(reconnects)
            logger.info("stream closed (%d %s); reconnecting in %.2f s", last[0], last[1], delay)
            otel.stream_reconnect(self, last[0], last[1], delay)
            await self._socket.sleep(delay)
            if self.closing:
                return
            try:
                self.connection = await self._connect()
            except (StreamClosedError, APIConnectionError) as error:
                # The consumer sees the stream end as a StreamError, whatever stopped it.
                raise StreamClosedError(str(error), code=last[0], reason=last[1]) from None
            if self.closing:  # the consumer left while we were reconnecting
                await self._socket.close(self.connection)
                return
            reconnects = 0

    async def _read(self, connection: Any) -> None:
        while True:
            frame = parse_frame(await self._socket.recv(connection))
            if isinstance(frame, _Control):
                if frame.type == "ping":
                    await self._socket.send(
                        connection, json.dumps({"id": frame.id, "type": "pong"})
                    )
            elif frame is not None and self._seen.add(frame.id):
                await self._socket.put(frame)


def _as_stream_error(error: BaseException) -> BaseException:
    if isinstance(error, MonGARSError | asyncio.CancelledError):
        return error
    return StreamError(f"the stream failed: {type(error).__name__}: {redact(str(error))}")


def _connect_kwargs(
    origin: str, url: str, settings: Settings, options: StreamOptions
) -> dict[str, Any]:
    return {
        "origin": origin,
        "ssl": settings.ssl_context() if url.startswith("wss://") else None,
        "open_timeout": options.open_timeout,
        "ping_interval": options.ping_interval,
        "ping_timeout": options.ping_timeout,
        "close_timeout": options.close_timeout,
        "max_size": options.max_frame,
        "user_agent_header": "mongars-client",
        "compression": None,
    }


class _BlockingSocket:
    """websockets' threaded client, plus a bounded hand-off queue to the consumer's thread."""

    def __init__(self, max_queue: int) -> None:
        self.items: queue.Queue[Item] = queue.Queue(maxsize=max_queue)
        self.stopping = threading.Event()

    async def connect(
        self, url: str, origin: str, settings: Settings, options: StreamOptions
    ) -> Any:
        from websockets.sync.client import connect

        # Entered by hand: since websockets 17.1 the blocking connect() is meant for `with`
        # (plain use warns), and a stream outlives any one `with` block of ours. Closing the
        # connection later is all that leaving the block would do.
        return connect(url, **_connect_kwargs(origin, url, settings, options)).__enter__()

    async def recv(self, connection: Any) -> str | bytes:
        message: str | bytes = connection.recv()
        return message

    async def send(self, connection: Any, text: str) -> None:
        connection.send(text)

    async def close(self, connection: Any, code: int = 1000) -> None:
        connection.close(code)

    async def sleep(self, seconds: float) -> None:
        self.stopping.wait(seconds)  # returns early when the consumer leaves

    async def put(self, item: Item) -> None:
        while not self.stopping.is_set():
            try:
                self.items.put(item, timeout=0.25)
                return
            except queue.Full:
                continue

    def poll(self) -> Item | None:
        try:
            return self.items.get_nowait()
        except queue.Empty:
            return None

    async def get(self, timeout: float | None = None) -> Item | None:
        try:
            return self.items.get(timeout=timeout)
        except queue.Empty:
            return None

    def wake(self) -> None:
        """End a consumer waiting in `get` (the stream was closed from another thread)."""
        with contextlib.suppress(queue.Full):  # full: the consumer is not waiting
            self.items.put_nowait(_End())

    def spawn(self, work: Coroutine[Any, Any, None]) -> Callable[[], Coroutine[Any, Any, None]]:
        thread = threading.Thread(target=run_sync, args=(work,), name="mongars-stream-worker")
        thread.start()

        async def join() -> None:
            thread.join()

        return join


class _AsyncSocket:
    """websockets' asyncio client, plus a bounded hand-off queue to the consuming task."""

    def __init__(self, max_queue: int) -> None:
        self.items: asyncio.Queue[Item] = asyncio.Queue(maxsize=max_queue)

    async def connect(
        self, url: str, origin: str, settings: Settings, options: StreamOptions
    ) -> Any:
        from websockets.asyncio.client import connect

        return await connect(url, **_connect_kwargs(origin, url, settings, options))

    def recv(self, connection: Any) -> Coroutine[Any, Any, str | bytes]:
        # websockets' own coroutine, not one more around it: this runs once per event.
        message: Coroutine[Any, Any, str | bytes] = connection.recv()
        return message

    async def send(self, connection: Any, text: str) -> None:
        await connection.send(text)

    async def close(self, connection: Any, code: int = 1000) -> None:
        await connection.close(code)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def put(self, item: Item) -> None:
        try:  # no second coroutine (asyncio.Queue.put's) while there is room: once per event
            self.items.put_nowait(item)
        except asyncio.QueueFull:
            await self.items.put(item)

    def poll(self) -> Item | None:
        try:
            return self.items.get_nowait()
        except asyncio.QueueEmpty:
            return None

    async def get(self, timeout: float | None = None) -> Item | None:
        if timeout is None:  # wait_for would wrap the wait in one more coroutine for nothing
            return await self.items.get()
        try:
            return await asyncio.wait_for(self.items.get(), timeout)
        except TimeoutError:
            return None

    def wake(self) -> None:
        """End a consumer waiting in `get` (the stream was closed from another task)."""
        with contextlib.suppress(asyncio.QueueFull):  # full: the consumer is not waiting
            self.items.put_nowait(_End())

    def spawn(self, work: Coroutine[Any, Any, None]) -> Callable[[], Coroutine[Any, Any, None]]:
        task = asyncio.create_task(work)

        async def join() -> None:
            await task

        return join


class _Finished(Exception):
    """The stream ended cleanly (a coroutine cannot raise StopIteration)."""


class _Consumer:
    """The consuming side of a stream, shared by the blocking and asyncio wrappers."""

    def __init__(self, socket: _Socket, session: _Session) -> None:
        self.socket = socket
        self.session = session
        self.started = False
        self._end: _End | None = None

    def ready(self) -> Event | _ChatDone | None:
        """The next item if one is waiting, else None, without waiting; raises as `next`.

        The iterators try this first: while events are queued, taking one costs no wait and
        no coroutine, which is most of the receive path's cost per event.
        """
        if not self.started:
            raise StreamError("use the stream inside `with client.stream() as events:`")
        return self._accept(None if self._end is not None else self.socket.poll())

    async def next(self, timeout: float | None = None) -> Event | _ChatDone | None:
        """The next item; None after `timeout`; raises the stream's error, or `_Finished`."""
        item = self.ready()
        if item is None:
            # Once closed, never wait: nothing more will come (the reader is stopped).
            waited = _End() if self.session.closing else await self.socket.get(timeout)
            item = self._accept(waited)
        return item

    def _accept(self, item: Item | None) -> Event | _ChatDone | None:
        if isinstance(item, _End):
            self._end = item
        elif self._end is None:
            return item
        end = self._end
        assert end is not None
        if end.error is not None:
            raise end.error
        raise _Finished


class EventStream(Closing):
    """The blocking client's stream: `with client.stream() as events: for event in events: ...`."""

    def __init__(
        self, session_factory: Callable[[_Socket], _Session], options: StreamOptions
    ) -> None:
        self._socket = _BlockingSocket(options.max_queue)
        self._session = session_factory(self._socket)
        self._consumer = _Consumer(self._socket, self._session)
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Self:
        run_sync(self._session.open())
        self._reader = threading.Thread(
            target=run_sync, args=(self._session.pump(),), name="mongars-stream-reader"
        )
        self._reader.start()
        self._consumer.started = True
        return self

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        try:
            item = self._consumer.ready() or run_sync(self._consumer.next())
        except _Finished:
            raise StopIteration from None
        assert isinstance(item, Event)
        return item

    def close(self) -> None:
        """Close with code 1000 and stop the reader (idempotent)."""
        self._session.closing = True
        self._socket.stopping.set()
        otel.stream_ended(self._session, None)
        if self._session.connection is not None:
            run_sync(self._socket.close(self._session.connection))
        if self._reader is not None:
            self._reader.join()
        self._socket.wake()  # a consumer blocked in another thread ends its loop


class AsyncEventStream(AsyncClosing):
    """The asyncio client's stream: `async with client.stream() as events: async for ...`."""

    def __init__(
        self, session_factory: Callable[[_Socket], _Session], options: StreamOptions
    ) -> None:
        self._socket = _AsyncSocket(options.max_queue)
        self._session = session_factory(self._socket)
        self._consumer = _Consumer(self._socket, self._session)
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        await self._session.open()
        self._reader = asyncio.create_task(self._session.pump(), name="mongars-stream-reader")
        self._consumer.started = True
        return self

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        try:
            item = self._consumer.ready() or await self._consumer.next()
        except _Finished:
            raise StopAsyncIteration from None
        assert isinstance(item, Event)
        return item

    async def aclose(self) -> None:
        """Close with code 1000 and cancel the reader (idempotent)."""
        self._session.closing = True
        otel.stream_ended(self._session, None)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._session.connection is not None:
            await self._socket.close(self._session.connection)
        self._socket.wake()  # a consumer waiting in another task ends its loop


# How long to wait, once the HTTP answer is in, for the stream's own end of that chat.
CHAT_EVENT_GRACE = 2.0


async def chat_pieces(
    consumer: _Consumer,
    message: str,
    chat: Callable[[], Coroutine[Any, Any, Any]],
    result: _ChatDone,
) -> AsyncGenerator[str, None]:
    """Text of one chat's answer as it arrives; `result` holds the HTTP answer at the end.

    The chat goes over HTTP in the background while the stream is read: `ResponseChunk` deltas
    are yielded as they come, up to `ResponseComplete` or this chat's `ChatMessage`. Whatever
    the stream missed (no chunks at all, or a stream that failed) comes from the HTTP answer, so
    the pieces always add up to its `response`.
    """

    async def send_chat() -> None:
        try:
            result.response = await chat()
        except Exception as error:  # raised to the consumer below
            result.error = error
        await consumer.socket.put(result)

    # Joined here once the chat is done, or by the caller after closing the stream (which
    # unblocks `send_chat` if it is stuck on a full queue) when the consumer stops early.
    result.join = consumer.socket.spawn(send_chat())
    pieces: list[str] = []
    http_done_at: float | None = None
    stream_done = False
    while not (stream_done and http_done_at is not None):
        wait = None if http_done_at is None else http_done_at + CHAT_EVENT_GRACE - time.monotonic()
        try:
            item = await consumer.next(None if wait is None else max(wait, 0.0))
        except (_Finished, StreamError):
            item = None if http_done_at is not None else await _wait_for_chat(consumer)
        if item is None:
            break
        if isinstance(item, _ChatDone):
            if result.error is not None:
                raise result.error
            http_done_at = time.monotonic()
        elif isinstance(item, ResponseChunk) and item.delta:
            pieces.append(item.delta)
            yield item.delta
        elif _ends_chat(item, message, answered=bool(pieces)):
            stream_done = True
    if result.join is not None:
        await result.join()
    if result.error is not None:
        raise result.error
    text = getattr(result.response, "response", "")
    so_far = "".join(pieces)
    if text.startswith(so_far) and len(text) > len(so_far):
        yield text[len(so_far) :]


def _ends_chat(event: Event, message: str, *, answered: bool) -> bool:
    """The stream's end of our chat: the chunks' completion, or the chat's own message."""
    if isinstance(event, ResponseComplete):
        return answered
    return isinstance(event, ChatMessage) and event.query == message


async def _wait_for_chat(consumer: _Consumer) -> _ChatDone | None:
    """After the stream ended early, the HTTP chat's completion (which `send_chat` still queues)."""
    item = await consumer.socket.get(None)
    return item if isinstance(item, _ChatDone) else None


class ChatStream:
    """`client.chat_stream(...)` of the blocking client: iterate for the text as it arrives.

    reply = client.chat_stream("Summarise the incident")
    for piece in reply:
        print(piece, end="", flush=True)
    reply.response          # the ChatResponse, once the iteration is over
    """

    def __init__(
        self, events: EventStream, message: str, chat: Callable[[], Coroutine[Any, Any, Any]]
    ) -> None:
        self._events = events
        self._message = message
        self._chat = chat
        self._result = _ChatDone()

    def __iter__(self) -> Iterator[str]:
        self._chat, span = otel.chat_stream_started(self._events._session, self._chat)
        failure: BaseException | None = None
        try:
            with self._events:
                pieces = chat_pieces(
                    self._events._consumer, self._message, self._chat, self._result
                )
                yield from iterate_sync(pieces)
        except BaseException as error:
            failure = error
            raise
        finally:  # after the stream is closed, so the chat's worker cannot be stuck on it
            if self._result.join is not None:
                run_sync(self._result.join())
            otel.chat_stream_ended(span, self._result.error or failure)

    @property
    def response(self) -> Any:
        """The HTTP answer (`ChatResponse`), available after the iteration."""
        return _final_response(self._result)


class AsyncChatStream:
    """The asyncio client's `chat_stream(...)`: `async for piece in ...`, then `.response`."""

    def __init__(
        self, events: AsyncEventStream, message: str, chat: Callable[[], Coroutine[Any, Any, Any]]
    ) -> None:
        self._events = events
        self._message = message
        self._chat = chat
        self._result = _ChatDone()

    async def __aiter__(self) -> AsyncIterator[str]:
        self._chat, span = otel.chat_stream_started(self._events._session, self._chat)
        failure: BaseException | None = None
        try:
            async with self._events:
                pieces = chat_pieces(
                    self._events._consumer, self._message, self._chat, self._result
                )
                try:
                    async for piece in pieces:
                        yield piece
                finally:
                    await pieces.aclose()
        except BaseException as error:
            failure = error
            raise
        finally:
            if self._result.join is not None:
                await self._result.join()
            otel.chat_stream_ended(span, self._result.error or failure)

    @property
    def response(self) -> Any:
        """The HTTP answer (`ChatResponse`), available after the iteration."""
        return _final_response(self._result)


def _final_response(result: _ChatDone) -> Any:
    if result.response is None:
        raise StreamError("iterate over the chat stream first: the answer is not complete yet")
    return result.response

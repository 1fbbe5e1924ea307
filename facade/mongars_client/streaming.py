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
  handshake that a fresh ticket cures, a ticket request answered 408, 429, 5xx or malformed) it
  reconnects with a fresh ticket, with exponential backoff and jitter, and never yields an event
  id twice. A connection counts as healthy only once it answered a server heartbeat or stayed
  open longer than the backoff reached (an overloaded server greets, sends the snapshot, then
  closes with 1013); until then the backoff keeps growing, 1013 waits one step longer, and
  `max_reconnects` failed attempts in a row end the stream with `StreamClosedError` (the last
  close code and reason; a refused login is its `__cause__`);
- a handshake refused again with a fresh ticket is `OriginRefusedError` (the only refusal a fresh
  ticket and a valid token cannot cure);
- no silent loss: after a reconnect, the new connection's `HistorySnapshot` is compared with the
  chat messages already delivered, and those missed are yielded (oldest first, before any live
  event) as `ChatMessage` with `recovered=True`. Each break also yields a `Gap` saying from when
  to when the stream was blind; `Gap.chats_complete` is False when chat messages may be missing
  too (the break outlasted the 10 exchanges a snapshot holds): reconcile through `history()`;
- leaving the block closes with code 1000 and stops the reader, within `close_timeout`.

Slow consumers: events wait in a buffer of `max_queue` events. When it is full the reader waits
for room for `max_pause` at most (the network's buffers hold the rest of a short burst), never
longer: it must keep answering the server's heartbeat, or the server drops the connection and
whatever it had queued. After that it drops events and, once the consumer has caught up, yields
one `Gap` with how many it dropped (`reason` "consumer too slow"). Memory stays bounded by
`max_queue`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime
import json
import logging
import queue
import random
import re
import ssl
import threading
import time
import uuid
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Hashable,
    Iterator,
)
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypedDict, cast

import attrs
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from mongars_client import _otel as otel
from mongars_client._bridge import AsyncClosing, Closing, iterate_sync, run_sync
from mongars_client._redact import redact, register_secret
from mongars_client.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ConfigurationError,
    InternalServerError,
    MonGARSError,
    OriginRefusedError,
    RateLimitError,
    ResponseValidationError,
    StreamClosedError,
    StreamError,
    StreamHandshakeError,
)

if TYPE_CHECKING:
    from mongars_api.models import ChatResponse
    from mongars_client._config import Settings

__all__ = [
    "AsyncChatStream",
    "AsyncEventStream",
    "ChatMessage",
    "ChatStream",
    "Connected",
    "Event",
    "EventStream",
    "Gap",
    "HistorySnapshot",
    "ResponseChunk",
    "ResponseComplete",
    "SnapshotItem",
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


class SnapshotItem(TypedDict, total=False):
    """One exchange of a `HistorySnapshot`, a plain dict as the server sends it.

    `timestamp` is ISO 8601 text; a newer server may add keys, which stay in the dict.
    """

    query: str
    response: str
    timestamp: str


class HistorySnapshot(Event):
    """`history.snapshot`: the latest exchanges (up to 10), sent after `Connected`."""

    TYPE = "history.snapshot"

    @property
    def items(self) -> list[SnapshotItem]:
        """The exchanges, as `{query, response, timestamp}` dicts (see `SnapshotItem`)."""
        items = self.data.get("items")
        found = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        return cast("list[SnapshotItem]", found)


@attrs.frozen
class ChatMessage(Event):
    """`chat.message`: a chat of this user was answered (over HTTP, by any of their sessions).

    `recovered` is True for a message this stream did not receive live: the socket was down when
    it was sent, and the next connection's `HistorySnapshot` showed it. Such a message has the
    snapshot's fields only (`query`, `response`, `timestamp`; no `speech_turn`; the `query` as
    the server stored it, which may differ from the one sent), an `id` made by the client, and
    the exchange's `timestamp` as `ts`. Recovered messages come oldest first, right after the
    new connection's `HistorySnapshot` (and its `Gap`), before any live event.
    """

    TYPE: ClassVar[str | None] = "chat.message"

    recovered: bool = attrs.field(default=False, kw_only=True)
    """True when the message was recovered from a snapshot after a break, not received live."""

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


class Gap(Event):
    """`stream.gap`, made by this client (never sent by the server): the stream was blind.

    Between `since` and `until` (unix seconds, on the server's clock when its events carry a
    `ts`, a number or ISO-8601, else on this machine's) events may have been missed: the socket
    was down and reconnected (`reason` "reconnected"), or the consumer fell `max_queue` events
    behind and the reader dropped `dropped` of them (`reason` "consumer too slow").
    `chats_complete` is True when every chat message of that time was delivered or recovered
    (see `ChatMessage.recovered`), so only other event types (answer chunks, alerts) can be
    missing; when False, reconcile through `client.history()`. A stream never loses an event
    without a `Gap` covering its time.
    """

    TYPE = "stream.gap"

    @property
    def since(self) -> float:
        """When the blind time began (the last event seen before it)."""
        value = self.data.get("since")
        return float(value) if isinstance(value, int | float) else 0.0

    @property
    def until(self) -> float:
        """When the stream could see again."""
        value = self.data.get("until")
        return float(value) if isinstance(value, int | float) else 0.0

    @property
    def reason(self) -> str:
        """`"reconnected"` or `"consumer too slow"`."""
        return _text(self.data.get("reason")) or ""

    @property
    def chats_complete(self) -> bool:
        """True when no chat message of this time is missing (delivered, or recovered)."""
        return self.data.get("chats_complete") is True

    @property
    def dropped(self) -> int:
        """How many events the reader dropped for a slow consumer (0 after a reconnect)."""
        value = self.data.get("dropped")
        return value if type(value) is int else 0


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
    """Failed attempts in a row (refused, or closed before it was healthy) before
    `StreamClosedError`. A connection counts as healthy once it answered a server heartbeat or
    stayed open longer than the backoff reached; only then does the count start again."""
    max_queue: int = 1000
    """Events buffered for a slow consumer; beyond that the reader drops events and yields a
    `Gap` (see the module docstring on back-pressure)."""
    max_pause: float = 1.0
    """Seconds the reader may wait for room in a full buffer (the network holds the rest of a
    short burst) before it drops events with a `Gap`. Keep it well below the server's heartbeat
    timeout minus its interval (60 - 20 s on the real server)."""
    open_timeout: float = 10.0
    """Seconds for the WebSocket handshake."""
    ping_interval: float | None = 20.0
    """Seconds between WebSocket-level pings that detect a dead link (None: off)."""
    ping_timeout: float | None = 20.0
    """Seconds to wait for the pong of such a ping before reconnecting."""
    close_timeout: float = 5.0
    """Seconds leaving the stream may take: the server's close frame is awaited that long, and a
    reader still busy (reconnecting to a server that is down) is left to finish on its own."""
    backoff_base: float = 0.5
    """First reconnect delay, in seconds, doubled at each failed attempt (with jitter)."""
    backoff_cap: float = 30.0
    """Longest reconnect delay, in seconds."""
    dedup_window: int = 4096
    """How many recent event ids are remembered to drop duplicates."""
    max_frame: int = 2**20
    """Largest frame accepted, in bytes."""

    def __attrs_post_init__(self) -> None:
        # Refused when made, with the setting's name, not as an OverflowError mid-stream.
        from mongars_client._config import check_count, check_seconds

        for name, minimum in (
            ("max_reconnects", 0),
            ("max_queue", 1),
            ("dedup_window", 1),
            ("max_frame", 1),
        ):
            check_count(f"StreamOptions.{name}", getattr(self, name), minimum=minimum)
        for name in ("open_timeout", "close_timeout", "backoff_base", "backoff_cap"):
            check_seconds(f"StreamOptions.{name}", getattr(self, name))
        for name in ("ping_interval", "ping_timeout"):
            if getattr(self, name) is not None:
                check_seconds(f"StreamOptions.{name}", getattr(self, name))
        check_seconds("StreamOptions.max_pause", self.max_pause, zero=True)
        if self.backoff_cap < self.backoff_base:
            raise ConfigurationError(
                f"StreamOptions.backoff_cap must be at least backoff_base ({self.backoff_base!r}),"
                f" not {self.backoff_cap!r}"
            )

    def ceiling(self, attempt: int) -> float:
        """The longest delay before reconnect number `attempt` (1, 2 ...), before jitter."""
        return float(min(self.backoff_cap, self.backoff_base * 2.0 ** (max(attempt, 1) - 1)))

    def backoff(self, attempt: int) -> float:
        """Delay before reconnect number `attempt` (1, 2 ...), with jitter."""
        return self.ceiling(attempt) * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not crypto


# Shared by every stream opened without options (it is immutable).
_DEFAULT_STREAM_OPTIONS = StreamOptions()


class _Seen:
    """The last `size` event ids (or other keys), to drop duplicates in bounded memory."""

    __slots__ = ("_ids", "_order", "_size")

    def __init__(self, size: int) -> None:
        self._order: collections.deque[Hashable] = collections.deque()
        self._ids: set[Hashable] = set()
        self._size = size

    def __contains__(self, event_id: Hashable) -> bool:
        return event_id in self._ids

    def add(self, event_id: Hashable) -> bool:
        """True if `event_id` is new (and remember it)."""
        if event_id in self._ids:
            return False
        self._ids.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._size:
            self._ids.discard(self._order.popleft())
        return True


class _Recent:
    """The last `size` keys, each with a flag; memory allocated at the first key only."""

    __slots__ = ("_flags", "_order", "_size")

    def __init__(self, size: int) -> None:
        self._flags: dict[Hashable, bool] | None = None
        self._order: collections.deque[Hashable] | None = None
        self._size = size

    def __contains__(self, key: Hashable) -> bool:
        return self._flags is not None and key in self._flags

    def remember(self, key: Hashable, *, recovered: bool) -> bool:
        """Remember `key` (with `recovered` if it is new); the flag it already had, else False."""
        if self._flags is None or self._order is None:
            self._flags, self._order = {}, collections.deque()
        if key in self._flags:
            return self._flags[key]
        self._flags[key] = recovered
        self._order.append(key)
        if len(self._order) > self._size:
            del self._flags[self._order.popleft()]
        return False


@attrs.frozen
class _End:
    """The reader finished: with `error`, or cleanly when None."""

    error: BaseException | None = None


@attrs.frozen
class _Worker:
    """Work running beside the stream (a `chat_stream`'s HTTP chat): wait for it, or stop it."""

    join: Callable[[], Coroutine[Any, Any, None]]
    stop: Callable[[], Coroutine[Any, Any, None]]


@attrs.define
class _ChatDone:
    """The HTTP chat of a `chat_stream` finished: its answer or its error."""

    response: ChatResponse | None = None
    error: BaseException | None = None
    worker: _Worker | None = None
    finished: bool = False


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

    def offer(self, item: Item) -> bool: ...

    async def offer_within(self, item: Item, timeout: float) -> bool: ...

    def poll(self) -> Item | None: ...

    async def get(self, timeout: float | None = None) -> Item | None: ...

    def wake(self) -> None: ...

    def spawn(self, work: Coroutine[Any, Any, None]) -> _Worker: ...


def stream_url(base_url: str, ticket: str) -> str:
    """`ws(s)://host[:port]/<base path>/ws/chat/?t=<ticket>` for an `http(s)://` base URL."""
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}{STREAM_PATH}?t={ticket}"


def default_origin(base_url: str) -> str:
    """The base URL's origin (`scheme://host[:port]`): what the server's allow-list expects.

    Without the user information of a `scheme://user:password@host` URL: an Origin never
    carries it, and the password would go out in a header (and into error messages).
    """
    scheme, rest = base_url.split("://", 1)
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    return f"{scheme}://{authority.rpartition('@')[2]}"


def _close_of(error: ConnectionClosed) -> tuple[int, str]:
    received = error.rcvd
    if received is None:
        return 1006, "closed without a close frame"
    return received.code, received.reason


class _Stopped(Exception):
    """The consumer left while the reader was reconnecting."""


# Failures fetching a ticket or opening the socket that another attempt can cure: no answer, a
# server error, a 429, or an answer that is not what the API says (checked in `_retryable`).
_TRANSIENT = (APIConnectionError, InternalServerError, RateLimitError, ResponseValidationError)
# A snapshot holds up to this many exchanges (PROTOCOL.md): a full one may have left some out.
SNAPSHOT_SIZE = 10
# Chat messages remembered to compare a new snapshot with: a few snapshots' worth.
_KNOWN_CHATS = 8 * SNAPSHOT_SIZE


def _retryable(error: Exception) -> bool:
    if isinstance(error, APIStatusError) and error.status_code == 408:
        return True
    return isinstance(error, _TRANSIENT) and not isinstance(error, AuthenticationError)


def _chat_key(data: SnapshotItem | dict[str, Any]) -> tuple[object, object]:
    """What a live `chat.message` and a snapshot item of the same exchange have in common.

    Not the query: the server may store one other than it announced (it appends its own
    context), and a chat delivered live would come back from the snapshot as "missed".
    """
    return (data.get("timestamp"), data.get("response"))


def _when(event: Event) -> float:
    """An event's time on the server's clock when it says, else now on ours."""
    return _time_of(event.ts)


def _time_of(ts: float | str | None) -> float:
    """Unix seconds of a `ts`: a number, or an ISO-8601 text (as a snapshot's exchanges carry,
    UTC when it names no zone); now, on this machine's clock, when it is neither."""
    if isinstance(ts, int | float):
        return float(ts)
    if isinstance(ts, str):
        try:
            moment = datetime.datetime.fromisoformat(ts)
        except ValueError:
            return time.time()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.timestamp()
    return time.time()


# No event read yet (None is a valid `ts`).
_NOTHING: Any = object()


class _Overflow:
    """Events dropped for a slow consumer, until the `Gap` that reports them is handed over.

    The reader fills it when the buffer is full; whichever side finds room first (the reader
    with its next event, or the consumer finding the buffer empty) turns it into one `Gap`. A
    lock, because in the blocking client the two sides are two threads.
    """

    __slots__ = ("chats", "dropped", "lock", "since", "until", "user")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.dropped = 0
        self.chats = 0
        self.since = 0.0
        self.until = 0.0
        self.user: str | None = None

    def record(self, event: Event) -> None:
        """Count one dropped event (call with the lock held)."""
        when = _when(event)
        if not self.dropped:
            logger.info("the consumer is too slow: dropping events until it catches up")
            self.since = self.until = when
        # Not always in order: a recovered chat carries its exchange's time, in the break.
        self.since = min(self.since, when)
        self.until = max(self.until, when)
        self.dropped += 1
        self.chats += type(event) is ChatMessage
        self.user = event.user

    def gap(self) -> Gap:
        """The `Gap` for what was dropped so far (call with the lock held)."""
        return _gap(
            self.since,
            self.until,
            "consumer too slow",
            user=self.user,
            chats_complete=not self.chats,
            dropped=self.dropped,
        )

    def take(self, session: _Session) -> Gap | None:
        """The `Gap` for what was dropped so far, if anything was, and start afresh."""
        with self.lock:
            if not self.dropped:
                return None
            gap = self.gap()
            self.dropped = self.chats = 0
            self.until = 0.0
        otel.stream_gap(session, missed=gap.dropped)
        return gap


def _gap(
    since: float,
    until: float,
    reason: str,
    *,
    user: str | None,
    chats_complete: bool,
    dropped: int = 0,
) -> Gap:
    data = {
        "since": since,
        "until": until,
        "reason": reason,
        "chats_complete": chats_complete,
        "dropped": dropped,
    }
    return Gap(f"gap-{uuid.uuid4()}", Gap.TYPE, until, user, data)


class _Session:
    """One logical stream: connect, read, answer pings, reconnect. Written once for both modes."""

    # Slots: a relay service holds a thousand of these (a weak reference: the tracing of
    # `_otel` keys its per-stream state on the session).
    __slots__ = (
        "__weakref__",
        "_blind_since",
        "_had_snapshot",
        "_heartbeat",
        "_known",
        "_last_ts",
        "_options",
        "_seen",
        "_settings",
        "_socket",
        "_ticket",
        "closing",
        "connection",
        "connections",
        "origin",
        "overflow",
    )

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
        self.overflow = _Overflow()
        # Chat messages delivered or shown in a snapshot, True for those delivered as recovered.
        self._known = _Recent(_KNOWN_CHATS)
        self._had_snapshot = False
        self._blind_since: float | None = None  # set at a break, cleared by the next snapshot
        self._last_ts: float | str | None = None  # of the last event read before a break
        self._heartbeat = False  # the current connection answered a server heartbeat

    async def open(self) -> None:
        """Connect for the first time; errors go to the caller as they are."""
        self.connection, _ = await self._connect(0)

    async def _connect(self, failures: int) -> tuple[Any, int]:
        """A new connection, and the failed attempts in a row so far (`failures` on entry)."""
        refused = 0
        while True:
            if self.closing:
                raise _Stopped
            try:
                ticket = await otel.in_stream(self, self._ticket())
                register_secret(ticket)
                if self.closing:  # closed while the ticket came: a blocking reader left alone
                    raise _Stopped
                url = stream_url(self._settings.base_url, ticket)
                connection = await self._socket.connect(
                    url, self.origin, self._settings, self._options
                )
            except MonGARSError as error:
                # The ticket request failed after the HTTP layer's own retries: a failed attempt
                # when another may cure it; a refused login (or any other answer) ends here.
                if not _retryable(error):
                    raise
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
                        ) from error
                    logger.info("stream handshake refused (403); retrying with a fresh ticket")
                    continue
                if status < 500:
                    raise StreamHandshakeError(
                        f"the server refused the stream handshake with HTTP {status}",
                        status_code=status,
                    ) from error
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
                ) from error
            except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as error:
                failures += 1
                reason = redact(str(error) or type(error).__name__)
            else:
                self._heartbeat = False
                otel.stream_connected(self, url)
                return connection, failures
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
        except _Stopped:
            end = _End()
        except Exception as error:  # delivered to the consumer as the end of the stream
            end = _End(_as_stream_error(error))
        otel.stream_ended(self, end.error)
        if not self.closing:
            await self._socket.put(end)

    async def _read_and_reconnect(self) -> None:
        failures = 0
        while True:
            opened = time.monotonic()
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
                    ) from closed
                last = (code, reason)
            except (OSError, TimeoutError) as error:
                if self.closing:
                    return
                last = (1006, redact(str(error)) or type(error).__name__)
            if self._blind_since is None:
                self._blind_since = _time_of(self._last_ts)
            # Events are no proof of health: an overloaded server sends the greeting and the
            # snapshot, then closes with 1013. Healthy is having answered a heartbeat, or having
            # stayed open longer than the backoff reached; only that starts the count afresh.
            lived = time.monotonic() - opened
            if self._heartbeat or lived > self._options.ceiling(failures + 1):
                failures = 0
            else:
                failures += 1
            if failures > self._options.max_reconnects:
                raise StreamClosedError(
                    f"the stream closed ({last[0]} {last[1]}) and {self._options.max_reconnects} "
                    "reconnects failed",
                    code=last[0],
                    reason=last[1],
                )
            # "Try again later" asks for more patience than a dropped connection.
            attempt = max(failures, 1)
            delay = self._options.backoff(attempt + 1 if last[0] == 1013 else attempt)
            logger.info("stream closed (%d %s); reconnecting in %.2f s", last[0], last[1], delay)
            otel.stream_reconnect(self, last[0], last[1], delay)
            await self._socket.sleep(delay)
            try:
                self.connection, failures = await self._connect(failures)
            except StreamClosedError as error:
                raise StreamClosedError(str(error), code=last[0], reason=last[1]) from error
            except (StreamError, _Stopped):
                raise
            except MonGARSError as error:
                # The consumer sees the stream end as a StreamError, with what stopped it as
                # the cause (a refused login: AuthenticationError).
                raise StreamClosedError(
                    f"the stream closed ({last[0]} {last[1]}) and could not be reopened: {error}",
                    code=last[0],
                    reason=last[1],
                ) from error
            if self.closing:  # the consumer left while we were reconnecting
                await self._socket.close(self.connection)
                return

    async def _read(self, connection: Any) -> None:
        # The last event's time, not the event: a thousand idle streams would each hold one.
        last: float | str | None = _NOTHING
        try:
            while True:
                frame = parse_frame(await self._socket.recv(connection))
                if isinstance(frame, _Control):
                    if frame.type == "ping":
                        self._heartbeat = True
                        await self._socket.send(
                            connection, json.dumps({"id": frame.id, "type": "pong"})
                        )
                elif frame is not None and self._seen.add(frame.id):
                    last = frame.ts
                    kind = type(frame)
                    if kind is ChatMessage:
                        if self._known.remember(_chat_key(frame.data), recovered=False):
                            continue  # already delivered, as recovered
                    elif kind is HistorySnapshot:
                        await self._deliver(frame)
                        for item in self._resume(cast(HistorySnapshot, frame)):
                            await self._deliver(item)
                        continue
                    if self.overflow.dropped or not self._socket.offer(frame):
                        await self._deliver(frame)
        finally:
            if last is not _NOTHING:
                self._last_ts = last

    async def _deliver(self, event: Event) -> None:
        """Queue one event, or drop it for a `Gap` when the consumer is `max_queue` behind.

        A full buffer pauses the reader for `max_pause` at most (the network's buffers hold the
        rest of a short burst), never longer: it must go on answering the server's heartbeat, or
        the server drops the connection, and the events queued on its side with it.
        """
        overflow = self.overflow
        if not overflow.dropped and (
            self._socket.offer(event)
            or await self._socket.offer_within(event, self._options.max_pause)
        ):
            return
        with overflow.lock:
            if overflow.dropped:
                gap = overflow.gap()
                if not self._socket.offer(gap):  # still no room: the hole goes on
                    overflow.record(event)
                    return
                otel.stream_gap(self, missed=gap.dropped)
                overflow.dropped = overflow.chats = 0
                overflow.until = 0.0
            if not self._socket.offer(event):
                overflow.record(event)

    def _resume(self, snapshot: HistorySnapshot) -> list[Event]:
        """After a break: the `Gap` and the chat messages the snapshot shows were missed."""
        items = snapshot.items  # newest first
        keys = [_chat_key(item) for item in items]
        since, self._blind_since = self._blind_since, None
        if not self._had_snapshot or since is None:
            # The stream's first snapshot: what the consumer starts from, nothing was missed.
            self._had_snapshot = True
            for key in reversed(keys):
                self._known.remember(key, recovered=False)
            return []
        missed: list[SnapshotItem] = []
        anchored = False
        for item, key in zip(items, keys, strict=True):
            if key in self._known:
                anchored = True  # everything older was seen already
                break
            missed.append(item)
        # Unless an exchange we had seen is in it, a full snapshot may have left some out.
        complete = anchored or len(items) < SNAPSHOT_SIZE
        recovered: list[Event] = [
            _gap(since, _when(snapshot), "reconnected", user=snapshot.user, chats_complete=complete)
        ]
        for item in reversed(missed):
            self._known.remember(_chat_key(item), recovered=True)
            recovered.append(
                ChatMessage(
                    f"recovered-{uuid.uuid5(uuid.NAMESPACE_OID, repr(_chat_key(item)))}",
                    ChatMessage.TYPE or "chat.message",
                    _text(item.get("timestamp")),
                    snapshot.user,
                    dict(item),
                    recovered=True,
                )
            )
        otel.stream_gap(self)
        otel.stream_recovered(self, len(missed))
        return recovered


def _as_stream_error(error: BaseException) -> BaseException:
    if isinstance(error, MonGARSError | asyncio.CancelledError):
        return error
    wrapped = StreamError(f"the stream failed: {type(error).__name__}: {redact(str(error))}")
    wrapped.__cause__ = error  # the consumer's traceback shows what really failed
    return wrapped


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
        # Chosen once per client for HTTP and the stream alike (None: straight to the server).
        "proxy": settings.proxy,
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

    def offer(self, item: Item) -> bool:
        try:
            self.items.put_nowait(item)
        except queue.Full:
            return False
        return True

    async def offer_within(self, item: Item, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                self.items.put(item, timeout=min(remaining, 0.25))
            except queue.Full:
                continue
            return True
        return False

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

    def spawn(self, work: Coroutine[Any, Any, None]) -> _Worker:
        # A daemon: a consumer that stops early does not wait for the chat's HTTP answer, and
        # the thread ends on its own once it has it.
        thread = threading.Thread(
            target=run_sync, args=(work,), name="mongars-stream-worker", daemon=True
        )
        thread.start()

        async def join() -> None:
            thread.join()

        async def stop() -> None:
            pass  # a thread cannot be interrupted: it is left to finish alone

        return _Worker(join, stop)


class _AsyncSocket:
    """websockets' asyncio client, plus a bounded hand-off to the consuming task.

    A deque and the one consumer's wake-up future rather than an `asyncio.Queue`: a stream has
    a single consumer and a reader that never waits for room, so the queue's bookkeeping (its
    getter and putter lists, task counting, an Event) would be memory and time spent per stream
    and per event for nothing. The end of the stream and a chat's answer are queued even when
    the buffer is full: at most two items beyond `max_queue`.
    """

    __slots__ = ("_max_queue", "_room", "_waiter", "items")

    def __init__(self, max_queue: int) -> None:
        self.items: collections.deque[Item] = collections.deque()
        self._max_queue = max_queue
        self._waiter: asyncio.Future[None] | None = None  # the consumer, waiting for an item
        self._room: asyncio.Future[None] | None = None  # the reader, waiting for room

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
        self._append(item)

    def offer(self, item: Item) -> bool:
        if len(self.items) >= self._max_queue:
            return False
        self._append(item)
        return True

    async def offer_within(self, item: Item, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.items) >= self._max_queue:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._room = room = loop.create_future()
            try:
                await asyncio.wait_for(room, remaining)
            except TimeoutError:
                return False
            finally:
                self._room = None
        self._append(item)
        return True

    def _append(self, item: Item) -> None:
        self.items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def poll(self) -> Item | None:
        if not self.items:
            return None
        item = self.items.popleft()
        room = self._room
        if room is not None and not room.done():
            room.set_result(None)
        return item

    async def get(self, timeout: float | None = None) -> Item | None:
        if not self.items:
            self._waiter = waiter = asyncio.get_running_loop().create_future()
            try:
                if timeout is None:  # wait_for would wrap the wait in one more coroutine
                    await waiter
                else:
                    await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                return None
            finally:
                self._waiter = None
        return self.poll()

    def wake(self) -> None:
        """End a consumer waiting in `get` (the stream was closed from another task)."""
        self._append(_End())

    def spawn(self, work: Coroutine[Any, Any, None]) -> _Worker:
        task = asyncio.create_task(work)

        async def join() -> None:
            await task

        async def stop() -> None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

        return _Worker(join, stop)


class _Finished(Exception):
    """The stream ended cleanly (a coroutine cannot raise StopIteration)."""


class _Consumer:
    """The consuming side of a stream, shared by the blocking and asyncio wrappers."""

    __slots__ = ("_end", "entered", "session", "socket", "started")

    def __init__(self, socket: _Socket, session: _Session) -> None:
        self.socket = socket
        self.session = session
        self.started = False
        self.entered = False
        self._end: _End | None = None

    def ready(self) -> Event | _ChatDone | None:
        """The next item if one is waiting, else None, without waiting; raises as `next`.

        The iterators try this first: while events are queued, taking one costs no wait and
        no coroutine, which is most of the receive path's cost per event (`stream_throughput`).
        """
        if not self.started:
            raise StreamError("use the stream inside `with client.stream() as events:`")
        if self._end is not None:
            return self._accept(None)
        item = self.socket.poll()
        if item is None and self.session.overflow.dropped:
            # The buffer is drained and the reader is still dropping: its Gap comes now.
            item = self.session.overflow.take(self.session)
        return self._accept(item)

    async def next(self, timeout: float | None = None) -> Event | _ChatDone | None:
        """The next item; None after `timeout`; raises the stream's error, or `_Finished`."""
        return self.ready() or await self.wait(timeout)

    async def wait(self, timeout: float | None = None) -> Event | _ChatDone | None:
        """`next` once `ready` found nothing: wait for the reader."""
        # Once closed, never wait: nothing more will come (the reader is stopped).
        waited = _End() if self.session.closing else await self.socket.get(timeout)
        return self._accept(waited)

    def _accept(self, item: Item | None) -> Event | _ChatDone | None:
        if isinstance(item, _End):
            self._end = item
            # Events dropped for a slow consumer before the end: their Gap comes first.
            gap = self.session.overflow.take(self.session)
            if gap is not None:
                return gap
        elif self._end is None:
            return item
        end = self._end
        assert end is not None
        if end.error is not None:
            raise end.error
        raise _Finished


def _enter_once(consumer: _Consumer) -> None:
    if consumer.started or consumer.entered:
        raise StreamError("a stream is used once: call client.stream() again for a new one")
    consumer.entered = True


class EventStream(Closing):
    """The blocking client's stream: `with client.stream() as events: for event in events: ...`."""

    def __init__(
        self, session_factory: Callable[[_Socket], _Session], options: StreamOptions
    ) -> None:
        self._socket = _BlockingSocket(options.max_queue)
        self._session = session_factory(self._socket)
        self._consumer = _Consumer(self._socket, self._session)
        self._options = options
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Self:
        _enter_once(self._consumer)
        run_sync(self._session.open())
        # A daemon: after `close()` gave up waiting for it (it may be reconnecting to a server
        # that is down), it must not keep the process alive; it stops at its next step.
        self._reader = threading.Thread(
            target=run_sync,
            args=(self._session.pump(),),
            name="mongars-stream-reader",
            daemon=True,
        )
        self._reader.start()
        self._consumer.started = True
        return self

    def __iter__(self) -> Iterator[Event]:
        return self

    def __next__(self) -> Event:
        try:
            item = self._consumer.ready() or run_sync(self._consumer.wait())
        except _Finished:
            raise StopIteration from None
        assert isinstance(item, Event)
        return item

    def close(self) -> None:
        """Close with code 1000 and stop the reader, within `close_timeout` (idempotent).

        A reader still busy after that (fetching a ticket from a server that is down) is left
        to end on its own: it checks at every step that the stream was closed, and opens nothing.
        """
        deadline = time.monotonic() + self._options.close_timeout
        self._session.closing = True
        self._socket.stopping.set()
        otel.stream_ended(self._session, None)
        if self._session.connection is not None:
            run_sync(self._socket.close(self._session.connection))
        if self._reader is not None:
            self._reader.join(max(deadline - time.monotonic(), 0.0))
        self._socket.wake()  # a consumer blocked in another thread ends its loop


class AsyncEventStream(AsyncClosing):
    """The asyncio client's stream: `async with client.stream() as events: async for ...`."""

    # Slots: a relay service holds a thousand of these.
    __slots__ = ("_consumer", "_reader", "_session", "_socket")

    def __init__(
        self, session_factory: Callable[[_Socket], _Session], options: StreamOptions
    ) -> None:
        self._socket = _AsyncSocket(options.max_queue)
        self._session = session_factory(self._socket)
        self._consumer = _Consumer(self._socket, self._session)
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        _enter_once(self._consumer)
        await self._session.open()
        self._reader = asyncio.create_task(self._session.pump(), name="mongars-stream-reader")
        self._consumer.started = True
        return self

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        try:
            item = self._consumer.ready() or await self._consumer.wait()
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
    chat: Callable[[], Coroutine[Any, Any, ChatResponse]],
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
    result.worker = consumer.socket.spawn(send_chat())
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
    await result.worker.join()
    result.finished = True
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

    Single-use: the chat is sent when the iteration starts, once; iterating again raises
    `StreamError`. Stopping early (`break`, an exception) closes the stream at once, without
    waiting for the chat's HTTP answer.
    """

    def __init__(
        self,
        events: EventStream,
        message: str,
        chat: Callable[[], Coroutine[Any, Any, ChatResponse]],
    ) -> None:
        self._events = events
        self._message = message
        self._chat = chat
        self._result = _ChatDone()
        self._used = False

    def __iter__(self) -> Iterator[str]:
        _use_once(self)
        return self._pieces()

    def _pieces(self) -> Iterator[str]:
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
            _stop_worker(self._result, run_sync)
            otel.chat_stream_ended(span, self._result.error or failure)

    @property
    def response(self) -> ChatResponse:
        """The HTTP answer, available after the iteration."""
        return _final_response(self._result)


class AsyncChatStream:
    """The asyncio client's `chat_stream(...)`: `async for piece in ...`, then `.response`.

    Single-use, as `ChatStream`; cancelling the consuming task (or stopping early) cancels the
    chat's HTTP request too.
    """

    def __init__(
        self,
        events: AsyncEventStream,
        message: str,
        chat: Callable[[], Coroutine[Any, Any, ChatResponse]],
    ) -> None:
        self._events = events
        self._message = message
        self._chat = chat
        self._result = _ChatDone()
        self._used = False

    def __aiter__(self) -> AsyncIterator[str]:
        _use_once(self)
        return self._pieces()

    async def _pieces(self) -> AsyncIterator[str]:
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
            worker = self._result.worker
            if worker is not None and not self._result.finished:
                await worker.stop()
            otel.chat_stream_ended(span, self._result.error or failure)

    @property
    def response(self) -> ChatResponse:
        """The HTTP answer, available after the iteration."""
        return _final_response(self._result)


def _use_once(chat_stream: ChatStream | AsyncChatStream) -> None:
    if chat_stream._used:
        raise StreamError(
            "a chat stream is iterated once (the chat was sent then): read its .response, or "
            "call chat_stream() again to send another chat"
        )
    chat_stream._used = True


def _stop_worker(result: _ChatDone, run: Callable[[Coroutine[Any, Any, None]], None]) -> None:
    if result.worker is not None and not result.finished:
        run(result.worker.stop())


def _final_response(result: _ChatDone) -> ChatResponse:
    if result.response is None:
        raise StreamError("iterate over the chat stream first: the answer is not complete yet")
    return result.response

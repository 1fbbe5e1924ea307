"""The retry layer: an httpx transport wrapping the real one, so every request gets it.

What is retried, with exponential backoff, jitter and a cap:
- failures to connect (the request never left): every method;
- resets and timeouts once the request was sent, and 502/503/504: idempotent methods only (GET,
  HEAD, OPTIONS, PUT, DELETE), unless the client opts in with `retry_non_idempotent`;
- 429: every method, because monGARS rejects before doing anything. Waits `Retry-After` (seconds
  or HTTP date) when given; when not (monGARS sends none), at least the second the server's limit
  needs plus a random part, so that clients limited together do not retry together. A
  `Retry-After` above `max_retry_wait` is not waited for: the 429 goes up at once.
- a request that failed on a reused keep-alive connection before any byte of the answer came
  (the server closed it as the request left, and never saw it): every method, at once, on a fresh
  connection, without counting as a retry. Only on our own transports, whose sockets can tell
  (`_Probe`).
- but never a body streamed from an iterator or a file once sending may have begun: it is spent.

The whole-call timeout bounds everything a call does, its attempts and the waits between them
(a wait that would end past it is not started: the last answer or failure goes up at once). How
each attempt is held to it: see `_sockets`. The layer reads the body so the deadline covers it,
and turns transport failures into `APIConnectionError` / `APITimeoutError`. Statuses are left to
the auth layer above, which sees the final answer.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import email.utils
import logging
import random
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Generic, Protocol, TypeVar

import httpx

from mongars_client import _otel as otel
from mongars_client._bridge import run_sync
from mongars_client.errors import APIConnectionError, APITimeoutError, ResponseValidationError

logger = logging.getLogger("mongars_client")

Inner = TypeVar("Inner", httpx.BaseTransport, httpx.AsyncBaseTransport)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRYABLE_STATUSES = frozenset({502, 503, 504})
MAX_BODY_BYTES = 16 * 1024 * 1024

# Failures before any byte of the request reached the server: always safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_OPERATIONS = ("connect", "read", "write", "pool")
# How a reused connection the server had closed fails (see `_Probe`).
_STALE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
# How often the asyncio client looks for attempts past their deadline (a call may overrun by this).
_TICK = 0.05
# Stale connections one call may meet before a fresh one: the pool keeps at most this many.
_MAX_STALE = 20


@dataclasses.dataclass(frozen=True, slots=True)
class CallOptions:
    """Per-call overrides of the client's settings (None: use the client's)."""

    max_retries: int | None = None
    timeout: float | None = None


_call_options: contextvars.ContextVar[CallOptions | None] = contextvars.ContextVar(
    "mongars_call_options", default=None
)
# The request extension holding the call's absolute deadline (a `time.monotonic()` value). The
# auth layer sets it, so that it spans the login and the replay after a 401; every attempt here
# ends by it too.
DEADLINE = "mongars.deadline"


def call_timeout(default: float | None) -> float | None:
    """The whole-call timeout of the call running in this thread or task (default: the client's)."""
    options = _call_options.get()
    return default if options is None or options.timeout is None else options.timeout


# When the attempt running in this thread or task must be over (time.monotonic()), or None.
deadline_var: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "mongars_deadline", default=None
)


@contextlib.contextmanager
def call_options(max_retries: int | None, timeout: float | None) -> Iterator[None]:
    """Apply per-call overrides to every request made inside the block (this thread or task)."""
    if max_retries is None and timeout is None:
        yield
        return
    reset = _call_options.set(CallOptions(max_retries, timeout))
    try:
        yield
    finally:
        _call_options.reset(reset)


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), else None."""
    raw = headers.get("retry-after", "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When to try again and how long to wait; the same decisions for sync and async clients."""

    max_retries: int = 2
    max_retry_wait: float = 60.0
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_non_idempotent: bool = False

    def backoff(self, retry: int) -> float:
        """Exponential and capped, with jitter so that clients failing together spread out."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0**retry)
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography

    def _may_resend(self, request: httpx.Request) -> bool:
        return self.retry_non_idempotent or request.method in IDEMPOTENT_METHODS

    def wait_after_response(
        self, request: httpx.Request, response: httpx.Response, retry: int
    ) -> float | None:
        """Seconds to wait before retrying after this answer, or None to keep it."""
        status = response.status_code
        if status == 429:
            asked = parse_retry_after(response.headers)
            if asked is None:
                spread = min(self.backoff_cap, self.backoff_base * 2.0**retry)
                return 1.0 + random.uniform(0.0, spread)  # noqa: S311 - jitter
            return asked if asked <= self.max_retry_wait else None
        if status in RETRYABLE_STATUSES and self._may_resend(request):
            asked = parse_retry_after(response.headers)
            if asked is not None and asked > self.max_retry_wait:
                return None
            return self.backoff(retry) if asked is None else asked
        return None

    def wait_after_error(
        self, request: httpx.Request, error: httpx.TransportError, retry: int
    ) -> float | None:
        """Seconds to wait before retrying after this failure, or None to give up."""
        if certificate_failure(error) is not None:
            return None  # the same certificate fails the same way: no use waiting to try again
        if isinstance(error, _NOT_SENT) or self._may_resend(request):
            return self.backoff(retry)
        return None


def certificate_failure(error: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind `error` (httpx wraps it twice), if any."""
    seen: BaseException | None = error
    for _ in range(8):  # a short, bounded walk down the causes
        if seen is None or isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


class _Exchange(Protocol):
    """The network side of one attempt, blocking or async (see `_bridge`)."""

    asynchronous: bool

    async def fetch(self, request: httpx.Request, deadline: float | None) -> httpx.Response:
        """Send and read the whole answer, by `deadline`; the response holds its bytes."""

    async def sleep(self, seconds: float) -> None: ...


class _DeadlineExceeded(httpx.ReadTimeout):
    """The whole-call timeout ran out before the answer was in."""


class _Probe:
    """Did any byte come in, during one attempt, on the connection its request went out on?

    `before` holds the bytes received so far by each of the transport's sockets that was idle
    (no attempt using it) when this attempt began; our sockets count them (`_sockets`). The
    request failed on a stale keep-alive connection only if its connection is among them and
    its count has not moved. So not on a connection opened during the attempt (by this task or,
    over HTTP/2, by another it shares it with), nor on one busy with another request (the
    server was handling requests on it, possibly this one), nor once any byte came in on it:
    over HTTP/2 another task may read this request's answer, and may even send its headers.
    The bytes are those httpcore reads: over TLS, decrypted ones, so an answer cut off inside
    its first TLS record looks like no answer (a server failing that way gets the request again).
    Only our own transports count (`received_so_far`); through any other (a caller's
    `http_client=`, httpx's own) whether an answer had begun cannot be known, so nothing is
    resent as the keep-alive race there: a POST the server saw must not run twice.
    """

    __slots__ = ("before", "connection", "finished")

    def __init__(self, before: dict[CountingStream, int]) -> None:
        self.before = before
        self.connection: CountingStream | None = None
        self.finished = False

    def stale(self, error: httpx.TransportError) -> bool:
        """True when the request failed on a reused connection before any answer came."""
        connection = self.connection
        return (
            connection is not None
            and self.before.get(connection) == connection.received
            and isinstance(error, _STALE)
        )

    def finish(self, answered: bool) -> None:
        """The attempt is over, and nothing is held any longer (asyncio timers armed during the
        attempt keep a copy of its context, probe included). Its connection is free of it only
        if the whole answer came: an attempt cut short (cancelled, past its deadline) leaves its
        HTTP/2 stream to the server without a reset, so that connection is never idle again."""
        if self.connection is not None and answered:
            self.connection.in_flight -= 1
        self.connection = None
        self.before = {}
        self.finished = True


class CountingStream(Protocol):
    """One of our sockets, as the probe sees it."""

    received: int  # bytes, so far
    in_flight: int  # attempts whose request went out on it and are not over


# The running attempt's probe, for our sockets to mark (this thread or task).
probe_var: contextvars.ContextVar[_Probe | None] = contextvars.ContextVar(
    "mongars_probe", default=None
)


def request_sent(connection: CountingStream) -> None:
    """The running attempt writes to `connection`: the one its request went out on."""
    probe = probe_var.get()
    # `finished`: a write from a context copied during the attempt, once it is over.
    if probe is not None and probe.connection is not connection and not probe.finished:
        if probe.connection is not None:
            probe.connection.in_flight -= 1
        probe.connection = connection
        connection.in_flight += 1


class _Body:
    """An answer's body as it arrives, held to the size limit and to the call's deadline."""

    __slots__ = ("chunks", "deadline", "request", "response", "size")

    def __init__(
        self, request: httpx.Request, response: httpx.Response, deadline: float | None
    ) -> None:
        self.request, self.response, self.deadline = request, response, deadline
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        """Take the next chunk; raise once the body is too large or the deadline has passed."""
        self.chunks.append(chunk)
        self.size += len(chunk)
        if self.size > MAX_BODY_BYTES:
            request = self.request
            raise ResponseValidationError(
                f"the answer to {request.method} {request.url.path} is larger than "
                f"{MAX_BODY_BYTES // (1024 * 1024)} MiB",
                status_code=self.response.status_code,
                method=request.method,
                path=request.url.path,
            )
        if _expired(self.deadline):
            raise _DeadlineExceeded("the call's timeout ran out while reading the answer")

    def finished(self) -> httpx.Response:
        """The same response, its network stream (read to the end and closed, without marking
        the response consumed) replaced by the bytes: httpx reads them as the network's."""
        self.response.stream = httpx.ByteStream(b"".join(self.chunks))
        self.response.request = self.request
        return self.response


def describe(error: BaseException) -> str:
    """A short, secret-free description of a transport failure."""
    text = str(error).strip() or type(error).__name__
    cause = error.__cause__ or error.__context__
    if cause is not None and str(cause).strip() and str(cause) not in text:
        text = f"{text} ({cause})"
    return text


def connection_error(
    error: httpx.TransportError, request: httpx.Request, attempts: int
) -> APIConnectionError:
    """The SDK error for a transport failure we gave up on."""
    cls = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if cls is APITimeoutError else "failed"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
    message = f"{request.method} {request.url.path} to {origin} {what}{tries}: {describe(error)}"
    return cls(message, method=request.method, url=origin + request.url.path)


class _RetryLayer(Generic[Inner]):
    """The retry loop over an `_Exchange` with the wrapped transport, for both retry transports."""

    _exchange_class: Callable[[Inner], _Exchange]

    def __init__(
        self,
        inner: Inner,
        policy: RetryPolicy,
        total_timeout: float | None,
        *,
        own_sockets: bool = False,
    ) -> None:
        self._inner: Inner = inner
        # Only our transports' sockets tell an attempt what happened on the wire (`_Probe`).
        self._counts: Callable[[], dict[CountingStream, int]] | None = getattr(
            inner, "received_so_far", None
        )
        self._exchange = self._exchange_class(inner)
        self.policy = policy
        self.total_timeout = total_timeout
        # Our own transports hold each attempt to its deadline themselves (see `_sockets`); a
        # read or write timeout cut to the time left would end a whole HTTP/2 connection.
        self.capped = ("connect", "pool") if own_sockets else _OPERATIONS

    def _settings(self) -> tuple[RetryPolicy, float | None]:
        options = _call_options.get()
        if options is None:
            return self.policy, self.total_timeout
        policy = self.policy
        if options.max_retries is not None:
            policy = dataclasses.replace(policy, max_retries=options.max_retries)
        return policy, options.timeout if options.timeout is not None else self.total_timeout

    async def _send(self, request: httpx.Request) -> httpx.Response:
        exchange = self._exchange
        policy, total = self._settings()
        # Each attempt replaces the request's timeout extension with a new dict (never changes
        # this one), so the caller's per-operation timeouts stay at hand without a copy.
        per_operation: dict[str, Any] = request.extensions.get("timeout", {})
        deadline = None if total is None else time.monotonic() + total
        fixed: float | None = request.extensions.get(DEADLINE)
        if fixed is not None:
            deadline = fixed if deadline is None else min(deadline, fixed)
        retry = stale = 0
        # A body streamed from an iterator or a file (through `client.api`'s httpx client) is
        # spent by the attempt that sent it: it cannot go again once sending may have begun.
        replayable = isinstance(request.stream, httpx.ByteStream)
        while True:
            started = time.monotonic()
            probe = None if self._counts is None else _Probe(self._counts())
            wait: float | None
            watched = probe_var.set(probe)
            answered = False
            try:
                attempt = self._attempt(request, exchange, per_operation, deadline)
                response = await otel.attempt(request, retry, attempt)
            except httpx.TransportError as error:
                if not (replayable or isinstance(error, _NOT_SENT)):
                    raise connection_error(error, request, retry + 1) from error
                if (
                    probe is not None
                    and probe.stale(error)
                    and stale < _MAX_STALE
                    and not _expired(deadline)
                ):
                    stale += 1
                    logger.info("resending %s %s: %s", request.method, request.url.path, error)
                    continue
                wait = policy.wait_after_error(request, error, retry)
                if _give_up(wait, retry, policy, deadline):
                    raise connection_error(error, request, retry + 1) from error
                outcome = describe(error)
            else:
                answered = True
                wait = policy.wait_after_response(request, response, retry)
                if logger.isEnabledFor(logging.DEBUG):  # the arguments cost (`client_overhead_*`)
                    logger.debug(
                        "%s %s -> %d in %.1f ms (attempt %d)",
                        request.method,
                        request.url.path,
                        response.status_code,
                        (time.monotonic() - started) * 1000,
                        retry + 1,
                    )
                if _give_up(wait, retry, policy, deadline):
                    return response
                outcome = f"status {response.status_code}"
            finally:
                probe_var.reset(watched)
                if probe is not None:
                    probe.finish(answered)
            assert wait is not None
            retry += 1
            logger.info(
                "retrying %s %s in %.2f s after %s (retry %d of %d)",
                request.method,
                request.url.path,
                wait,
                outcome,
                retry,
                policy.max_retries,
            )
            otel.retry_scheduled(request, wait, retry, outcome)
            await exchange.sleep(wait)

    async def _attempt(
        self,
        request: httpx.Request,
        exchange: _Exchange,
        per_operation: dict[str, Any],
        deadline: float | None,
    ) -> httpx.Response:
        if deadline is not None:
            # httpx's per-operation timeouts, those of `capped` no longer than the time left.
            remaining = max(deadline - time.monotonic(), 0.001)
            timeouts = dict(per_operation) or dict.fromkeys(_OPERATIONS)
            for key in self.capped:
                value = timeouts.get(key)
                timeouts[key] = remaining if value is None else min(value, remaining)
            request.extensions["timeout"] = timeouts
        return await exchange.fetch(request, deadline)


def _give_up(wait: float | None, retry: int, policy: RetryPolicy, deadline: float | None) -> bool:
    """No retry: none wanted, none left, or the wait would end past the call's deadline."""
    return (
        wait is None
        or retry >= policy.max_retries
        or (deadline is not None and time.monotonic() + wait >= deadline)
    )


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


class _BlockingExchange:
    asynchronous = False

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    async def fetch(self, request: httpx.Request, deadline: float | None) -> httpx.Response:
        # Read by the sockets of `_sockets`, in this thread, to stop at the deadline.
        reset = deadline_var.set(deadline)
        try:
            response = self.transport.handle_request(request)
            stream = response.stream
            assert isinstance(stream, httpx.SyncByteStream)
            body = _Body(request, response, deadline)
            try:
                for chunk in stream:
                    body.add(chunk)
            finally:
                stream.close()
        finally:
            deadline_var.reset(reset)
        return body.finished()

    async def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _AsyncExchange:
    """Cancels each attempt at its deadline (see `_sockets`) with one watchdog timer per client
    that looks every `_TICK` seconds while attempts run, rather than a timer per attempt (an
    `asyncio.timeout` per call cost about 5% of a chat: `client_overhead_async`)."""

    asynchronous = True

    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        import asyncio  # here, not at the top: the blocking client never needs asyncio

        self.transport = transport
        self._asyncio = asyncio
        self._running: dict[asyncio.Task[Any], float] = {}  # attempt -> its deadline
        self._expired: set[asyncio.Task[Any]] = set()
        self._tick: asyncio.TimerHandle | None = None
        self._tick_loop: asyncio.AbstractEventLoop | None = None

    async def fetch(self, request: httpx.Request, deadline: float | None) -> httpx.Response:
        if deadline is None:
            return await self._fetch(request, None)
        asyncio = self._asyncio
        task = asyncio.current_task()
        assert task is not None
        self._running[task] = deadline
        loop = asyncio.get_running_loop()
        if self._tick is None or self._tick_loop is not loop:
            self._tick, self._tick_loop = loop.call_later(_TICK, self._look), loop
        try:
            return await self._fetch(request, deadline)
        except asyncio.CancelledError:
            # Ours, unless someone else cancelled the task too: then theirs goes on.
            if task in self._expired and task.uncancel() == 0:
                raise _DeadlineExceeded("the call's timeout ran out") from None
            raise
        finally:
            del self._running[task]
            self._expired.discard(task)

    def _look(self) -> None:
        now = time.monotonic()
        for task, deadline in self._running.items():
            if deadline <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        loop = self._tick_loop
        self._tick = loop.call_later(_TICK, self._look) if self._running and loop else None

    async def _fetch(self, request: httpx.Request, deadline: float | None) -> httpx.Response:
        response = await self.transport.handle_async_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        body = _Body(request, response, deadline)
        try:
            async for chunk in stream:
                body.add(chunk)
        finally:
            await stream.aclose()
        return body.finished()

    async def sleep(self, seconds: float) -> None:
        await self._asyncio.sleep(seconds)


def blocking_http_transport(
    *, verify: ssl.SSLContext | bool, http2: bool, proxy: str | None
) -> httpx.BaseTransport:
    """httpx's blocking transport on sockets that stop at the call's deadline (`_sockets`)."""
    from mongars_client._sockets import DeadlineHTTPTransport  # needs httpcore: on first use

    return DeadlineHTTPTransport(verify=verify, http2=http2, proxy=proxy)


def async_http_transport(
    *, verify: ssl.SSLContext | bool, http2: bool, proxy: str | None
) -> httpx.AsyncBaseTransport:
    """httpx's asyncio transport on sockets that tell the keep-alive resend when bytes arrive;
    each attempt is cancelled at the call's deadline (`_sockets`)."""
    from mongars_client._sockets import WatchedAsyncHTTPTransport

    return WatchedAsyncHTTPTransport(verify=verify, http2=http2, proxy=proxy)


class RetryTransport(_RetryLayer[httpx.BaseTransport], httpx.BaseTransport):
    """Retries and whole-call timeouts around a blocking httpx transport."""

    _exchange_class = _BlockingExchange

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send with retries; the returned response's body is already read."""
        return run_sync(self._send(request))

    def close(self) -> None:
        """Close the wrapped transport."""
        self._inner.close()


class AsyncRetryTransport(_RetryLayer[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport):
    """Retries and whole-call timeouts around an asyncio httpx transport."""

    _exchange_class = _AsyncExchange

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send with retries; the returned response's body is already read."""
        return await self._send(request)

    async def aclose(self) -> None:
        """Close the wrapped transport."""
        await self._inner.aclose()


class ClientTransport(httpx.BaseTransport):
    """Sends through a caller's own `httpx.Client` (its proxies, TLS and hooks apply)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Delegate to the caller's client without following redirects or applying its auth."""
        return self.client.send(request, stream=True, follow_redirects=False, auth=None)


class AsyncClientTransport(httpx.AsyncBaseTransport):
    """Sends through a caller's own `httpx.AsyncClient` (its proxies, TLS and hooks apply)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Delegate to the caller's client without following redirects or applying its auth."""
        return await self.client.send(request, stream=True, follow_redirects=False, auth=None)

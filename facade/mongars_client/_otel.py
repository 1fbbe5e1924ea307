"""OpenTelemetry traces and metrics for every call and stream, when the application wants them.

The rest of the SDK calls the small functions below at the points where things happen (a call
starts, an HTTP attempt is sent, a retry is scheduled, a login runs, a stream connects or drops).
Each first asks `_active()`, which answers None, at the cost of a dictionary look-up, unless
OpenTelemetry has been imported by the application (it is never imported from here otherwise)
and a tracer or meter provider is set, globally (`trace.set_tracer_provider`, the
`opentelemetry-instrument` launcher) or for this SDK only (`configure()`). Only the
`opentelemetry-api` package is needed: the application chooses the SDK and its exporters.

What is recorded (the README's "Observability" section lists it for users):
- a span per SDK call, named after the operation (`conversation.chat`, `auth.login` ...), with the
  HTTP client conventions' attributes, `mongars.attempts`, and an event per retry with its wait;
  for chat, the GenAI conventions' `gen_ai.*` attributes;
- a child span per HTTP attempt (the HTTP client conventions), whose context the request carries
  to the server as the W3C `traceparent` header;
- a span per stream connection, ended with its close code, with events for reconnects, recovered
  messages and gaps; a span for a whole `chat_stream`;
- the metrics of `_Instruments`.

Never a password, token or ticket: requests' headers, bodies and query strings are not read, and
errors are recorded by type, never by message (a server's 422 detail echoes the input). Message
content is recorded only when `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import sys
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")

INSTRUMENTATION_NAME = "mongars_client"
CAPTURE_CONTENT_VARIABLE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
LOGIN_OPERATION = "auth.login"
CHAT_OPERATION = "conversation.chat"
PROVIDER_NAME = "mongars"

# Metric names and units (documented in the README).
DURATION_METRIC = "mongars.client.operation.duration"
RETRIES_METRIC = "mongars.client.retries"
LOGINS_METRIC = "mongars.client.logins"
RECONNECTS_METRIC = "mongars.client.stream.reconnects"
GAPS_METRIC = "mongars.client.stream.gaps"
RECOVERED_METRIC = "mongars.client.stream.recovered"
# The HTTP semantic conventions' advice for a duration in seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


class _Noop:
    """What every hook returns while tracing is off: a context manager that does nothing."""

    __slots__ = ()

    def __enter__(self) -> _Noop:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


_NOOP = _Noop()


class _Instruments:
    """The tracer and the metric instruments of one pair of providers."""

    def __init__(self, tracer_provider: Any, meter_provider: Any) -> None:
        from opentelemetry import context, propagate, trace

        from mongars_client._version import __version__

        self.trace = trace
        # Looked up once: the hooks run on every call.
        self.attach = context.attach
        self.detach = context.detach
        self.set_span_in_context = trace.set_span_in_context
        self.inject = propagate.inject
        self.client_kind = trace.SpanKind.CLIENT
        self.error_status = trace.Status(trace.StatusCode.ERROR)
        self.tracer = tracer_provider.get_tracer(INSTRUMENTATION_NAME, __version__)
        meter = meter_provider.get_meter(INSTRUMENTATION_NAME, __version__)
        self.duration = meter.create_histogram(
            DURATION_METRIC,
            unit="s",
            description="Duration of SDK calls, retries included.",
            # In seconds: the SDK's default buckets (0, 5, 10 ... 10000) are made for
            # milliseconds and would put every call under 5 s in the same one.
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.retries = meter.create_counter(
            RETRIES_METRIC, unit="{retry}", description="HTTP requests sent again."
        )
        self.logins = meter.create_counter(
            LOGINS_METRIC, unit="{login}", description="Logins, asked for or automatic."
        )
        self.reconnects = meter.create_counter(
            RECONNECTS_METRIC, unit="{reconnect}", description="Stream reconnects after a drop."
        )
        self.gaps = meter.create_counter(
            GAPS_METRIC, unit="{gap}", description="Stream gaps: events the stream lost."
        )
        self.recovered = meter.create_counter(
            RECOVERED_METRIC,
            unit="{message}",
            description="Messages a reconnected stream recovered.",
        )


_explicit: tuple[Any, Any] | None = None
_cached: tuple[Any, Any, _Instruments] | None = None


def configure(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Record with these providers instead of the global ones; both None: the global ones again.

    For an application that keeps its providers to itself (and for tests, since OpenTelemetry's
    global providers can be set only once per process). A provider left None here is the global
    one (a no-op until the application sets it).
    """
    global _explicit
    if tracer_provider is None and meter_provider is None:
        _explicit = None
        return
    from opentelemetry import metrics, trace

    _explicit = (
        tracer_provider if tracer_provider is not None else trace.get_tracer_provider(),
        meter_provider if meter_provider is not None else metrics.get_meter_provider(),
    )


def _global_providers() -> tuple[Any, Any] | None:
    trace = sys.modules.get("opentelemetry.trace")
    metrics = sys.modules.get("opentelemetry.metrics")
    tracer_provider = trace.get_tracer_provider() if trace is not None else None
    meter_provider = metrics.get_meter_provider() if metrics is not None else None
    # Until the application sets a provider, the API hands out a proxy of a no-op one.
    traced = trace is not None and not isinstance(
        tracer_provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider
    )
    measured = metrics is not None and type(meter_provider).__name__ not in (
        "_ProxyMeterProvider",
        "NoOpMeterProvider",
    )
    if not (traced or measured):
        return None
    from opentelemetry import metrics as metrics_api
    from opentelemetry import trace as trace_api

    return (
        tracer_provider if traced else trace_api.get_tracer_provider(),
        meter_provider if measured else metrics_api.get_meter_provider(),
    )


def _active() -> _Instruments | None:
    global _cached
    providers = _explicit
    if providers is None:
        if "opentelemetry.trace" not in sys.modules and "opentelemetry.metrics" not in sys.modules:
            return None
        providers = _global_providers()
        if providers is None:
            return None
    cached = _cached
    if cached is not None and cached[0] is providers[0] and cached[1] is providers[1]:
        return cached[2]
    instruments = _Instruments(*providers)
    _cached = (providers[0], providers[1], instruments)
    return instruments


def enabled() -> bool:
    """Whether calls are being traced or measured now."""
    return _active() is not None


def capture_content() -> bool:
    """Whether message content may be recorded (the GenAI conventions' opt-in variable)."""
    return os.environ.get(CAPTURE_CONTENT_VARIABLE, "").strip().lower() == "true"


def _error_type(error: BaseException) -> str:
    cls = type(error)
    return f"{cls.__module__}.{cls.__qualname__}"


def _server(url: httpx.URL) -> dict[str, Any]:
    port = url.port or (443 if url.scheme in ("https", "wss") else 80)
    return {"server.address": url.host, "server.port": port}


# --- Calls -----------------------------------------------------------------------------------

_current_call: contextvars.ContextVar[_Call | None] = contextvars.ContextVar(
    "mongars_otel_call", default=None
)


class _Call:
    """What the attempts of one SDK call tell it (the current call: `_current_call`)."""

    __slots__ = ("attempts", "last_error_type", "operation", "server", "span", "status")

    def __init__(self, operation: str, span: Any) -> None:
        self.operation = operation
        self.span = span
        self.attempts = 0
        self.status: int | None = None
        self.last_error_type: str | None = None
        self.server: dict[str, Any] | None = None


def call(
    operation: str,
    arguments: dict[str, Any] | None,
    work: Coroutine[Any, Any, T],
    *,
    login: bool = False,
) -> Coroutine[Any, Any, T]:
    """`work` (one SDK call) inside its span, made current, with its duration recorded.

    `arguments` are the generated endpoint's keyword arguments (the chat body's session id is
    recorded, its message only when content capture is on). Off: `work` itself, untouched.
    """
    instruments = _active()
    if instruments is None:
        return work
    return _traced_call(instruments, operation, arguments, work, login)


async def _traced_call(
    instruments: _Instruments,
    operation: str,
    arguments: dict[str, Any] | None,
    work: Coroutine[Any, Any, T],
    login: bool,
) -> T:
    attributes: dict[str, Any] = {"mongars.operation": operation}
    message: str | None = None
    if operation == CHAT_OPERATION:
        attributes["gen_ai.operation.name"] = "chat"
        attributes["gen_ai.provider.name"] = PROVIDER_NAME
        body = (arguments or {}).get("body")
        session_id = getattr(body, "session_id", None)
        if isinstance(session_id, str):
            attributes["gen_ai.conversation.id"] = session_id
        message = getattr(body, "message", None)
    span = instruments.tracer.start_span(
        operation, kind=instruments.client_kind, attributes=attributes
    )
    ended: dict[str, Any] = {}
    started = time.perf_counter()
    record = _Call(operation, span)
    context_token = instruments.attach(instruments.set_span_in_context(span))
    call_token = _current_call.set(record)
    error: BaseException | None = None
    try:
        result = await work
        if message is not None and capture_content():
            ended.update(_content(message, result))
        return result
    except BaseException as raised:
        error = raised
        raise
    finally:
        _current_call.reset(call_token)
        instruments.detach(context_token)
        ended["mongars.attempts"] = record.attempts
        if record.server is not None:
            ended.update(record.server)
        status = getattr(error, "status_code", None) if error is not None else record.status
        if isinstance(status, int):
            ended["http.response.status_code"] = status
        outcome = {"mongars.operation": operation}
        if error is not None:
            ended["error.type"] = outcome["error.type"] = _error_type(error)
            # The type only: an error's message can quote the request (a 422 echoes the input).
            span.set_status(instruments.error_status)
        span.set_attributes(ended)
        span.end()
        instruments.duration.record(time.perf_counter() - started, outcome)
        if login:
            _count_login(instruments, "explicit", error is None)


def _content(message: str, result: object) -> dict[str, str]:
    """The GenAI conventions' message attributes (content capture is on)."""
    parts = {"role": "user", "parts": [{"type": "text", "content": message}]}
    captured = {"gen_ai.input.messages": json.dumps([parts])}
    text = getattr(result, "response", None)
    if isinstance(text, str):
        answer = {
            "role": "assistant",
            "parts": [{"type": "text", "content": text}],
            "finish_reason": "stop",
        }
        captured["gen_ai.output.messages"] = json.dumps([answer])
    return captured


# --- HTTP attempts ---------------------------------------------------------------------------


def attempt(
    request: httpx.Request, retry: int, work: Coroutine[Any, Any, httpx.Response]
) -> Coroutine[Any, Any, httpx.Response]:
    """`work` (one HTTP attempt of `request`, `retry` 0 for the first) inside its span, whose
    context the request carries to the server (W3C `traceparent`)."""
    instruments = _active()
    if instruments is None:
        return work
    return _traced_attempt(instruments, request, retry, work)


async def _traced_attempt(
    instruments: _Instruments,
    request: httpx.Request,
    retry: int,
    work: Coroutine[Any, Any, httpx.Response],
) -> httpx.Response:
    url = request.url
    method = request.method
    server = _server(url)
    attributes: dict[str, Any] = {
        "http.request.method": method,
        # No query string: it is the caller's data.
        "url.full": f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}{url.path}",
        **server,
    }
    if retry:
        attributes["http.request.resend_count"] = retry
    # The attributes samplers may look at go in at the start, the outcome's at the end.
    span = instruments.tracer.start_span(
        method, kind=instruments.client_kind, attributes=attributes
    )
    ended: dict[str, Any] = {}
    record = _current_call.get()
    if record is not None:
        record.attempts += 1
        if record.server is None:
            record.server = {"http.request.method": method, **server}
    context = instruments.set_span_in_context(span)
    token = instruments.attach(context)
    # The W3C `traceparent` (and the application's other propagators): the server joins in.
    instruments.inject(request.headers, context=context)
    error_type: str | None = None
    try:
        response = await work
    except BaseException as error:
        error_type = _error_type(error)
        raise
    else:
        status = response.status_code
        ended["http.response.status_code"] = status
        if status >= 400:
            error_type = str(status)
        if record is not None:
            record.status = status
        return response
    finally:
        instruments.detach(token)
        if error_type is not None:
            ended["error.type"] = error_type
            span.set_status(instruments.error_status)
        if record is not None:
            record.last_error_type = error_type
        span.set_attributes(ended)
        span.end()


def retry_scheduled(request: httpx.Request, wait: float, retry: int, reason: str) -> None:
    """Record that `request` will be sent again after `wait` seconds (retry number `retry`)."""
    instruments = _active()
    if instruments is None:
        return
    current = _current_call.get()
    error_type = current.last_error_type if current is not None else None
    attributes: dict[str, Any] = {"http.request.method": request.method}
    if current is not None:
        attributes["mongars.operation"] = current.operation
    if error_type is not None:
        attributes["error.type"] = error_type
    instruments.retries.add(1, attributes)
    span = current.span if current is not None else instruments.trace.get_current_span()
    span.add_event(
        "mongars.retry",
        {
            "mongars.retry.number": retry,
            "mongars.retry.wait": wait,
            "mongars.retry.reason": reason,
            **({"error.type": error_type} if error_type is not None else {}),
        },
    )


# --- Logins ----------------------------------------------------------------------------------


def _count_login(instruments: _Instruments, trigger: str, ok: bool) -> None:
    instruments.logins.add(
        1, {"mongars.login.trigger": trigger, "mongars.outcome": "ok" if ok else "error"}
    )


class _Login:
    """An automatic login inside a call: a child span, current while the login request runs."""

    def __init__(self, instruments: _Instruments, trigger: str) -> None:
        self.instruments = instruments
        self.trigger = trigger
        self.span = instruments.tracer.start_span(
            LOGIN_OPERATION,
            kind=instruments.trace.SpanKind.CLIENT,
            attributes={"mongars.operation": LOGIN_OPERATION, "mongars.login.trigger": trigger},
        )
        # What the login's own HTTP attempts tell it (they are not the call's attempts).
        self.record = _Call(LOGIN_OPERATION, self.span)
        self._token: Any = None
        self._call_token: Any = None

    def __enter__(self) -> _Login:
        from opentelemetry import context as context_api

        self._token = context_api.attach(self.instruments.trace.set_span_in_context(self.span))
        self._call_token = _current_call.set(self.record)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        from opentelemetry import context as context_api

        _current_call.reset(self._call_token)
        context_api.detach(self._token)
        ok = error is None
        if error is not None:
            # GeneratorExit: httpx closed the flow before the login's answer came (its request
            # failed, or the call was cancelled): a failed login, of its request's error.
            error_type = _error_type(error)
            if isinstance(error, GeneratorExit):
                error_type = self.record.last_error_type or error_type
            self.span.set_attribute("error.type", error_type)
            self.span.set_status(
                self.instruments.trace.Status(self.instruments.trace.StatusCode.ERROR)
            )
        self.span.end()
        _count_login(self.instruments, self.trigger, ok)


def relogin(rejected: bool) -> Any:
    """A context manager around an automatic login: after a 401 (`rejected`), or before the
    first request or the token's expiry."""
    instruments = _active()
    if instruments is None:
        return _NOOP
    return _Login(instruments, "rejected" if rejected else "automatic")


# --- Streams ---------------------------------------------------------------------------------


class _Stream:
    """What is recorded of one logical stream: its parent context and its connection's span."""

    def __init__(self, instruments: _Instruments, parent: Any) -> None:
        self.instruments = instruments
        self.parent = parent
        self.span: Any = None
        self.connections = 0


# Keyed by the streaming module's session object, so that streaming needs no field of ours.
_streams: weakref.WeakKeyDictionary[object, _Stream] = weakref.WeakKeyDictionary()


def _stream(session: object, instruments: _Instruments) -> _Stream:
    record = _streams.get(session)
    if record is None:
        from opentelemetry import context as context_api

        # The first connection is opened by the caller: its context is the stream's parent,
        # kept for the reconnects, which run in the reader's thread or task.
        record = _streams[session] = _Stream(instruments, context_api.get_current())
    return record


def in_stream(session: object, work: Awaitable[T]) -> Awaitable[T]:
    """`work` (a ticket request of `session`) in the stream's context: the reconnects' tickets
    too, which run in the reader's thread or task, join the stream's trace."""
    instruments = _active()
    if instruments is None:
        return work
    return _attached(_stream(session, instruments).parent, work)


async def _attached(context: Any, work: Awaitable[T]) -> T:
    from opentelemetry import context as context_api

    # Attached inside the coroutine: it runs to its end in one thread or task.
    token = context_api.attach(context)
    try:
        return await work
    finally:
        context_api.detach(token)


def stream_connected(session: object, url: str) -> None:
    """A connection of `session` is open: start its span (the URL's ticket is not recorded)."""
    instruments = _active()
    if instruments is None:
        return
    record = _stream(session, instruments)
    record.connections += 1
    import httpx

    parsed = httpx.URL(url)
    record.span = instruments.tracer.start_span(
        "stream",
        context=record.parent,
        kind=instruments.trace.SpanKind.CLIENT,
        attributes={
            "mongars.operation": "stream",
            "mongars.stream.connection": record.connections,
            **_server(parsed),
        },
    )


def _end_connection(record: _Stream, code: int | None, reason: str | None) -> None:
    span = record.span
    if span is None:
        return
    record.span = None
    if code is not None:
        span.set_attribute("mongars.stream.close_code", code)
        if code != 1000:
            span.set_attribute("error.type", str(code))
            span.set_status(
                record.instruments.trace.Status(record.instruments.trace.StatusCode.ERROR)
            )
    span.end()


def stream_reconnect(session: object, code: int, reason: str, delay: float) -> None:
    """The connection of `session` dropped with `code`; another is tried after `delay` seconds."""
    instruments = _active()
    record = _streams.get(session)
    if instruments is None or record is None:
        return
    instruments.reconnects.add(1, {"mongars.stream.close_code": code})
    if record.span is not None:
        record.span.add_event(
            "mongars.stream.reconnect",
            {"mongars.stream.close_code": code, "mongars.retry.wait": delay},
        )
    _end_connection(record, code, reason)


def stream_ended(session: object, error: BaseException | None) -> None:
    """`session` is over: cleanly (the consumer left, or the server closed with 1000) or with
    `error` (its close code, when it has one). Calling it again does nothing."""
    record = _streams.get(session)
    if record is None or record.span is None:
        return
    code = getattr(error, "code", None) if error is not None else 1000
    span = record.span
    if error is not None:
        span.set_attribute("error.type", _error_type(error))
        span.set_status(record.instruments.trace.Status(record.instruments.trace.StatusCode.ERROR))
    _end_connection(record, code if isinstance(code, int) else None, None)


def stream_gap(session: object, missed: int | None = None) -> None:
    """The stream lost events it could not recover (a `Gap` event was yielded)."""
    instruments = _active()
    record = _streams.get(session)
    if instruments is None:
        return
    instruments.gaps.add(1)
    if record is not None and record.span is not None:
        attributes = {} if missed is None else {"mongars.stream.missed": missed}
        record.span.add_event("mongars.stream.gap", attributes)


def stream_recovered(session: object, count: int) -> None:
    """A reconnected stream recovered `count` messages sent while it was away."""
    instruments = _active()
    record = _streams.get(session)
    if instruments is None or count <= 0:
        return
    instruments.recovered.add(count)
    if record is not None and record.span is not None:
        record.span.add_event("mongars.stream.recovered", {"mongars.stream.recovered": count})


# --- chat_stream -----------------------------------------------------------------------------


def chat_stream_started(
    session: object, chat: Callable[[], Coroutine[Any, Any, T]]
) -> tuple[Callable[[], Coroutine[Any, Any, T]], Any]:
    """Start the span of a whole `chat_stream`; returns `chat` running inside it, and the span.

    The stream's connections are children of it too (`session` is the chat stream's session).
    """
    instruments = _active()
    if instruments is None:
        return chat, None
    span = instruments.tracer.start_span(
        "chat_stream",
        kind=instruments.trace.SpanKind.CLIENT,
        attributes={
            "mongars.operation": "chat_stream",
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": PROVIDER_NAME,
        },
    )
    context = instruments.trace.set_span_in_context(span)
    _streams[session] = _Stream(instruments, context)

    def chat_in_span() -> Coroutine[Any, Any, T]:
        return _attached(context, chat())

    return chat_in_span, span


def chat_stream_ended(span: Any, error: BaseException | None) -> None:
    """End a `chat_stream`'s span (None from `chat_stream_started`: nothing to do) after
    `error`, what ended the iteration (GeneratorExit: the consumer left early, no failure)."""
    if span is None:
        return
    instruments = _active()
    if error is not None and not isinstance(error, GeneratorExit) and instruments is not None:
        span.set_attribute("error.type", _error_type(error))
        span.set_status(instruments.trace.Status(instruments.trace.StatusCode.ERROR))
    span.end()


# --- The command line ------------------------------------------------------------------------


def _console_line(span: Any) -> str:
    """One span as one line of text, for a person reading a run's trace."""
    context = span.context
    parent = f"{span.parent.span_id:016x}" if span.parent is not None else "-" * 16
    took = ((span.end_time or 0) - (span.start_time or 0)) / 1e6
    attributes = " ".join(f"{key}={value}" for key, value in (span.attributes or {}).items())
    events = "".join(
        f"\n    event {event.name} "
        + " ".join(f"{key}={value}" for key, value in (event.attributes or {}).items())
        for event in span.events
    )
    return (
        f"span {span.name} {took:.1f} ms {span.status.status_code.name} "
        f"trace={context.trace_id:032x} span={context.span_id:016x} parent={parent}\n"
        f"    {attributes}{events}\n"
    )


@contextlib.contextmanager
def console_tracing(on: bool) -> Iterator[None]:
    """While the block runs, print every span of this SDK to stderr as it ends (`--trace`).

    Raises `ConfigurationError` when the OpenTelemetry SDK is not installed.
    """
    if not on:
        yield
        return
    try:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
    except ImportError:
        from mongars_client.errors import ConfigurationError

        raise ConfigurationError(
            "--trace needs the OpenTelemetry SDK: pip install opentelemetry-sdk"
        ) from None
    global _explicit
    provider = TracerProvider()
    exporter = ConsoleSpanExporter(out=sys.stderr, formatter=_console_line)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # A program that runs `main()` may have providers of its own (`configure`): given back after.
    previous = _explicit
    configure(tracer_provider=provider, meter_provider=previous[1] if previous else None)
    try:
        yield
    finally:
        _explicit = previous
        provider.shutdown()

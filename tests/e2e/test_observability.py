"""OpenTelemetry spans and metrics of real calls and streams, for `Client` and `AsyncClient`.

Each test records with its own providers (`_otel.configure`), an in-memory span exporter and
metric reader of the OpenTelemetry SDK: the process-wide providers stay unset, as OpenTelemetry
allows setting them only once. At the end of every test, no span, event or metric shows a secret
the test used or, unless the test opted in, a message it sent.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from mongars_client import AsyncClient, Client, _otel, errors
from mongars_client.streaming import ChatMessage, Connected, Gap, HistorySnapshot, StreamOptions
from mongars_client.testing import Simulator
from tests import conftest as root_conftest
from tests.e2e.conftest import PASSWORD, Target
from tests.e2e.test_streaming import STREAM

CHAT = "/api/v1/conversation/chat"
HISTORY = "/api/v1/conversation/history"
FAST = StreamOptions(backoff_base=0.01, backoff_cap=0.05)
# Messages the tests send: none may show in telemetry unless content capture is on.
MESSAGES = ("a question about the quarterly incident", "a streamed question about uptime")


class Telemetry:
    """What the SDK recorded during one test."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        """Finished spans, oldest first, of `name` if given."""
        found = self.exporter.get_finished_spans()
        return [s for s in found if name is None or s.name == name]

    def one(self, name: str) -> ReadableSpan:
        (span,) = self.spans(name)
        return span

    def children(self, parent: ReadableSpan) -> list[ReadableSpan]:
        return [s for s in self.spans() if s.parent and s.parent.span_id == parent.context.span_id]

    def points(self, metric: str) -> list[Any]:
        """The data points of `metric`, any scope."""
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    if item.name == metric:
                        found += list(item.data.data_points)
        return found

    def total(self, metric: str, **attributes: Any) -> int:
        """The sum of a counter's points whose attributes include `attributes`."""
        return sum(
            p.value
            for p in self.points(metric)
            if all(p.attributes.get(k) == v for k, v in attributes.items())
        )

    def text(self) -> str:
        """Everything recorded, as text: names, attributes, events, statuses, metric attributes."""
        parts = []
        for span in self.spans():
            parts += [span.name, json.dumps(dict(span.attributes or {}), default=str)]
            parts.append(str(span.status.description))
            for event in span.events:
                parts += [event.name, json.dumps(dict(event.attributes or {}), default=str)]
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    for point in item.data.data_points:
                        parts += [item.name, json.dumps(dict(point.attributes), default=str)]
        return "\n".join(parts)


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The secrets that appear in `text`."""
    return sorted(s for s in secrets if len(s) >= root_conftest.MIN_SECRET_LENGTH and s in text)


@pytest.fixture
def telemetry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Telemetry]:
    """This test's providers; checks at the end that nothing recorded a secret or a message."""
    monkeypatch.delenv(_otel.CAPTURE_CONTENT_VARIABLE, raising=False)
    recorded = Telemetry()
    _otel.configure(recorded.tracer_provider, recorded.meter_provider)
    try:
        yield recorded
    finally:
        _otel.configure()
    text = recorded.text()
    found = leaks(text, set(root_conftest._used_secrets) | {PASSWORD})
    assert not found, f"{len(found)} secret(s) in spans, events or metrics"
    if not _otel.capture_content():
        assert not [m for m in MESSAGES if m in text], "message content recorded without opt-in"


@pytest.fixture
def logged_in(client: Any, target: Target, telemetry: Telemetry) -> Any:
    client.login(target.username, target.password)
    return client


def traceparent(span: ReadableSpan) -> str:
    """The W3C `traceparent` header that carries `span`'s context."""
    context = span.context
    return f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"


def attempts_of(telemetry: Telemetry, call: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in telemetry.children(call) if s.name in ("GET", "POST")]


def test_a_chat_with_a_retry(logged_in: Any, target: Target, telemetry: Telemetry) -> None:
    sim = target.simulator()
    telemetry.exporter.clear()
    sim.faults.fail_next(1, status=429, path=CHAT, retry_after=0.01)
    logged_in.chat(MESSAGES[0], session_id="incident-review")

    call = telemetry.one("conversation.chat")
    assert call.kind is SpanKind.CLIENT
    assert call.parent is None
    attributes = dict(call.attributes or {})
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "mongars"
    assert attributes["gen_ai.conversation.id"] == "incident-review"
    assert attributes["mongars.attempts"] == 2
    assert attributes["http.response.status_code"] == 200
    assert attributes["http.request.method"] == "POST"
    assert attributes["server.address"] == "127.0.0.1"
    assert attributes["server.port"] == sim.port
    assert "error.type" not in attributes
    assert call.status.status_code is not StatusCode.ERROR
    (retry,) = call.events
    assert retry.name == "mongars.retry"
    assert retry.attributes == {
        "mongars.retry.number": 1,
        "mongars.retry.wait": 0.01,
        "mongars.retry.reason": "status 429",
        "error.type": "429",
    }

    first, second = attempts_of(telemetry, call)
    assert first.kind is SpanKind.CLIENT
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["http.response.status_code"] == 429
    assert first.attributes["error.type"] == "429"
    assert first.attributes["url.full"] == sim.base_url + CHAT
    assert "http.request.resend_count" not in first.attributes
    assert second.attributes["http.response.status_code"] == 200
    assert second.attributes["http.request.resend_count"] == 1
    assert {first.context.trace_id, second.context.trace_id} == {call.context.trace_id}

    # Each attempt's context reached the server as its W3C traceparent.
    sent = [value for path, value in sim.traceparents if path == CHAT]
    assert sent == [traceparent(first), traceparent(second)]

    assert telemetry.total(_otel.RETRIES_METRIC, **{"error.type": "429"}) == 1
    (duration,) = [
        p
        for p in telemetry.points(_otel.DURATION_METRIC)
        if p.attributes["mongars.operation"] == "conversation.chat"
    ]
    assert duration.count == 1
    assert "error.type" not in duration.attributes


def test_a_401_logs_in_again_inside_the_call(
    logged_in: Any, target: Target, telemetry: Telemetry
) -> None:
    sim = target.simulator()
    sim.expire_tokens()
    logged_in.history(limit=2)

    call = telemetry.one("conversation.history")
    children = telemetry.children(call)
    assert [s.name for s in children] == ["GET", "auth.login", "GET"]
    rejected, login, replayed = children
    assert rejected.attributes is not None and replayed.attributes is not None
    assert rejected.attributes["http.response.status_code"] == 401
    assert replayed.attributes["http.response.status_code"] == 200
    assert login.attributes is not None
    assert login.attributes["mongars.login.trigger"] == "rejected"
    (login_post,) = telemetry.children(login)
    assert login_post.name == "POST"
    assert login_post.attributes is not None
    assert login_post.attributes["url.full"].endswith("/token")
    # The login's request is the login's: the call itself made two attempts.
    assert (call.attributes or {})["mongars.attempts"] == 2
    assert call.status.status_code is not StatusCode.ERROR

    assert telemetry.total(_otel.LOGINS_METRIC, **{"mongars.login.trigger": "explicit"}) == 1
    assert telemetry.total(_otel.LOGINS_METRIC, **{"mongars.login.trigger": "rejected"}) == 1


def test_an_error_is_recorded_by_type(logged_in: Any, target: Target, telemetry: Telemetry) -> None:
    sim = target.simulator()
    sim.faults.fail_next(1, status=500, path=HISTORY)
    with pytest.raises(errors.InternalServerError):
        logged_in.history()

    call = telemetry.one("conversation.history")
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "mongars_client.errors.InternalServerError"
    assert attributes["http.response.status_code"] == 500
    assert attributes["mongars.attempts"] == 1
    assert call.status.status_code is StatusCode.ERROR
    # The type only: an error's message may quote what was sent.
    assert not call.status.description
    assert not call.events
    (attempt,) = attempts_of(telemetry, call)
    assert (attempt.attributes or {})["error.type"] == "500"
    (duration,) = [
        p
        for p in telemetry.points(_otel.DURATION_METRIC)
        if p.attributes["mongars.operation"] == "conversation.history"
    ]
    assert duration.attributes["error.type"] == "mongars_client.errors.InternalServerError"


def test_a_wrong_password_is_an_error_login_span(
    client: Any, target: Target, telemetry: Telemetry
) -> None:
    with pytest.raises(errors.AuthenticationError):
        client.login(target.username, "not-the-password-1")
    login = telemetry.one("auth.login")
    assert login.status.status_code is StatusCode.ERROR
    assert (login.attributes or {})["error.type"] == "mongars_client.errors.AuthenticationError"
    assert telemetry.total(_otel.LOGINS_METRIC, **{"mongars.outcome": "error"}) == 1


def test_a_stream_with_a_dropped_socket(
    logged_in: Any, target: Target, telemetry: Telemetry
) -> None:
    sim = target.simulator()
    with logged_in.stream(options=FAST) as events:
        stream = iter(events)
        next(stream)
        sim.faults.drop_websockets()
        while not isinstance(next(stream), Connected):
            pass
    first, second = telemetry.spans("stream")
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["mongars.stream.close_code"] == 1006
    assert first.attributes["mongars.stream.connection"] == 1
    assert first.status.status_code is StatusCode.ERROR
    (reconnect,) = first.events
    assert reconnect.name == "mongars.stream.reconnect"
    assert (reconnect.attributes or {})["mongars.stream.close_code"] == 1006
    assert second.attributes["mongars.stream.close_code"] == 1000
    assert second.attributes["mongars.stream.connection"] == 2
    assert second.status.status_code is not StatusCode.ERROR
    # Both connections, and the reconnect's ticket, in the trace of the stream's opening.
    assert first.parent == second.parent
    tickets = telemetry.spans("auth.issue_ws_ticket")
    assert len(tickets) == 2
    assert {t.parent for t in tickets} == {first.parent}
    assert telemetry.total(_otel.RECONNECTS_METRIC) == 1
    ticket_texts = [v for p, v in sim.traceparents if p.endswith("/ticket")]
    assert all(v is not None for v in ticket_texts)


def test_chat_stream_is_one_span_from_the_request_to_the_last_piece(
    logged_in: Any, telemetry: Telemetry
) -> None:
    reply = logged_in.chat_stream(MESSAGES[1])
    pieces = list(reply)
    assert "".join(pieces) == reply.response.response
    whole = telemetry.one("chat_stream")
    (chat,) = telemetry.spans("conversation.chat")
    (connection,) = telemetry.spans("stream")
    assert chat.parent is not None and chat.parent.span_id == whole.context.span_id
    assert connection.parent is not None and connection.parent.span_id == whole.context.span_id
    assert whole.end_time is not None and chat.end_time is not None
    assert whole.end_time >= chat.end_time


def test_message_content_only_when_opted_in(
    logged_in: Any, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged_in.chat(MESSAGES[0])
    assert MESSAGES[0] not in telemetry.text()
    monkeypatch.setenv(_otel.CAPTURE_CONTENT_VARIABLE, "true")
    reply = logged_in.chat(MESSAGES[0])
    captured = telemetry.spans("conversation.chat")[-1].attributes or {}
    (sent,) = json.loads(captured["gen_ai.input.messages"])
    assert sent == {"role": "user", "parts": [{"type": "text", "content": MESSAGES[0]}]}
    (answered,) = json.loads(captured["gen_ai.output.messages"])
    assert answered["parts"][0]["content"] == reply.response


def test_the_secret_check_sees_a_secret_in_an_attribute(telemetry: Telemetry) -> None:
    """The end-of-test check above is not blind: a registered secret in an event is found."""
    tracer = telemetry.tracer_provider.get_tracer("test")
    secret = "a-token-value-0123456789"
    with tracer.start_as_current_span("leaky") as span:
        span.add_event("oops", {"value": f"Bearer {secret}"})
    assert leaks(telemetry.text(), {secret}) == [secret]
    telemetry.exporter.clear()


def test_the_httpx_instrumentation_changes_nothing_of_ours(
    logged_in: Any, target: Target, telemetry: Telemetry
) -> None:
    """Its class-wide instrumentation wraps httpx's own transports (`httpx.HTTPTransport`,
    `httpx.AsyncHTTPTransport`); ours are built on httpcore's public pools (to hold the
    whole-call deadline and see the first byte of an answer), so it adds nothing and breaks
    nothing: our attempt spans, with the HTTP client conventions, are the request spans, and
    the `traceparent` sent is theirs."""
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    sim = target.simulator()
    telemetry.exporter.clear()
    instrumentor = HTTPXClientInstrumentor()
    instrumentor.instrument(
        tracer_provider=telemetry.tracer_provider, meter_provider=telemetry.meter_provider
    )
    try:
        logged_in.history(limit=1)
    finally:
        instrumentor.uninstrument()
    call = telemetry.one("conversation.history")
    (ours,) = attempts_of(telemetry, call)
    theirs = [
        s
        for s in telemetry.spans()
        if s.instrumentation_scope is not None
        and s.instrumentation_scope.name == "opentelemetry.instrumentation.httpx"
    ]
    # Our own spans are as without it: one call, one attempt, nothing doubled.
    assert sorted(s.name for s in telemetry.spans() if s not in theirs) == [
        "GET",
        "conversation.history",
    ]
    (sent,) = [v for p, v in sim.traceparents if p == HISTORY]
    assert theirs == []
    assert sent == traceparent(ours)


def test_calls_nest_under_the_callers_span_sync(sim: Simulator, telemetry: Telemetry) -> None:
    tracer = telemetry.tracer_provider.get_tracer("test")
    with (
        Client(sim.base_url, username="u1", password=PASSWORD) as client,
        tracer.start_as_current_span("handler") as handler,
    ):
        client.history(limit=1)
        client.health()
    outer = handler.get_span_context()
    for name in ("conversation.history", "system.healthz"):
        span = telemetry.one(name)
        assert span.parent is not None and span.parent.span_id == outer.span_id
        assert span.context.trace_id == outer.trace_id


async def test_calls_nest_under_the_callers_span_across_gather(
    sim: Simulator, telemetry: Telemetry
) -> None:
    tracer = telemetry.tracer_provider.get_tracer("test")
    async with AsyncClient(sim.base_url, username="u1", password=PASSWORD) as client:
        await client.login("u1", PASSWORD)
        with tracer.start_as_current_span("handler") as handler:
            await asyncio.gather(*(client.history(limit=1) for _ in range(8)))
    outer = handler.get_span_context()
    calls = telemetry.spans("conversation.history")
    assert len(calls) == 8
    for call in calls:
        assert call.parent is not None and call.parent.span_id == outer.span_id
        # Each call's attempts are its own, however the tasks interleaved.
        (attempt,) = attempts_of(telemetry, call)
        assert attempt.context.trace_id == outer.trace_id
    assert len({c.context.span_id for c in calls}) == 8


def test_off_imports_nothing_of_opentelemetry() -> None:
    """Without a provider, the SDK never imports OpenTelemetry, even when it is installed."""
    code = (
        "import sys, httpx\n"
        "from mongars_client import Client\n"
        "def answer(request):\n"
        "    return httpx.Response(200, json={'status': 'ok'})\n"
        "with Client('http://127.0.0.1:9', transport=httpx.MockTransport(answer)) as client:\n"
        "    client.health()\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


def test_opentelemetry_imported_without_a_provider_records_nothing(
    sim: Simulator, telemetry: Telemetry
) -> None:
    _otel.configure()  # back to the global providers, which no test sets
    assert not _otel.enabled()
    with Client(sim.base_url, username="u1", password=PASSWORD) as client:
        client.history(limit=1)
    assert telemetry.spans() == []
    assert [v for _, v in sim.traceparents] == [None, None]


def test_gaps_and_recovered_messages_are_events_of_the_connection(
    logged_in: Any, target: Target, telemetry: Telemetry
) -> None:
    """A break during which two chats were made: the new connection's span says what the
    stream recovered from the snapshot and that it yielded a `Gap`, and the counters count."""
    sim = target.simulator()
    patient = StreamOptions(backoff_base=0.01, backoff_cap=0.05, max_reconnects=1000)
    with logged_in.stream(options=patient) as events:
        stream = iter(events)
        while not isinstance(next(stream), HistorySnapshot):
            pass
        # The socket goes, and no new one opens while the chats of the break are made.
        sim.faults.fail_next(10**6, status=503, path=STREAM)
        sim.faults.drop_websockets()
        for n in range(2):
            logged_in.chat(f"during the break {n}")
        sim.faults.clear()
        while not isinstance(next(stream), Gap):
            pass
        recovered = [next(stream), next(stream)]
    assert all(isinstance(m, ChatMessage) and m.recovered for m in recovered)
    reconnected = telemetry.spans("stream")[-1]
    named = [(e.name, dict(e.attributes or {})) for e in reconnected.events]
    assert ("mongars.stream.gap", {}) in named
    assert ("mongars.stream.recovered", {"mongars.stream.recovered": 2}) in named
    assert telemetry.total(_otel.RECOVERED_METRIC) == 2
    assert telemetry.total(_otel.GAPS_METRIC) == 1


def test_the_duration_histogram_has_buckets_for_seconds(
    logged_in: Any, telemetry: Telemetry
) -> None:
    """`mongars.client.operation.duration` is in seconds: the SDK's default buckets (0, 5, 10,
    25 ... 10000, made for milliseconds) would put every call under 5 s in one bucket."""
    logged_in.history(limit=1)
    (point,) = [
        p
        for p in telemetry.points(_otel.DURATION_METRIC)
        if p.attributes["mongars.operation"] == "conversation.history"
    ]
    bounds = list(point.explicit_bounds)
    assert bounds[0] <= 0.005
    assert len([b for b in bounds if b <= 1.0]) >= 8


def test_an_automatic_login_whose_request_failed_is_an_error(
    logged_in: Any, target: Target, telemetry: Telemetry
) -> None:
    """The re-login's own request dropped (no answer at all): the login failed, as an explicit
    login failing the same way is recorded."""
    sim = target.simulator()
    sim.expire_tokens()
    sim.faults.reset_next(10, path="/token")
    with pytest.raises(errors.APIConnectionError):
        logged_in.history(limit=1)
    (login,) = [
        s
        for s in telemetry.spans("auth.login")
        if (s.attributes or {}).get("mongars.login.trigger") == "rejected"
    ]
    assert login.status.status_code is StatusCode.ERROR
    # A reset connection reads as an error or as the end of the stream, as the race goes.
    dropped = {"httpx.ReadError", "httpx.RemoteProtocolError"}
    assert (login.attributes or {})["error.type"] in dropped
    assert telemetry.total(_otel.LOGINS_METRIC, **{"mongars.login.trigger": "rejected"}) == 1
    assert (
        telemetry.total(
            _otel.LOGINS_METRIC, **{"mongars.login.trigger": "rejected", "mongars.outcome": "ok"}
        )
        == 0
    )


def test_a_login_answer_that_is_no_token_is_an_error_login(
    client: Any, target: Target, telemetry: Telemetry
) -> None:
    """The server answered 200 with a body that holds no token: the login failed, and its span
    and the logins counter say so, as they do for an automatic login."""
    sim = target.simulator()
    sim.faults.malformed_next(1, path="/token")
    with pytest.raises(errors.MonGARSError) as raised:
        client.login(target.username, target.password)
    login = telemetry.one("auth.login")
    assert login.status.status_code is StatusCode.ERROR
    error_type = f"{type(raised.value).__module__}.{type(raised.value).__qualname__}"
    assert (login.attributes or {})["error.type"] == error_type
    assert telemetry.total(_otel.LOGINS_METRIC, **{"mongars.outcome": "ok"}) == 0
    assert telemetry.total(_otel.LOGINS_METRIC, **{"mongars.outcome": "error"}) == 1


def test_a_chat_stream_that_could_not_open_is_an_error(
    logged_in: Any, telemetry: Telemetry
) -> None:
    """The stream refused (a foreign origin): the `chat_stream` span says the call failed."""
    reply = logged_in.chat_stream(MESSAGES[1], origin="https://elsewhere.example")
    with pytest.raises(errors.OriginRefusedError):
        list(reply)
    whole = telemetry.one("chat_stream")
    assert whole.status.status_code is StatusCode.ERROR
    assert (whole.attributes or {})["error.type"] == "mongars_client.errors.OriginRefusedError"


def test_a_chat_stream_left_early_is_not_an_error(
    logged_in: Any, mode: str, portal: Any, telemetry: Telemetry
) -> None:
    """The consumer stopping after the first piece (the generator closed) is no failure."""
    reply = logged_in.chat_stream(MESSAGES[1])
    if mode == "sync":
        pieces = iter(reply)
        next(pieces)
        pieces.close()
    else:
        pieces = reply._wrapped.__aiter__()
        portal.call(pieces.__anext__)
        portal.call(pieces.aclose)
    whole = telemetry.one("chat_stream")
    assert whole.status.status_code is not StatusCode.ERROR
    assert "error.type" not in (whole.attributes or {})

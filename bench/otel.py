"""`otel_overhead`: what tracing and metrics cost a `chat()`, instrumented against not.

Ours records every call with the OpenTelemetry SDK: a tracer provider whose spans go, one by
one, to an exporter that drops them (what is left is the SDK's cost and ours, not an exporter's),
and a meter provider with an in-memory reader. The baseline is the same client with no provider,
the SDK's usual state. The figure is the blocking client's chat against the simulator over
loopback TCP, as a service runs it; its detail gives the same comparison on the in-memory
transport of `client_overhead_sync`, where only client code runs: the cost per call in µs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bench import loopback
from bench._fixtures import MESSAGE, MemoryTransport, make_jwt
from bench._server import ServerProcess
from bench._stats import Figure, alternate, paired_figure
from bench.overhead import BASE_URL, WARM_UP, _per_call
from mongars_client import Client, _otel

TARGET, LIMIT = "≤ 1.25", 1.25


def _providers() -> tuple[Any, Any]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        SimpleSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Discard(SpanExporter):
        def export(self, spans: Sequence[Any]) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(Discard()))
    return tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])


def _compare(
    rounds: int, calls: int, chat: Callable[[], object], providers: tuple[Any, Any]
) -> tuple[list[float], list[float]]:
    """µs per call with the providers on and off, measured in ABBA pairs."""

    def instrumented() -> float:
        _otel.configure(*providers)
        try:
            return _per_call(calls, chat)
        finally:
            _otel.configure()

    def plain() -> float:
        return _per_call(calls, chat)

    _per_call(WARM_UP, chat)
    instrumented()
    return alternate(rounds, instrumented, plain)


def run(server: ServerProcess, rounds: int, calls: int) -> Figure:
    """`chat()` per call with tracing and metrics on, against the same with them off."""
    providers = _providers()
    with Client(server.base_url, token=loopback._login(server)) as client:
        mine, theirs = _compare(rounds, calls, lambda: client.chat(MESSAGE), providers)
    with Client(BASE_URL, token=make_jwt(), transport=MemoryTransport()) as client:
        code_on, code_off = _compare(rounds, calls, lambda: client.chat(MESSAGE), providers)
    for provider in providers:
        provider.shutdown()
    client_code = paired_figure("client code", "µs/call", code_on, code_off, target="", limit=0)
    detail = {
        "client_code_us_instrumented": client_code.ours,
        "client_code_us_plain": client_code.baseline,
        "client_code_ratio": client_code.ratio,
        "client_code_us_added": (client_code.ours or 0) - (client_code.baseline or 0),
    }
    return paired_figure(
        "otel_overhead", "µs/call", mine, theirs, target=TARGET, limit=LIMIT, detail=detail
    )

"""`mongars --trace`: a run's spans on stderr, as the installed console script prints them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mongars_client.testing import Simulator
from tests.cli.support import TIMEOUT, assert_one_line_error, clean_environment, run

PASSWORD = "correct-horse-battery"
CHAT = "/api/v1/conversation/chat"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(users={"alice": PASSWORD}, chat_rate_limit=None) as simulator:
        yield simulator


@pytest.fixture
def env(sim: Simulator, tmp_path: Path) -> dict[str, str]:
    return clean_environment(
        tmp_path, MONGARS_BASE_URL=sim.base_url, MONGARS_USERNAME="alice", MONGARS_PASSWORD=PASSWORD
    )


def test_trace_prints_the_spans_of_a_chat_with_a_retry(sim: Simulator, env: dict[str, str]) -> None:
    sim.faults.fail_next(1, status=429, path=CHAT, retry_after=0.01)
    result = run("--trace", "chat", "--no-stream", "What happened overnight?", env=env)

    assert result.returncode == 0, result.stderr
    assert "What happened overnight?" in result.stdout
    spans = [line for line in result.stderr.splitlines() if line.startswith("span ")]
    assert [line.split()[1] for line in spans] == [
        "POST",
        "auth.login",
        "POST",
        "POST",
        "conversation.chat",
    ]
    chat = result.stderr[result.stderr.index("span conversation.chat") :]
    assert "mongars.attempts=2" in chat
    assert "event mongars.retry mongars.retry.number=1 mongars.retry.wait=0.01" in chat
    assert PASSWORD not in result.stderr
    # The message is content: not shown unless content capture is asked for.
    assert "What happened overnight?" not in result.stderr
    # What the server saw: each attempt's context, in the trace the console shows.
    (trace_id,) = {line.split("trace=")[1].split()[0] for line in spans}
    sent = [value for path, value in sim.traceparents if path == CHAT]
    assert len(sent) == 2
    assert all(value is not None and value.split("-")[1] == trace_id for value in sent)


def test_trace_without_the_sdk_says_what_to_install(sim: Simulator, env: dict[str, str]) -> None:
    code = (
        "import sys\n"
        "sys.modules['opentelemetry.sdk'] = None  # as if opentelemetry-sdk were not installed\n"
        "from mongars_client.cli import main\n"
        "sys.exit(main(['--trace', 'health']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 2
    assert_one_line_error(
        result, "--trace needs the OpenTelemetry SDK: pip install opentelemetry-sdk"
    )
    assert sim.requests == []


def test_trace_leaves_the_applications_own_providers_in_place(
    sim: Simulator, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """`main(["--trace", ...])` run inside a program that records with its own providers
    (`_otel.configure`) hands them back afterwards: the program's later calls are still traced."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from mongars_client import Client, _otel
    from mongars_client.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    _otel.configure(tracer_provider=provider)
    try:
        assert main(["--trace", "health"]) == 0
        assert "span system.healthz" in capsys.readouterr().err
        with Client(sim.base_url) as client:
            client.health()
        assert "system.healthz" in [span.name for span in exporter.get_finished_spans()]
    finally:
        _otel.configure()

"""Must show 4 (examples): every file in examples/ runs against a simulator, as its docstring says
to run it, and does what it claims."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mongars_client import Client
from mongars_client.testing import Simulator
from tests.cli.support import TIMEOUT, clean_environment, started, stop, wait_until
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def sim() -> Iterator[Simulator]:
    with Simulator(users={"alice": PASSWORD}) as simulator:
        yield simulator


@pytest.fixture
def env(sim: Simulator, tmp_path: Path) -> dict[str, str]:
    return clean_environment(
        tmp_path, MONGARS_BASE_URL=sim.base_url, MONGARS_USERNAME="alice", MONGARS_PASSWORD=PASSWORD
    )


def run_example(name: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def check_python_client_example(sim: Simulator, env: dict[str, str]) -> None:
    result = run_example("python_client_example.py", env)

    assert result.returncode == 0, result.stderr
    reply, event = result.stdout.splitlines()
    assert reply.startswith('You said: "Summarise our latest incident report". ')
    assert event == f"ws.connected {{'origin': '{sim.origin}'}}"
    assert ("POST", "/token", 200) in sim.requests
    assert ("GET", "/ws/chat/", 101) in sim.requests


def check_stream_worker(sim: Simulator, env: dict[str, str]) -> None:
    command = [sys.executable, EXAMPLES / "stream_worker.py"]
    with started(command, env) as (process, output):
        output.wait_for(lambda line: line == "INFO listening to the events of alice")
        with Client(sim.base_url, username="alice", password=PASSWORD) as client:
            client.chat("How is the cluster?")
            output.wait_for(lambda line: "answered 'How is the cluster?' in" in line)
            sim.faults.model_down()
            client.chat("And now?")
        output.wait_for(lambda line: line.startswith("WARNING degraded answer to 'And now?'"))
        returncode, stderr = stop(process, signal.SIGTERM)
        lines = output.rest()

    assert returncode == 0, stderr
    assert lines[-1] == "INFO stopped: 1 answered, 1 degraded"
    wait_until(lambda: 1000 in [code for code, _ in sim.ws_closes], "close code 1000")


def check_demo(sim: Simulator, env: dict[str, str]) -> None:
    # The demo against a server it did not start, as `make demo URL=...` runs it.
    result = run_example("demo.py", env, "--url", sim.base_url)

    assert result.returncode == 0, result.stderr
    assert "== Registering" not in result.stdout  # an existing account on a real server
    assert "logged in as alice" in result.stdout
    assert 'You said: "What is monGARS?"' in result.stdout
    assert result.stdout.rstrip().endswith("Demo complete.")


CHECKS: dict[str, Callable[[Simulator, dict[str, str]], None]] = {
    "python_client_example.py": check_python_client_example,
    "stream_worker.py": check_stream_worker,
    "demo.py": check_demo,
}


def test_every_example_has_a_check() -> None:
    assert sorted(path.name for path in EXAMPLES.glob("*.py")) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_the_example_runs_against_the_simulator(
    name: str, sim: Simulator, env: dict[str, str]
) -> None:
    CHECKS[name](sim, env)

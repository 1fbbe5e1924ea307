"""Must show 1: `make demo` from a fresh clone exits 0 and shows the chat reply, the streamed text
and the history; and when something fails, it says so in one line with a non-zero status."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import TIMEOUT, clean_environment
from tests.conftest import ROOT

STREAMED = "Summarise our latest incident report"


def assert_complete_demo(output: str) -> None:
    """The demo's output: every step, in order, each with what the server answered."""
    steps = [
        "== Registering ada",
        "== Logging in",
        "logged in as ada",
        "== Chat: What is monGARS?",
        'You said: "What is monGARS?". ',  # the chat reply
        f"== Streamed chat: {STREAMED}",
        f'You said: "{STREAMED}". ',  # the streamed text
        "== The last events of the stream",
        f"chat.message                 query='{STREAMED}'",
        "== History, newest first",
        f"  '{STREAMED}' -> 'You said:",  # the history, newest first
        "  'What is monGARS?' -> 'You said:",
        "Stopped the simulator.",
        "Demo complete.",
    ]
    position = 0
    for step in steps:
        found = output.find(step, position)
        assert found >= 0, f"{step!r} missing after position {position} in:\n{output}"
        position = found + len(step)


def demo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def test_the_demo_runs_the_main_job_on_a_simulator_of_its_own(tmp_path: Path) -> None:
    result = demo(env=clean_environment(tmp_path))

    assert result.returncode == 0, result.stderr
    assert_complete_demo(result.stdout)
    assert result.stderr == ""


def test_a_demo_that_cannot_reach_its_server_says_so_in_one_line(tmp_path: Path) -> None:
    env = clean_environment(
        tmp_path, MONGARS_USERNAME="alice", MONGARS_PASSWORD="pw-12345678", MONGARS_MAX_RETRIES="0"
    )
    with socket.socket() as closed:  # bound, not listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        result = demo("--url", url, env=env)

    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"demo failed: cannot reach the server at {url}")


def test_a_demo_against_a_server_needs_credentials(tmp_path: Path) -> None:
    result = demo("--url", "https://mongars.example.com", env=clean_environment(tmp_path))

    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "MONGARS_USERNAME and MONGARS_PASSWORD" in line


def fresh_copy(destination: Path) -> Path:
    """The working tree as a fresh clone would have it: tracked and new files, nothing ignored
    (no .venv, no build/), so that uncommitted changes are tested too."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_from_a_fresh_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: no clone to reproduce")
    clone = fresh_copy(tmp_path / "clone")
    assert not (clone / ".venv").exists()

    result = subprocess.run(
        ["make", "demo", f"PYTHON={sys.executable}"],
        cwd=clone,
        env=clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (clone / ".venv" / "bin" / "mongars").is_file()  # make demo made the environment
    assert_complete_demo(result.stdout)

"""Run the real `mongars` console script (and other programs) in subprocesses, as a user would."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

# Generous: a loaded 2-core machine must not make a test fail; a hang still ends.
TIMEOUT = 60.0


def console_script(name: str = "mongars") -> Path:
    """The installed console script, next to this interpreter (as `pip install` puts it)."""
    folder = Path(sys.executable).parent
    for candidate in (folder / name, folder / f"{name}.exe"):
        if candidate.is_file():
            return candidate
    pytest.fail(
        f"the {name!r} console script is not installed next to {sys.executable}: run make install"
    )


def clean_environment(home: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any `MONGARS_*` variable, with its own home and config
    folder (a saved login must never reach the developer's own), plus `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONGARS_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), PYTHONUNBUFFERED="1")
    env.update(variables)
    return env


def run(
    *args: str, env: Mapping[str, str], stdin: str | None = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run `mongars *args` to completion."""
    return subprocess.run(
        [str(console_script()), *args],
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """A failed command: non-zero exit, one line on stderr naming the problem, no traceback."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    (line,) = lines
    assert line.startswith("mongars: error: "), line
    for fragment in fragments:
        assert fragment in line, line
    return line


class LineReader:
    """The lines a running process prints, read by a thread so that waiting has a timeout."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(process.stdout,), daemon=True)
        self._thread.start()

    def _pump(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, matches: Callable[[str], bool], timeout: float = TIMEOUT) -> str:
        """The next line for which `matches` is true (fails after `timeout` or at end of output)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no matching line within {timeout} s; got {self.lines}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"the output ended without a matching line; got {self.lines}")
            self.lines.append(line)
            if matches(line):
                return line

    def rest(self) -> list[str]:
        """Every line still to come, once the process has exited."""
        self._thread.join(TIMEOUT)
        while (line := self._queue.get_nowait() if not self._queue.empty() else None) is not None:
            self.lines.append(line)
        return self.lines


def wait_until(condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
    """Poll `condition` until it holds (fails after `timeout`): state another thread changes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextlib.contextmanager
def started(
    command: list[str | Path], env: Mapping[str, str]
) -> Iterator[tuple[subprocess.Popen[str], LineReader]]:
    """A running program and its output; killed on the way out if it is still running."""
    with subprocess.Popen(
        [str(part) for part in command],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            yield process, LineReader(process)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(TIMEOUT)


def stop(process: subprocess.Popen[str], sig: int = signal.SIGINT) -> tuple[int, str]:
    """Send `sig`, wait for the exit; (exit status, stderr)."""
    process.send_signal(sig)
    returncode = process.wait(TIMEOUT)
    assert process.stderr is not None
    return returncode, process.stderr.read()

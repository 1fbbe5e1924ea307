"""Helpers of the end-to-end reliability tests: servers, tokens, and leak checks."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mongars_client._transport import RetryPolicy
from mongars_client.testing import Simulator

USERNAME = "u1"
PASSWORD = "reliability-password-1"
# Bounds on how long a call may take are its timeout plus what retries may wait, plus this much:
# a loaded 2-core machine (other suites running) must not fail a test by a few hundred ms, and a
# call that ignores its timeout overshoots by far more (seconds, or forever).
MARGIN = 5.0


def login_token(sim: Simulator, username: str = USERNAME, password: str = PASSWORD) -> str:
    """A bearer token straight from the simulator (so the SDK's first request is the one under
    test, on a fresh connection)."""
    answer = httpx.post(f"{sim.base_url}/token", data={"username": username, "password": password})
    answer.raise_for_status()
    token: str = answer.json()["access_token"]
    return token


@pytest.fixture
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry backoff a tenth as long (jitter kept): these tests check what is retried and that
    it ends, not the length of the waits. The 429 floor of one second stays."""
    original = RetryPolicy.backoff

    def backoff(self: RetryPolicy, retry: int) -> float:
        return original(self, retry) / 10

    monkeypatch.setattr(RetryPolicy, "backoff", backoff)


def _client_sockets(port: int) -> int:
    """Open sockets of this process connected to 127.0.0.1:`port` (the client side)."""
    inodes = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:] if Path(table).exists() else []
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            state = fields[3]
            # 0A: listening; 06: TIME_WAIT (no descriptor any more). Others hold a descriptor.
            if remote_port == port and state not in ("0A", "06") and fields[9] in inodes:
                count += 1
    return count


# websockets' blocking connection pings from a thread that ends on its own right after the
# connection's reader thread has ended: close() waits for the reader, not for it, so just after
# close() it may still be running its last lines. Only that thread gets this much time to end.
_ENDS_BY_ITSELF = "(keepalive)"
_ENDING_TIME = 10.0


def threads_started_since(before: set[threading.Thread]) -> list[str]:
    """The names of the threads alive now that were not in `before` (see `_ENDS_BY_ITSELF`)."""
    for thread in set(threading.enumerate()) - before:
        if thread.name.endswith(_ENDS_BY_ITSELF):
            thread.join(_ENDING_TIME)
    return sorted(t.name for t in set(threading.enumerate()) - before if t.is_alive())


@contextmanager
def no_leaks(*ports: int) -> Iterator[None]:
    """Fail if the block leaves a thread running or a client socket open to one of `ports`.

    Threads: any thread alive afterwards that was not alive before. Sockets: this process's
    descriptors connected to the ports (the SDK's side; the servers' own sockets are theirs).
    """
    before = set(threading.enumerate())
    yield
    gc.collect()  # an unreferenced, unclosed socket would warn (ResourceWarning is an error)
    leaked_threads = threads_started_since(before)
    assert leaked_threads == [], f"threads left running: {leaked_threads}"
    if sys.platform == "linux":
        open_sockets = {port: _client_sockets(port) for port in ports}
        assert open_sockets == dict.fromkeys(ports, 0), f"client sockets left open: {open_sockets}"


def no_tasks_left(
    before: set[asyncio.Task[Any]] | frozenset[asyncio.Task[Any]] = frozenset(),
) -> None:
    """Fail if the running event loop has a task, other than the current one and `before` (the
    test runner's own), that is not done."""
    current = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not current and t not in before and not t.done()]
    assert left == [], [f"{t.get_name()} {t.get_coro()!r}" for t in left]


class BlockingEvents:
    """A blocking stream behind the asyncio interface of `AsyncEvents`, so that one scenario
    coroutine drives both clients (its `async def` never suspends: run it with `run_sync`)."""

    def __init__(self, stream: Any) -> None:
        self._events = iter(stream)

    async def next(self) -> Any:
        """The next event; StopAsyncIteration at the end."""
        try:
            return next(self._events)
        except StopIteration:
            raise StopAsyncIteration from None


class AsyncEvents:
    """An asyncio stream, as `BlockingEvents`."""

    def __init__(self, stream: Any) -> None:
        self._events = aiter(stream)

    async def next(self) -> Any:
        """The next event; StopAsyncIteration at the end."""
        return await anext(self._events)


async def next_of_type(events: BlockingEvents | AsyncEvents, event_type: str) -> Any:
    """The next event of `event_type`, skipping others."""
    while True:
        event = await events.next()
        if event.type == event_type:
            return event


def run_child(script: str, *, if_hung: str) -> str:
    """Run `script` in a new Python process and return what it printed. A deadlock shows as
    the child still running after two minutes: the test fails with `if_hung`."""
    try:
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        pytest.fail(if_hung)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()

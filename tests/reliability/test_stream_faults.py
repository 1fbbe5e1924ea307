"""Faults on the event stream, end to end: the stream reconnects, or ends with a `StreamError`.

The SDK's stream (blocking and asyncio) over real WebSockets to the simulator, through the fault
proxy. After a recoverable fault the stream must reconnect by itself (a fresh `ws.connected`
arrives) and deliver what is published afterwards; after an unrecoverable one, iteration must
end with a `StreamError`, never with another exception; and nothing may be left running.
"""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from mongars_client import AsyncClient, Client
from mongars_client._bridge import run_sync
from mongars_client.errors import OriginRefusedError, StreamClosedError, StreamError
from mongars_client.streaming import Connected, HistorySnapshot, StreamOptions
from mongars_client.testing import Simulator
from tests.reliability import fault_proxy
from tests.reliability.conftest import TALLY
from tests.reliability.fault_proxy import FaultProxy, Inject, frame
from tests.reliability.support import (
    MARGIN,
    USERNAME,
    AsyncEvents,
    BlockingEvents,
    login_token,
    next_of_type,
    no_leaks,
    no_tasks_left,
)

SECTION = "injected faults on the stream (Client and AsyncClient)"
RECONNECTED = "reconnected"
# Quick to notice a dead link (keepalive pings every half second) and quick to come back.
OPTIONS = StreamOptions(
    max_reconnects=3,
    backoff_base=0.05,
    backoff_cap=0.5,
    ping_interval=0.5,
    ping_timeout=0.5,
    close_timeout=1.0,
    open_timeout=5.0,
)
# A scenario that has not ended by then is stuck (each takes well under a few seconds).
DEADLINE = 30.0
HANDSHAKE = "/ws/chat/"
TICKET = "/api/v1/auth/ws/ticket"

Events = BlockingEvents | AsyncEvents


def close_frame(code: int, reason: str = "") -> bytes:
    """A close frame with `code`, as a server would send it."""
    return frame(struct.pack("!H", code) + reason.encode(), opcode=0x8)


@dataclass(frozen=True)
class StreamFault:
    """A fault: set up before the stream opens, and struck once it runs (`during`), or by the
    proxy after the first two frames, or at the handshake; and how the stream must come out."""

    kind: str
    before: Callable[[Simulator, FaultProxy], None]
    during: Callable[[Simulator, FaultProxy], None] | None
    expected: str | type[StreamError]  # RECONNECTED, or the StreamError that ends the stream
    after_open: bool = True  # False: the fault strikes at the (first) handshake
    seen: tuple[str, str, int] | None = None  # the request the simulator logs for the fault


def none(sim: Simulator, proxy: FaultProxy) -> None:
    """Nothing to set up at that point."""


STREAM_FAULTS = [
    StreamFault(
        "TCP dropped, no close frame (1006)",
        none,
        lambda sim, proxy: sim.faults.drop_websockets(),
        RECONNECTED,
    ),
    StreamFault(
        "WebSocket silent without closing",
        lambda sim, proxy: proxy.fail_streams(fault_proxy.SILENT),
        None,
        RECONNECTED,
    ),
    StreamFault(
        "server closes with 1011",
        lambda sim, proxy: proxy.fail_streams(Inject((close_frame(1011, "internal error"),))),
        None,
        RECONNECTED,
    ),
    StreamFault(
        "server closes with 1013 (overloaded)",
        lambda sim, proxy: proxy.fail_streams(Inject((close_frame(1013, "try again later"),))),
        None,
        RECONNECTED,
    ),
    StreamFault(
        "handshake reset",
        lambda sim, proxy: sim.faults.reset_next(1, path=HANDSHAKE),
        None,
        RECONNECTED,
        after_open=False,
        seen=("GET", HANDSHAKE, 0),
    ),
    StreamFault(
        "handshake answered 503",
        lambda sim, proxy: sim.faults.fail_next(1, status=503, path=HANDSHAKE),
        None,
        RECONNECTED,
        after_open=False,
        seen=("GET", HANDSHAKE, 503),
    ),
    StreamFault(
        "ticket request answered 503",
        lambda sim, proxy: sim.faults.fail_next(1, status=503, path=TICKET),
        None,
        RECONNECTED,
        after_open=False,
        seen=("POST", TICKET, 503),
    ),
    StreamFault(
        "server closes with 1008 (policy)",
        lambda sim, proxy: proxy.fail_streams(Inject((close_frame(1008, "policy"),))),
        None,
        StreamClosedError,
    ),
    StreamFault(
        "dropped, then every handshake 503",
        none,
        lambda sim, proxy: (
            sim.faults.fail_next(20, status=503, path=HANDSHAKE),
            sim.faults.drop_websockets(),
        ),
        StreamClosedError,
        seen=("GET", HANDSHAKE, 503),
    ),
    StreamFault(
        "handshake refused twice (403)",
        lambda sim, proxy: sim.faults.fail_next(2, status=403, path=HANDSHAKE),
        None,
        OriginRefusedError,
        after_open=False,
        seen=("GET", HANDSHAKE, 403),
    ),
]


async def scenario(
    events_of: Callable[[], Awaitable[Events]],
    fault: StreamFault,
    sim: Simulator,
    proxy: FaultProxy,
) -> str:
    """Read the first events, let the fault strike, see the stream come back and deliver."""
    events = await events_of()
    assert isinstance(await events.next(), Connected)
    assert isinstance(await events.next(), HistorySnapshot)
    if fault.after_open:
        if fault.during is not None:
            fault.during(sim, proxy)
        await next_of_type(events, Connected.TYPE)  # a new connection's first event
        await next_of_type(events, HistorySnapshot.TYPE)  # it is set up: publish now
    sim.publish(USERNAME, "test.after-the-fault", {"n": 1})
    after = await next_of_type(events, "test.after-the-fault")
    assert after.data == {"n": 1}
    return RECONNECTED


def run_blocking(
    url: str, token: str, fault: StreamFault, sim: Simulator, proxy: FaultProxy
) -> Any:
    with Client(url, token=token, origin=sim.origin) as client:
        try:
            with client.stream(options=OPTIONS) as stream:
                # A stuck scenario is ended by closing the stream from another thread.
                watchdog = threading.Timer(DEADLINE, stream.close)
                watchdog.start()
                try:

                    async def opened() -> Events:
                        return BlockingEvents(stream)

                    return run_sync(scenario(opened, fault, sim, proxy))
                finally:
                    watchdog.cancel()
                    watchdog.join()  # a cancelled timer's thread still has to end
        except StreamError as error:
            return error


def run_async(url: str, token: str, fault: StreamFault, sim: Simulator, proxy: FaultProxy) -> Any:
    async def main() -> Any:
        async with AsyncClient(url, token=token, origin=sim.origin) as client:
            try:
                async with asyncio.timeout(DEADLINE), client.stream(options=OPTIONS) as stream:

                    async def opened() -> Events:
                        return AsyncEvents(stream)

                    result: Any = await scenario(opened, fault, sim, proxy)
            except StreamError as error:
                result = error
        no_tasks_left()
        return result

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("fault", STREAM_FAULTS, ids=lambda f: f.kind)
def test_a_stream_under_a_fault_reconnects_or_ends_with_a_stream_error(
    servers: tuple[Simulator, FaultProxy], fault: StreamFault, mode: str
) -> None:
    sim, proxy = servers
    sim.faults.clear()
    proxy.reset()
    token = login_token(sim)
    fault.before(sim, proxy)
    runner = run_blocking if mode == "Client" else run_async
    # The SDK only knows the proxy; sockets to the simulator are the proxy's own upstream
    # links, which it closes on its own schedule.
    with no_leaks(proxy.port), TALLY.timed(SECTION, fault.kind):
        started = time.monotonic()
        result = runner(proxy.url, token, fault, sim, proxy)
        elapsed = time.monotonic() - started
    injected = sum(proxy.applied.values()) or (
        fault.seen is not None and fault.seen in sim.requests
    )
    injected = injected or fault.during is not None
    sim.faults.clear()
    proxy.reset()
    assert injected, "the fault never struck"
    name = type(result).__name__ if isinstance(result, BaseException) else result
    if fault.expected == RECONNECTED:
        ok = result == RECONNECTED
    else:
        assert isinstance(fault.expected, type)
        ok = isinstance(result, fault.expected)
    TALLY.add(SECTION, fault.kind, name, expected=ok)
    assert ok, f"{fault.kind} ({mode}): expected {fault.expected}, got {result!r}"
    assert elapsed < DEADLINE, elapsed  # the watchdog did not have to step in
    assert elapsed < 10 + MARGIN, elapsed


def test_closing_a_stream_from_another_thread_ends_its_iteration(
    servers: tuple[Simulator, FaultProxy],
) -> None:
    """A service's shutdown closes the stream while a worker thread is blocked reading it: the
    worker's loop must end, not wait forever for an event."""
    sim, _ = servers
    with no_leaks(sim.port), Client(sim.base_url, token=login_token(sim)) as client:
        stream = client.stream(options=OPTIONS)
        seen: list[str] = []
        set_up = threading.Event()

        def consume() -> None:
            for event in stream:
                seen.append(event.type)
                if event.type == HistorySnapshot.TYPE:
                    set_up.set()

        with stream:
            # A daemon: were the fix missing, the stuck worker must not hang the test run.
            worker = threading.Thread(target=consume, name="test-consumer", daemon=True)
            worker.start()
            assert set_up.wait(DEADLINE)
            stream.close()  # from this thread, while the worker waits for the next event
            worker.join(DEADLINE)
            assert not worker.is_alive()
        assert seen == [Connected.TYPE, HistorySnapshot.TYPE]
        TALLY.add(SECTION, "closed from another thread", "ended")


async def test_closing_a_stream_from_another_task_ends_its_iteration(
    servers: tuple[Simulator, FaultProxy],
) -> None:
    sim, _ = servers
    runner_tasks = asyncio.all_tasks()
    async with AsyncClient(sim.base_url, token=login_token(sim)) as client:
        stream = client.stream(options=OPTIONS)
        seen: list[str] = []
        set_up = asyncio.Event()

        async def consume() -> None:
            async for event in stream:
                seen.append(event.type)
                if event.type == HistorySnapshot.TYPE:
                    set_up.set()

        async with stream:
            worker = asyncio.create_task(consume())
            async with asyncio.timeout(DEADLINE):
                await set_up.wait()
            await stream.aclose()  # while the worker task waits for the next event
            async with asyncio.timeout(DEADLINE):
                await worker
        assert seen == [Connected.TYPE, HistorySnapshot.TYPE]
    no_tasks_left(runner_tasks)
    TALLY.add(SECTION, "closed from another task", "ended")

"""Stream lifecycle defects of issue 14, each scenario on `Client` and `AsyncClient` alike.

Reconnect rules, a bounded `close()`, errors while reconnecting, single-use chat streams.
"""

from __future__ import annotations

import asyncio
import logging
import textwrap
import threading
import time
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal

from mongars_client import AsyncClient, errors
from mongars_client.streaming import Connected, HistorySnapshot, StreamOptions
from mongars_client.testing import Simulator
from tests.e2e.conftest import PASSWORD, Target, make_client
from tests.e2e.test_streaming import STREAM, TICKET, next_of, statuses
from tests.reliability.support import run_child

FAST = StreamOptions(backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
def logged_in(client: Any, target: Target) -> Any:
    client.login(target.username, target.password)
    return client


@pytest.mark.parametrize("code", [1012, 1013])
def test_a_server_that_closes_at_once_gets_few_attempts_and_the_stream_ends(
    logged_in: Any, target: Target, code: int
) -> None:
    # Accept, greet, send the snapshot, close: every connection looks fine for a moment.
    sim = target.simulator()
    sim.faults.close_streams_next(100, code=code)
    greetings = []

    def read_for_six_seconds(events: Any) -> None:
        started = time.monotonic()
        for event in events:
            greetings.extend([event] if isinstance(event, Connected) else [])
            if time.monotonic() - started > 6.0:
                return  # the defect: it would go on forever

    with (
        logged_in.stream(options=StreamOptions(max_reconnects=2)) as events,
        pytest.raises(errors.StreamClosedError) as caught,
    ):
        read_for_six_seconds(events)
    assert caught.value.code == code
    # The first connection, then max_reconnects more: none of them lived long enough to count.
    assert statuses(sim, STREAM) == [101] * 3
    assert len(greetings) == 3


def test_a_connection_that_stays_open_restarts_the_count(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    options = StreamOptions(backoff_base=0.01, backoff_cap=0.02, max_reconnects=1)
    with logged_in.stream(options=options) as events:
        stream = iter(events)
        for _ in range(3):  # more breaks than max_reconnects, each after a healthy connection
            next_of(stream, HistorySnapshot)
            logged_in.chat("still here")  # the connection lives past the backoff reached
            time.sleep(0.05)  # a lifetime longer than the backoff ceiling, not a sync
            sim.faults.drop_websockets()
        next_of(stream, HistorySnapshot)
    assert statuses(sim, STREAM) == [101] * 4


@pytest.mark.parametrize("fault", ["408", "500", "503", "malformed"])
def test_a_failed_ticket_while_reconnecting_is_one_more_attempt(
    logged_in: Any, target: Target, fault: str
) -> None:
    sim = target.simulator()
    with logged_in.stream(options=FAST) as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        if fault == "malformed":
            sim.faults.malformed_next(1, path=TICKET)
        else:
            sim.faults.fail_next(1, status=int(fault), path=TICKET)
        sim.faults.drop_websockets()
        next_of(stream, Connected)
    assert statuses(sim, STREAM) == [101, 101]
    assert len(statuses(sim, TICKET)) >= 3  # the first, the failed one, the one that worked


def test_a_refused_login_while_reconnecting_ends_the_stream_with_it_as_cause(
    mode: str, portal: BlockingPortal, target: Target, client: Any
) -> None:
    sim = target.simulator()
    token = client.login(target.username, target.password).access_token
    # A client with a token only: nothing to log in again with once the token is refused.
    holder = make_client(mode, portal, sim.base_url, token=token, origin=sim.origin)
    with holder, holder.stream(options=FAST) as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        sim.expire_tokens()
        sim.faults.drop_websockets()
        with pytest.raises(errors.StreamClosedError) as caught:
            next_of(stream, Connected)
    assert isinstance(caught.value.__cause__, errors.AuthenticationError)
    assert statuses(sim, TICKET)[-1] == 401


def test_close_returns_within_close_timeout_while_reconnecting_to_a_server_that_is_down(
    mode: str, portal: BlockingPortal, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mongars_client.stream")
    sim = Simulator(users={"u1": PASSWORD})
    sim.start()
    options = StreamOptions(close_timeout=1.0, backoff_base=0.05, backoff_cap=0.1)
    with make_client(mode, portal, sim.base_url, origin=sim.origin) as client:
        client.login("u1", PASSWORD)
        events = client.stream(options=options)
        events.__enter__()
        try:
            stream = iter(events)
            next_of(stream, HistorySnapshot)
            sim.stop()
            deadline = time.monotonic() + 10.0
            while "reconnecting in" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.01)  # waits for the reader to start reconnecting; not a timing
            assert "reconnecting in" in caplog.text
        finally:
            started = time.monotonic()
            events.__exit__(None, None, None)
            took = time.monotonic() - started
    assert took < 3.0  # close_timeout is 1 s; the defect took 11 s


@pytest.mark.parametrize(
    "sim_options", [{"chat_rate_limit": None, "stream_chunks": True, "chunk_interval": 0.3}]
)
def test_stopping_a_chat_stream_early_returns_at_once(logged_in: Any) -> None:
    # The answer takes several seconds to stream; the consumer stops after the first piece.
    started = time.monotonic()
    pieces = iter(logged_in.chat_stream("Take your time and tell me everything"))
    first = next(pieces)
    pieces.close()  # type: ignore[attr-defined]
    took = time.monotonic() - started
    assert first
    assert took < 2.5  # the whole answer takes over 5 s


async def test_a_timeout_around_an_async_chat_stream_cancels_the_chat() -> None:
    slow = Simulator(users={"u1": PASSWORD}, stream_chunks=True, chunk_interval=0.3)
    async with slow, AsyncClient(slow.base_url, origin=slow.origin) as client:
        await client.login("u1", PASSWORD)
        pieces = []

        async def read_for_one_second() -> None:
            async with asyncio.timeout(1.0):
                async for piece in client.chat_stream("Take your time and tell me everything"):
                    pieces.append(piece)

        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await read_for_one_second()
        took = time.monotonic() - started
    assert pieces  # it was streaming when the timeout hit
    assert took < 2.5  # the whole answer takes over 5 s


@pytest.mark.timeout(30)
def test_a_chat_stream_is_single_use(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    reply = logged_in.chat_stream("Only once")
    assert "".join(reply) == reply.response.response
    started = time.monotonic()
    with pytest.raises(errors.StreamError, match="iterated once"):
        list(reply)
    assert time.monotonic() - started < 1.0
    assert statuses(sim, "/api/v1/conversation/chat") == [200]


def test_an_event_stream_is_entered_once(logged_in: Any) -> None:
    events = logged_in.stream()
    with events:
        next_of(iter(events), HistorySnapshot)
    with pytest.raises(errors.StreamError, match="used once"), events:
        pass


def leave_the_reader_in_a_ticket_request(
    events: Any, sim: Simulator, caplog: pytest.LogCaptureFixture, *, latency: float
) -> None:
    """Once `events` is up, drop its WebSocket with every answer `latency` s late, and return
    when its reader is waiting for the ticket of its reconnect.

    Needs `caplog` at INFO for `mongars_client.stream` and a backoff of 20 ms at most.
    """
    next_of(iter(events), HistorySnapshot)
    sim.faults.latency(latency)
    sim.faults.drop_websockets()
    deadline = time.monotonic() + 10.0
    while "reconnecting in" not in caplog.text:
        assert time.monotonic() < deadline, "the reader never noticed the drop"
        time.sleep(0.01)  # waits for the reader to start reconnecting; not a timing
    # Its backoff is 20 ms at most: by then it is in the ticket request. Were it slower, close()
    # would find it before it asks, and the test would only be easier.
    time.sleep(0.3)


def test_close_returns_within_close_timeout_while_a_ticket_request_hangs(
    mode: str, portal: BlockingPortal, caplog: pytest.LogCaptureFixture
) -> None:
    # The reader is stuck in the ticket request of a reconnect (a server that accepts and never
    # answers, as an unreachable host would keep it in connect): leaving must not wait for it.
    caplog.set_level(logging.INFO, logger="mongars_client.stream")
    sim = Simulator(users={"u1": PASSWORD})
    sim.start()
    options = StreamOptions(close_timeout=1.0, backoff_base=0.01, backoff_cap=0.02)
    try:
        with make_client(mode, portal, sim.base_url, origin=sim.origin, timeout=20.0) as client:
            client.login("u1", PASSWORD)
            with client.stream(options=options) as events:
                leave_the_reader_in_a_ticket_request(events, sim, caplog, latency=15.0)
                started = time.monotonic()
            took = time.monotonic() - started
            sim.faults.latency(0.0)
    finally:
        sim.stop()
    assert took < 3.0  # close_timeout is 1 s; the request hangs for 15 s


def test_a_reader_left_to_finish_after_close_opens_no_connection(
    logged_in: Any, target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    # close() gave up waiting for a reader stuck in a ticket request; once the ticket comes,
    # the reader must stop there, not open one more WebSocket.
    caplog.set_level(logging.INFO, logger="mongars_client.stream")
    sim = target.simulator()
    options = StreamOptions(close_timeout=0.3, backoff_base=0.01, backoff_cap=0.02)
    with logged_in.stream(options=options) as events:
        leave_the_reader_in_a_ticket_request(events, sim, caplog, latency=1.0)
    sim.faults.latency(0.0)
    for thread in threading.enumerate():  # the blocking reader, once its ticket came
        if thread.name == "mongars-stream-reader":
            thread.join(10.0)
    assert statuses(sim, STREAM) == [101]


def test_closing_the_client_wakes_a_reader_in_a_ticket_request_and_opens_no_connection(
    mode: str, portal: BlockingPortal, caplog: pytest.LogCaptureFixture
) -> None:
    # Closing the client ends the connection of the reader's ticket request (a blocking reader
    # outlives a bounded close()): the reader wakes then, long before the server's late answer,
    # and does not send that request again on a fresh connection, which nobody would close.
    caplog.set_level(logging.INFO, logger="mongars_client.stream")
    sim = Simulator(users={"u1": PASSWORD})
    sim.start()
    options = StreamOptions(close_timeout=0.3, backoff_base=0.01, backoff_cap=0.02)
    try:
        with make_client(mode, portal, sim.base_url, origin=sim.origin, timeout=120.0) as client:
            client.login("u1", PASSWORD)
            with client.stream(options=options) as events:
                leave_the_reader_in_a_ticket_request(events, sim, caplog, latency=60.0)
            answered = len(statuses(sim, TICKET))
            sim.faults.latency(0.0)  # a resend would be answered at once
        for thread in threading.enumerate():  # the blocking reader
            if thread.name == "mongars-stream-reader":
                thread.join(30.0)  # a bound for a broken build; the answer is 60 s away
                assert not thread.is_alive(), "the reader still waits for the server's answer"
        assert len(statuses(sim, TICKET)) == answered  # no resend (and no answer yet)
    finally:
        sim.stop()


# A partly read chat stream dropped in a reference cycle: the collector closes it, and closing its
# WebSocket logs (websockets, at DEBUG) through our redaction filter. The collection runs while
# this thread holds the redaction lock, as it can at any allocation of a writer's (a login
# registering its token). A deadlock shows as the child's timeout.
_STREAM_COLLECTED_UNDER_THE_LOCK = textwrap.dedent(
    """
    import gc, logging, os
    from mongars_client import Client, _redact
    from mongars_client.testing import Simulator

    logging.basicConfig(level=logging.DEBUG, stream=open(os.devnull, "w"))
    with Simulator(users={"u1": "a-password-of-some-length"}) as sim:
        with Client(sim.base_url, origin=sim.origin, timeout=30) as client:
            client.login("u1", "a-password-of-some-length")
            reply = client.chat_stream("tell me a long story")
            pieces = iter(reply)
            next(pieces)
            cycle = [pieces, reply]
            cycle.append(cycle)
            del pieces, reply, cycle
            with _redact._lock:
                gc.collect()
    print("collected")
    """
)


def test_a_chat_stream_closed_by_the_collector_under_the_redaction_lock_does_not_deadlock() -> None:
    hung = "closing the stream logged, and redacting that line waited on the lock"
    assert run_child(_STREAM_COLLECTED_UNDER_THE_LOCK, if_hung=hung) == "collected"

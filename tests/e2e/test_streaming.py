"""The event stream and chat_stream end to end, for `Client` and `AsyncClient` alike."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal

from mongars_client import errors
from mongars_client.streaming import (
    ChatMessage,
    Connected,
    Event,
    HistorySnapshot,
    StreamOptions,
)
from mongars_client.testing import Simulator
from tests.e2e.conftest import PASSWORD, Target, make_client
from tests.reliability.support import threads_started_since

TICKET = "/api/v1/auth/ws/ticket"
STREAM = "/ws/chat/"
FAST = StreamOptions(backoff_base=0.01, backoff_cap=0.05)


def statuses(sim: Simulator, path: str) -> list[int]:
    return [s for m, p, s in sim.requests if p == path]


def next_of(events: Any, kind: type[Event]) -> Event:
    """The next event of `kind`, skipping others (the stream blocks until one arrives)."""
    for event in events:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"the stream ended before a {kind.__name__}")


@pytest.fixture
def logged_in(client: Any, target: Target) -> Any:
    client.login(target.username, target.password)
    return client


@pytest.mark.live
def test_connected_and_snapshot_come_first_then_chats(logged_in: Any, target: Target) -> None:
    with logged_in.stream() as events:
        stream = iter(events)
        first, second = next(stream), next(stream)
        assert isinstance(first, Connected)
        assert first.origin
        assert isinstance(second, HistorySnapshot)
        reply = logged_in.chat("Is anyone listening?")
        message = next_of(stream, ChatMessage)
        assert isinstance(message, ChatMessage)
    assert message.query == "Is anyone listening?"
    assert message.response == reply.response


def test_unknown_event_types_are_passed_through(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    with logged_in.stream() as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        sim.publish("u1", "performance.alert", {"level": "warning"})
        event = next(stream)
    assert type(event) is Event
    assert (event.type, event.data) == ("performance.alert", {"level": "warning"})


@pytest.mark.parametrize(
    "sim_options", [{"chat_rate_limit": None, "heartbeat_interval": 0.2, "heartbeat_timeout": 0.6}]
)
def test_a_slow_consumer_keeps_the_stream_alive(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    received = []
    with logged_in.stream() as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        for number in range(4):
            sim.publish("u1", "test.tick", {"n": number})
        started = time.monotonic()
        for event in stream:
            received.append(event.data["n"])
            if len(received) == 4:
                break
            time.sleep(1.0)  # the slow consumer under test, not a synchronisation
        stayed = time.monotonic() - started
    assert received == [0, 1, 2, 3]
    assert stayed >= 3.0
    # One handshake: the server never dropped us, though its timeout is 0.6 s.
    assert statuses(sim, STREAM) == [101]


def test_a_dropped_socket_reconnects_with_a_fresh_ticket(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    ids: list[str] = []
    with logged_in.stream(options=FAST) as events:
        stream = iter(events)
        ids += [next(stream).id, next(stream).id]
        sim.faults.drop_websockets()
        reconnected = next_of(stream, Connected)
        ids.append(reconnected.id)
        ids.append(next_of(stream, HistorySnapshot).id)
        logged_in.chat("after the reconnect")
        ids.append(next_of(stream, ChatMessage).id)
    assert len(ids) == len(set(ids)) == 5
    assert statuses(sim, TICKET) == [200, 200]
    assert statuses(sim, STREAM) == [101, 101]


def test_reconnects_are_limited_and_end_with_the_last_close_code(
    logged_in: Any, target: Target
) -> None:
    sim = target.simulator()
    options = StreamOptions(backoff_base=0.01, backoff_cap=0.02, max_reconnects=2)
    with logged_in.stream(options=options) as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        sim.faults.fail_next(10, status=503, path=STREAM)
        sim.faults.drop_websockets()
        with pytest.raises(errors.StreamClosedError) as caught:
            next(stream)
    assert caught.value.code == 1006
    # The first handshake, dropped before it proved healthy (one failed attempt), then refused
    # attempts, each with a fresh ticket, up to max_reconnects failures in a row.
    assert statuses(sim, STREAM) == [101, 503, 503]
    assert statuses(sim, TICKET) == [200] * 3


def test_a_foreign_origin_is_refused_after_one_fresh_ticket(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    refused = logged_in.stream(origin="https://elsewhere.example.com")
    with pytest.raises(errors.OriginRefusedError) as caught, refused:
        pass
    assert isinstance(caught.value, errors.PermissionDeniedError)
    assert isinstance(caught.value, errors.StreamError)
    assert statuses(sim, TICKET) == [200, 200]
    assert statuses(sim, STREAM) == [403, 403]


def test_an_expired_token_while_reconnecting_logs_in_again(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    with logged_in.stream(options=FAST) as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        sim.expire_tokens()
        sim.faults.drop_websockets()
        next_of(stream, Connected)
    assert statuses(sim, TICKET) == [200, 401, 200]
    assert statuses(sim, "/token") == [200, 200]


@pytest.mark.live
@pytest.mark.parametrize("sim_options", [{"chat_rate_limit": None, "stream_chunks": True}])
def test_chat_stream_pieces_add_up_to_the_answer(logged_in: Any, target: Target) -> None:
    reply = logged_in.chat_stream("Tell me about the outage, step by step")
    pieces = list(reply)
    assert "".join(pieces) == reply.response.response
    if target.sim is not None:
        assert len(pieces) > 1


def test_chat_stream_without_chunks_yields_the_answer_once(logged_in: Any) -> None:
    reply = logged_in.chat_stream("One piece, please")
    pieces = list(reply)
    assert pieces == [reply.response.response]


def test_chat_stream_raises_the_chat_error(logged_in: Any, target: Target) -> None:
    target.simulator().faults.fail_next(1, status=503, path="/api/v1/conversation/chat")
    with pytest.raises(errors.InternalServerError):
        list(logged_in.chat_stream("This one fails"))


def test_chat_stream_checks_its_input_before_anything(logged_in: Any, target: Target) -> None:
    sim = target.simulator()
    before = len(sim.requests)
    with pytest.raises(errors.InvalidInputError):
        logged_in.chat_stream("")
    assert len(sim.requests) == before


def test_leaving_closes_with_1000_and_leaves_nothing_running(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    threads_before = set(threading.enumerate())

    async def other_tasks() -> set[asyncio.Task[Any]]:
        return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]

    tasks_before = portal.call(other_tasks)
    with make_client(mode, portal, sim.base_url, origin=sim.origin) as client:
        client.login("u1", PASSWORD)
        with client.stream() as events:
            next_of(iter(events), HistorySnapshot)
        list(client.chat_stream("and close"))
    assert sim.ws_closes == [(1000, ""), (1000, "")]
    assert threads_started_since(threads_before) == []
    assert portal.call(other_tasks) == tasks_before


def test_no_ticket_or_token_in_any_log_record(
    logged_in: Any, target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    sim = target.simulator()
    caplog.set_level(logging.DEBUG)
    with logged_in.stream(options=FAST) as events:
        stream = iter(events)
        next_of(stream, HistorySnapshot)
        sim.faults.drop_websockets()
        next_of(stream, Connected)
    tickets = {logged_in.ws_ticket().ticket}
    secrets = tickets | {logged_in.token.access_token, PASSWORD}
    messages = [record.getMessage() for record in caplog.records]
    assert any("GET /ws/chat/?t=***" in message for message in messages), messages
    for message in messages:
        # Ours mask with ***, the simulator's server-side logs with <redacted>.
        assert "?t=" not in message.replace("?t=***", "").replace("?t=<redacted>", "")
        for secret in secrets:
            assert secret not in message


def test_user_information_in_the_base_url_stays_out_of_the_origin(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    # `http://user:password@host`: the Origin is scheme://host[:port], never the password (the
    # server would also refuse the stream, with the password in the error's message).
    sim = target.simulator()
    secret = "hunter2-in-the-url"
    base_url = sim.base_url.replace("://", f"://proxyuser:{secret}@", 1)
    with make_client(mode, portal, base_url) as client:
        client.login("u1", PASSWORD)
        with client.stream() as events:
            connected = next_of(iter(events), Connected)
    assert isinstance(connected, Connected)
    assert connected.origin == sim.origin

"""No silent loss: chats recovered after a break, a `Gap` where they cannot be, slow consumers.

Each scenario runs on `Client` and `AsyncClient` alike, against the simulator over real sockets.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import attrs
import pytest

from mongars_client.errors import StreamClosedError
from mongars_client.streaming import (
    ChatMessage,
    Connected,
    Event,
    Gap,
    HistorySnapshot,
    StreamOptions,
)
from tests.e2e.conftest import Target
from tests.e2e.test_streaming import STREAM, statuses

# Many attempts allowed: the handshake is refused on purpose while chats are made.
PATIENT = StreamOptions(backoff_base=0.01, backoff_cap=0.05, max_reconnects=1000)


@attrs.frozen
class Made:
    """A chat sent over HTTP, and when (the server stamps it within [started, ended])."""

    query: str
    started: float
    ended: float


@pytest.fixture
def logged_in(client: Any, target: Target) -> Any:
    client.login(target.username, target.password)
    return client


def chat(client: Any, query: str) -> Made:
    started = time.time()
    client.chat(query)
    return Made(query, started, time.time())


def read_until(stream: Any, seen: list[Event], stop: Any) -> None:
    """Append events to `seen` up to the first one for which `stop(event)` holds."""
    for event in stream:
        seen.append(event)
        if stop(event):
            return
    raise AssertionError("the stream ended early")


def account(made: list[Made], seen: list[Event]) -> dict[str, list[str]]:
    """Which chats were delivered live, recovered, or covered by a Gap; fails on any other."""
    messages = [e for e in seen if isinstance(e, ChatMessage)]
    queries = [m.query for m in messages]
    assert len(queries) == len(set(queries)), "a chat message was yielded twice"
    live = {m.query for m in messages if not m.recovered}
    recovered = {m.query for m in messages if m.recovered}
    blind = [g for g in seen if isinstance(g, Gap) and not g.chats_complete]
    outcome: dict[str, list[str]] = {"live": [], "recovered": [], "gap": []}
    for chat_made in made:
        if chat_made.query in live:
            outcome["live"].append(chat_made.query)
        elif chat_made.query in recovered:
            outcome["recovered"].append(chat_made.query)
        elif any(g.since <= chat_made.ended and g.until >= chat_made.started for g in blind):
            outcome["gap"].append(chat_made.query)
        else:
            raise AssertionError(f"{chat_made.query!r} was lost without a Gap")
    return outcome


def test_dropping_the_socket_n_times_while_chatting_loses_no_chat_silently(
    logged_in: Any, target: Target
) -> None:
    sim = target.simulator()
    drops = 5
    made: list[Made] = []
    seen: list[Event] = []
    during_small_breaks: list[str] = []
    during_long_break: list[Made] = []
    with logged_in.stream(options=PATIENT) as events:
        stream = iter(events)
        read_until(stream, seen, lambda e: isinstance(e, HistorySnapshot))
        for drop in range(drops):
            made += [chat(logged_in, f"drop {drop}: live {n}") for n in range(2)]
            # The socket goes, and no new one opens while the chats of the break are made.
            sim.faults.fail_next(10**6, status=503, path=STREAM)
            sim.faults.drop_websockets()
            # One break lasts longer than the snapshot covers (12 chats > 10 items).
            count = 12 if drop == 2 else 3
            blind = [chat(logged_in, f"drop {drop}: during the break {n}") for n in range(count)]
            made += blind
            (during_long_break if count == 12 else during_small_breaks).extend(
                [b.query for b in blind] if count != 12 else blind
            )
            sim.faults.clear()
            read_until(stream, seen, lambda e: isinstance(e, HistorySnapshot))
            read_until(stream, seen, lambda e: isinstance(e, Gap))
        last = chat(logged_in, "after every drop")
        made.append(last)
        read_until(stream, seen, lambda e: isinstance(e, ChatMessage) and e.query == last.query)
    outcome = account(made, seen)
    assert sum(isinstance(e, Connected) for e in seen) == drops + 1
    # A break the snapshot covers is recovered in full, oldest first, marked as such.
    assert set(during_small_breaks) <= set(outcome["recovered"])
    # The long one: its 10 newest chats recovered, the older ones covered by a Gap.
    assert {m.query for m in during_long_break[-10:]} <= set(outcome["recovered"])
    assert {m.query for m in during_long_break[:2]} <= set(outcome["gap"])
    gaps = [e for e in seen if isinstance(e, Gap)]
    assert len(gaps) == drops
    assert [g.chats_complete for g in gaps] == [True, True, False, True, True]
    recovered = [e for e in seen if isinstance(e, ChatMessage) and e.recovered]
    assert all(m.response and "speech_turn" not in m.data for m in recovered)
    in_order = [m.query for m in recovered if m.query.startswith("drop 2: during")]
    assert in_order == [m.query for m in during_long_break[-10:]]  # oldest first
    assert outcome["live"]  # and the live ones were delivered live


@pytest.mark.parametrize(
    "sim_options", [{"chat_rate_limit": None, "heartbeat_interval": 0.2, "heartbeat_timeout": 0.6}]
)
def test_a_consumer_asleep_past_the_heartbeat_timeout_gets_everything_or_a_gap(
    logged_in: Any, target: Target
) -> None:
    sim = target.simulator()
    max_queue = 4
    seen: list[Event] = []
    # The reader pauses for room up to max_pause: well under the heartbeat timeout less its
    # interval (0.4 s here), as the default 1 s is under the real server's 40 s.
    options = StreamOptions(max_queue=max_queue, max_pause=0.1)
    with logged_in.stream(options=options) as events:
        stream = iter(events)
        read_until(stream, seen, lambda e: isinstance(e, HistorySnapshot))
        made = [chat(logged_in, f"while asleep {n}") for n in range(10)]
        time.sleep(1.5)  # the slow consumer under test: asleep for 2.5 heartbeat timeouts
        backlog: list[Event] = []
        read_until(stream, backlog, lambda e: isinstance(e, Gap))
        seen += backlog
        last = chat(logged_in, "awake again")
        made.append(last)
        read_until(stream, seen, lambda e: isinstance(e, ChatMessage) and e.query == last.query)
    # The reader kept answering the heartbeat: the server never dropped the connection.
    assert statuses(sim, STREAM) == [101]
    # Memory stayed bounded: the buffer held max_queue events, the rest became one Gap.
    assert len(backlog) == max_queue + 1
    gap = backlog[-1]
    assert isinstance(gap, Gap)
    assert gap.reason == "consumer too slow"
    assert gap.dropped == 10 - max_queue
    assert not gap.chats_complete
    outcome = account(made, seen)
    assert len(outcome["live"]) == max_queue + 1
    assert len(outcome["gap"]) == 10 - max_queue


def test_chats_recovered_into_a_full_buffer_are_covered_by_the_gap_of_their_time(
    logged_in: Any, target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    # The consumer is not reading while the stream reconnects: the recovered chats overflow
    # its buffer. The ones dropped must fall in a Gap's time (their exchange's, in the break),
    # not in one that starts when they were dropped.
    caplog.set_level(logging.INFO, logger="mongars_client.stream")
    sim = target.simulator()
    options = attrs.evolve(PATIENT, max_queue=3, max_pause=0.01)
    seen: list[Event] = []
    with logged_in.stream(options=options) as events:
        stream = iter(events)
        read_until(stream, seen, lambda e: isinstance(e, HistorySnapshot))
        sim.faults.fail_next(10**6, status=503, path=STREAM)
        sim.faults.drop_websockets()
        made = [chat(logged_in, f"during the break {n}") for n in range(6)]
        sim.faults.clear()
        deadline = time.monotonic() + 10.0
        while "dropping events" not in caplog.text:
            assert time.monotonic() < deadline, "the reader never dropped anything"
            time.sleep(0.01)  # waits for the reader to overflow; not a timing
        read_until(stream, seen, lambda e: isinstance(e, Gap) and e.reason == "consumer too slow")
        last = chat(logged_in, "after the break")
        made.append(last)
        read_until(stream, seen, lambda e: isinstance(e, ChatMessage) and e.query == last.query)
    outcome = account(made, seen)
    assert outcome["gap"]  # some were dropped, and a Gap says when they were made


def test_a_stored_query_that_differs_from_the_announced_one_is_no_missed_chat(
    logged_in: Any, target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server may store a query other than the one it announced (it appends its own
    # context, PROTOCOL.md): a chat delivered live is still no chat missed after a break.
    sim = target.simulator()
    state = sim._state
    store = state.record_exchange

    def with_context(username: str, query: str, response: str, timestamp: float) -> None:
        store(username, f"{query}\n[context: earlier exchanges]", response, timestamp)

    monkeypatch.setattr(state, "record_exchange", with_context)
    seen: list[Event] = []
    with logged_in.stream(options=PATIENT) as events:
        stream = iter(events)
        read_until(stream, seen, lambda e: isinstance(e, HistorySnapshot))
        live = [logged_in.chat(f"live {n}").response for n in range(3)]
        read_until(stream, seen, lambda e: isinstance(e, ChatMessage) and e.query == "live 2")
        sim.faults.fail_next(10**6, status=503, path=STREAM)
        sim.faults.drop_websockets()
        missed = logged_in.chat("during the break").response
        sim.faults.clear()
        read_until(stream, seen, lambda e: isinstance(e, Gap))
        read_until(stream, seen, lambda e: isinstance(e, ChatMessage) and e.response == missed)
    recovered = [e for e in seen if isinstance(e, ChatMessage) and e.recovered]
    assert [m.response for m in recovered] == [missed]  # the live ones are not replayed
    assert [e.chats_complete for e in seen if isinstance(e, Gap)] == [True]
    assert len(set(live)) == 3


def test_events_dropped_before_the_stream_ends_get_their_gap_before_the_end(
    logged_in: Any, target: Target, caplog: pytest.LogCaptureFixture
) -> None:
    # The reader drops events for a slow consumer, then the stream ends (here: the socket goes
    # and no reconnect is allowed). The consumer drains the buffer: the Gap for what was dropped
    # must come before the end, not vanish with it.
    caplog.set_level(logging.INFO, logger="mongars_client.stream")
    sim = target.simulator()
    options = StreamOptions(max_queue=3, max_pause=0.01, max_reconnects=0)
    seen: list[Event] = []
    with logged_in.stream(options=options) as events:
        stream = iter(events)
        read_until(stream, seen, lambda e: isinstance(e, HistorySnapshot))
        assert sim.burst(target.username, 20) == 1
        deadline = time.monotonic() + 10.0
        while "dropping events" not in caplog.text:
            assert time.monotonic() < deadline, "the reader never dropped anything"
            time.sleep(0.01)  # waits for the reader to overflow; not a timing
        sim.faults.fail_next(10**6, status=503, path=STREAM)
        sim.faults.drop_websockets()
        with pytest.raises(StreamClosedError):
            seen.extend(stream)
    burst = [e for e in seen if e.type == "bench.burst"]
    gaps = [e for e in seen if isinstance(e, Gap)]
    assert len(gaps) == 1
    assert gaps[0].dropped == 20 - len(burst)

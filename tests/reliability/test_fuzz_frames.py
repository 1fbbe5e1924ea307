"""Fuzzed WebSocket frames: the stream survives them, or ends with a `StreamError`, nothing else.

Two levels. `parse_frame`, which classifies every frame the server sends, is fuzzed alone, fast:
it must return an event, a control frame or None (skipped), and never raise; every typed event's
properties must be readable. Then whole streams, blocking and asyncio, over real WebSockets to the
simulator: the fault proxy inserts fuzzed raw frames (malformed, binary, huge, unknown types,
missing or mistyped fields, invalid UTF-8, fragments, control frames, protocol violations) after
the first two events. Afterwards an event published by the server must still arrive (the stream
survived, reconnecting if the frames killed the connection), or the iteration must end with a
`StreamError`. Valid injected events must arrive, in order, when the connection lives on.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mongars_client import AsyncClient, Client
from mongars_client._bridge import run_sync
from mongars_client.errors import StreamError
from mongars_client.streaming import (
    ChatMessage,
    Connected,
    Event,
    HistorySnapshot,
    ResponseChunk,
    ResponseComplete,
    StreamOptions,
    _Control,
    parse_frame,
)
from mongars_client.testing import Simulator
from tests.reliability.conftest import JSON_VALUES, TALLY, fuzz_settings
from tests.reliability.fault_proxy import FaultProxy, Inject, frame
from tests.reliability.support import (
    USERNAME,
    AsyncEvents,
    BlockingEvents,
    login_token,
    no_tasks_left,
)

pytestmark = pytest.mark.fuzz

UNIT = "WebSocket frames, parse_frame alone"
E2E = "WebSocket frames injected into live streams (Client and AsyncClient)"
KNOWN_TYPES = [
    "ws.connected",
    "history.snapshot",
    "chat.message",
    "ai_model.response_chunk",
    "ai_model.response_complete",
    "ping",
    "ack",
    "performance.alert",
]
MAX_FRAME = StreamOptions().max_frame
OPTIONS = StreamOptions(max_reconnects=3, backoff_base=0.05, backoff_cap=0.2, close_timeout=1.0)
DEADLINE = 30.0

ENVELOPES = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str),
        "type": st.sampled_from(KNOWN_TYPES) | st.text(min_size=1, max_size=30),
        "ts": st.floats(0, 2e9) | st.text(max_size=10),
        "user": st.just(USERNAME),
        "data": st.dictionaries(
            st.sampled_from(
                ["origin", "items", "query", "response", "delta", "ok", "text", "error"]
            )
            | st.text(max_size=8),
            JSON_VALUES,
            max_size=5,
        ),
    }
)


def not_json(raw: str | bytes) -> bool:
    """Whether Python's decoder refuses it."""
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return True
    return False


def without(envelope: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in envelope.items() if k not in fields}


WRONG_FIELDS = st.builds(
    lambda envelope, field, value: {**envelope, field: value},
    ENVELOPES,
    st.sampled_from(["id", "type", "data", "ts", "user"]),
    JSON_VALUES,
)
MISSING_FIELDS = st.builds(
    without, ENVELOPES, st.lists(st.sampled_from(["id", "type", "data", "ts", "user"]), min_size=1)
)
NESTED = st.integers(2, 200_000).map(lambda depth: "[" * depth + "]" * depth)

# Payloads for parse_frame, by category.
PAYLOADS: dict[str, st.SearchStrategy[str | bytes]] = {
    "malformed (not JSON)": (st.text(max_size=200) | st.binary(max_size=200)).filter(not_json),
    "binary envelopes": ENVELOPES.map(lambda e: json.dumps(e).encode()),
    "unknown event types": ENVELOPES.map(json.dumps),
    "missing fields": MISSING_FIELDS.map(json.dumps),
    "wrong field types": WRONG_FIELDS.map(json.dumps),
    "not an object": JSON_VALUES.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    "deeply nested JSON": NESTED,
    "invalid UTF-8": st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"]).map(
        lambda bad: b'{"id": "x", "type": "' + bad + b'", "data": {}}'
    ),
}


def read_every_property(event: Event) -> None:
    """The typed accessors of an event must not raise, whatever its data."""
    if isinstance(event, Connected):
        assert event.origin is None or isinstance(event.origin, str)
    elif isinstance(event, HistorySnapshot):
        assert all(isinstance(item, dict) for item in event.items)
    elif isinstance(event, ChatMessage):
        assert {type(event.query), type(event.response)} <= {str, type(None)}
    elif isinstance(event, ResponseChunk):
        assert isinstance(event.delta, str)
    elif isinstance(event, ResponseComplete):
        assert isinstance(event.ok, bool)
        assert {type(event.text), type(event.error)} <= {str, type(None)}


@pytest.mark.parametrize("category", sorted(PAYLOADS))
def test_parse_frame_never_raises(category: str) -> None:
    @fuzz_settings(250)
    @given(payload=PAYLOADS[category])
    def check(payload: str | bytes) -> None:
        with TALLY.timed(UNIT, category):
            try:
                parsed = parse_frame(payload)
            except Exception as error:
                TALLY.add(UNIT, category, type(error).__name__, expected=False)
                raise
            TALLY.add(UNIT, category, "skipped" if parsed is None else type(parsed).__name__)
            assert parsed is None or isinstance(parsed, Event | _Control)
            if category == "invalid UTF-8":  # bytes no UTF-8 decoder accepts: refused
                assert parsed is None
            if isinstance(parsed, Event):
                read_every_property(parsed)

    check()


# --- Whole streams ------------------------------------------------------------------------------


def text_frame(payload: str | bytes) -> bytes:
    return frame(payload.encode() if isinstance(payload, str) else payload, opcode=0x1)


def fragments(payload: bytes) -> bytes:
    """One text message sent as three frames (a start and two continuations)."""
    third = max(1, len(payload) // 3)
    parts = [payload[:third], payload[third : 2 * third], payload[2 * third :]]
    return (
        frame(parts[0], 0x1, fin=False)
        + frame(parts[1], 0x0, fin=False)
        + frame(parts[2], 0x0, fin=True)
    )


BIG_ID = "big-event"


def big_event(size: int) -> bytes:
    envelope = {"id": BIG_ID, "type": "test.big", "data": {"blob": "x" * size}}
    return json.dumps(envelope).encode()


# Raw frames by category: (category, frame bytes, the event it should deliver or None).
RawFrame = tuple[str, bytes, dict[str, Any] | None]
BIG, HUGE = b"<900 KB event>", b"<event over the 1 MiB frame limit>"
SIZES = {BIG: 900_000, HUGE: MAX_FRAME + 1000}


def expand(raw: bytes) -> bytes:
    """The frame a marker stands for (the frame itself otherwise)."""
    return text_frame(big_event(SIZES[raw])) if raw in SIZES else raw


def delivered(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The envelope, if the stream must yield it as an event (a valid, non-control event)."""
    ok = (
        isinstance(envelope.get("id"), str)
        and isinstance(envelope.get("type"), str)
        and envelope["type"] not in ("ping", "ack")
        and isinstance(envelope.get("data", {}), dict)
    )
    return envelope if ok else None


RAW_FRAMES: st.SearchStrategy[RawFrame] = st.one_of(
    PAYLOADS["malformed (not JSON)"].map(lambda p: ("malformed (not JSON)", text_frame(p), None)),
    st.binary(max_size=100).map(lambda p: ("binary, not JSON", frame(p, 0x2), None)),
    ENVELOPES.map(lambda e: ("binary envelopes", frame(json.dumps(e).encode(), 0x2), delivered(e))),
    ENVELOPES.map(lambda e: ("unknown event types", text_frame(json.dumps(e)), delivered(e))),
    MISSING_FIELDS.map(lambda e: ("missing fields", text_frame(json.dumps(e)), delivered(e))),
    WRONG_FIELDS.map(lambda e: ("wrong field types", text_frame(json.dumps(e)), delivered(e))),
    NESTED.map(lambda p: ("deeply nested JSON", text_frame(p), None)),
    ENVELOPES.map(
        lambda e: ("fragmented message", fragments(json.dumps(e).encode()), delivered(e))
    ),
    st.binary(max_size=125).map(lambda p: ("control frames (ping, pong)", frame(p, 0x9), None)),
    st.binary(max_size=125).map(lambda p: ("control frames (ping, pong)", frame(p, 0xA), None)),
    # Big frames are made in the test from these markers: hypothesis would print the values.
    st.just(("big frame (900 KB)", BIG, {"id": BIG_ID})),
    # These end the connection (1009 too big, 1007 not UTF-8, 1002 protocol error): the stream
    # reconnects or ends with a StreamError.
    st.just(("huge frame (> 1 MiB)", HUGE, None)),
    st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80"]).map(
        lambda bad: ("invalid UTF-8 text", frame(b'{"id": "' + bad + b'"}', 0x1), None)
    ),
    st.sampled_from(
        [frame(b"{}", 0x3), frame(b"{}", 0x1, rsv=4), frame(b"{}", 0x0), frame(b"x" * 200, 0x9)]
    ).map(lambda raw: ("protocol violations", raw, None)),
)


async def until_the_sentinel(events: BlockingEvents | AsyncEvents, sim: Simulator) -> list[Event]:
    """Every event up to the server's sentinel, published after each (re)connection's snapshot."""
    nonce = str(uuid.uuid4())
    seen: list[Event] = []
    while True:
        event = await events.next()
        if event.type == "test.sentinel" and event.data == {"nonce": nonce}:
            return seen
        seen.append(event)
        if isinstance(event, HistorySnapshot):  # a connection is set up: the sentinel follows
            sim.publish(USERNAME, "test.sentinel", {"nonce": nonce})


def stream_blocking(url: str, token: str, sim: Simulator) -> Any:
    with Client(url, token=token, origin=sim.origin) as client:
        try:
            with client.stream(options=OPTIONS) as stream:
                watchdog = threading.Timer(DEADLINE, stream.close)  # a stuck stream ends
                watchdog.start()
                try:
                    return run_sync(until_the_sentinel(BlockingEvents(stream), sim))
                finally:
                    watchdog.cancel()
                    watchdog.join()  # a cancelled timer's thread still has to end
        except StreamError as error:
            return error


def stream_async(url: str, token: str, sim: Simulator) -> Any:
    async def main() -> Any:
        async with AsyncClient(url, token=token, origin=sim.origin) as client:
            try:
                async with asyncio.timeout(DEADLINE), client.stream(options=OPTIONS) as stream:
                    result: Any = await until_the_sentinel(AsyncEvents(stream), sim)
            except StreamError as error:
                result = error
        no_tasks_left()
        return result

    return asyncio.run(main())


@fuzz_settings(40)
@given(raw_frames=st.lists(RAW_FRAMES, min_size=1, max_size=6))
def test_a_stream_survives_fuzzed_frames_or_ends_with_a_stream_error(
    servers: tuple[Simulator, FaultProxy], raw_frames: list[RawFrame]
) -> None:
    sim, proxy = servers
    token = login_token(sim)
    for mode, run in (("Client", stream_blocking), ("AsyncClient", stream_async)):
        proxy.reset()
        proxy.fail_streams(Inject(tuple(expand(raw) for _, raw, _ in raw_frames)))
        handshakes = sim.requests.count(("GET", "/ws/chat/", 101))
        with TALLY.timed(E2E, "streams"):
            try:
                result = run(proxy.url, token, sim)
            except Exception as error:  # anything but a StreamError fails the test
                result = error
        reconnected = sim.requests.count(("GET", "/ws/chat/", 101)) > handshakes + 1
        if isinstance(result, list):
            outcome = "reconnected" if reconnected else "survived"
        else:
            outcome = type(result).__name__
        ok = isinstance(result, list | StreamError)
        for category, _, _ in raw_frames:
            TALLY.add(E2E, category, outcome, expected=ok)
        assert ok, f"{mode}: {result!r} after {[c for c, _, _ in raw_frames]}"
        if isinstance(result, list) and not reconnected:
            # The connection lived on: the valid injected events came, in order, after the
            # first two; nothing else did.
            ids = [envelope["id"] for _, _, envelope in raw_frames if envelope]
            expected = list(dict.fromkeys(ids))  # a repeated id is dropped as a duplicate
            got = [event.id for event in result[2:]]
            assert got == expected, (mode, [c for c, _, _ in raw_frames])

"""The stream's frame handling, without a network: parsing, pongs and duplicate ids."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mongars_client._config import resolve_settings
from mongars_client.errors import ConfigurationError
from mongars_client.streaming import (
    ChatMessage,
    Connected,
    Event,
    HistorySnapshot,
    ResponseChunk,
    ResponseComplete,
    StreamOptions,
    _Control,
    _Seen,
    _Session,
    default_origin,
    parse_frame,
    stream_url,
)


def frame(**fields: Any) -> str:
    return json.dumps(fields)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (frame(id="1", type="ws.connected", ts=1.5, user="u1", data={"origin": "o"}), Connected),
        (frame(id="2", type="history.snapshot", data={"items": []}), HistorySnapshot),
        (frame(id="3", type="chat.message", data={"query": "q", "response": "r"}), ChatMessage),
        (frame(id="4", type="ai_model.response_chunk", data={"delta": "x"}), ResponseChunk),
        (frame(id="5", type="ai_model.response_complete", data={"ok": True}), ResponseComplete),
        (frame(id="6", type="performance.alert", data={}), Event),
        (frame(id="7", type="ping", payload=None), _Control),
        (frame(id="8", type="ack", payload={"status": "ok"}), _Control),
    ],
)
def test_frames_are_classified(raw: str, kind: type) -> None:
    assert type(parse_frame(raw)) is kind


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        b"\xff\xfe",
        "[1, 2]",
        frame(type=5),
        frame(id=None, type="chat.message", data={}),
        frame(id="9", type="chat.message", data=[1]),
    ],
)
def test_unusable_frames_are_skipped(raw: str | bytes) -> None:
    assert parse_frame(raw) is None


def test_typed_accessors_tolerate_missing_fields() -> None:
    message = parse_frame(frame(id="1", type="chat.message", data={}))
    assert isinstance(message, ChatMessage)
    assert (message.query, message.response) == (None, None)
    chunk = parse_frame(frame(id="2", type="ai_model.response_chunk", data={"delta": 3}))
    assert isinstance(chunk, ResponseChunk)
    assert chunk.delta == ""


def test_the_duplicate_window_is_bounded() -> None:
    seen = _Seen(3)
    assert [seen.add(i) for i in ("a", "b", "a", "c", "d")] == [True, True, False, True, True]
    assert seen.add("a") is True  # forgotten: only the last three are remembered
    assert len(seen._ids) == 3


class _EndOfScript(Exception):
    pass


class ScriptedSocket:
    """Frames to receive, and what the session sent and queued."""

    def __init__(self, frames: list[str]) -> None:
        self.frames = frames
        self.sent: list[dict[str, Any]] = []
        self.queued: list[Any] = []

    async def recv(self, connection: Any) -> str:
        if not self.frames:
            raise _EndOfScript
        return self.frames.pop(0)

    async def send(self, connection: Any, text: str) -> None:
        self.sent.append(json.loads(text))

    async def put(self, item: Any) -> None:
        self.queued.append(item)

    def offer(self, item: Any) -> bool:
        self.queued.append(item)
        return True


async def test_pings_are_answered_and_duplicates_dropped() -> None:
    socket = ScriptedSocket(
        [
            frame(id="e1", type="chat.message", data={}),
            frame(id="p1", type="ping", payload=None),
            frame(id="e1", type="chat.message", data={}),
            frame(id="a1", type="ack", payload={"status": "ok"}),
            "garbage",
            frame(id="e2", type="chat.message", data={}),
        ]
    )
    settings = resolve_settings(base_url="http://127.0.0.1:1", environ={})

    async def no_ticket() -> str:
        raise AssertionError("not needed")

    session = _Session(
        socket=socket,  # type: ignore[arg-type]
        ticket=no_ticket,
        settings=settings,
        options=StreamOptions(),
        origin=None,
    )
    with pytest.raises(_EndOfScript):
        await session._read(connection=None)
    assert [event.id for event in socket.queued] == ["e1", "e2"]
    assert socket.sent == [{"id": "p1", "type": "pong"}]


def test_urls_and_origins() -> None:
    assert (
        stream_url("https://h.example.com/mongars", "T")
        == "wss://h.example.com/mongars/ws/chat/?t=T"
    )
    assert stream_url("http://127.0.0.1:8000", "T") == "ws://127.0.0.1:8000/ws/chat/?t=T"
    assert default_origin("https://h.example.com:8443/mongars") == "https://h.example.com:8443"


@pytest.mark.parametrize(
    ("base_url", "origin"),
    [
        ("http://user:hunter2@h.example.com:8000/api", "http://h.example.com:8000"),
        ("https://user@h.example.com", "https://h.example.com"),
        ("http://a%40b:p%40ss@[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_the_default_origin_never_carries_the_base_urls_user_information(
    base_url: str, origin: str
) -> None:
    # An Origin is scheme://host[:port]: a password in the base URL must not go out in it.
    assert default_origin(base_url) == origin


@pytest.mark.parametrize(
    "options",
    [
        {"max_queue": 0},
        {"max_queue": -1},
        {"max_reconnects": -1},
        {"close_timeout": -1.0},
        {"open_timeout": 0},
        {"ping_interval": 0},
        {"ping_timeout": -5.0},
        {"backoff_base": 0},
        {"backoff_cap": float("inf")},
        {"backoff_base": 2.0, "backoff_cap": 1.0},
        {"dedup_window": 0},
        {"max_frame": 0},
        {"max_pause": -1.0},
        {"max_queue": 1.5},
    ],
)
def test_nonsense_stream_options_are_refused(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError, match=next(iter(options))):
        StreamOptions(**options)


def test_sensible_stream_options_are_accepted() -> None:
    StreamOptions(max_queue=1, max_reconnects=0, ping_interval=None, ping_timeout=None)

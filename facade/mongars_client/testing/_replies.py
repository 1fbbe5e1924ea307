"""The simulated assistant: deterministic answers, their speech rendering and stream deltas."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

# What the real server answers when its model backend is down (PROTOCOL.md, "Chat").
FALLBACK_TEXT = "The response service is temporarily unavailable. Please try again in a moment."

WORDS_PER_SECOND = 2.5
_PAUSE_AFTER_SENTENCE = 0.35
_WORDS_PER_DELTA = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\S+\s*")


def iso(timestamp: float) -> str:
    """ISO-8601 in UTC with a `Z`, as the server writes times."""
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def answer(message: str) -> str:
    """A plausible, deterministic answer: it quotes the message, so tests can match it."""
    return (
        f'You said: "{message.strip()}". '
        "This answer comes from the monGARS simulator, which has no language model. "
        "It repeats your message so that tests can recognise the reply. "
        "Ask again and you will get the same answer."
    )


def speech_turn(text: str, *, now: float) -> dict[str, Any]:
    """`text` split into timed sentences, shaped like the server's `speech_turn`."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    segments = [
        {
            "text": sentence,
            "estimated_duration": round(len(sentence.split()) / WORDS_PER_SECOND, 3),
            "pause_after": _PAUSE_AFTER_SENTENCE if sentence[-1] in ".!?" else 0.0,
        }
        for sentence in sentences
    ]
    return {
        "turn_id": uuid.uuid4().hex,
        "text": text,
        "created_at": iso(now),
        "segments": segments,
        "average_words_per_second": WORDS_PER_SECOND,
        "tempo": 1.0,
    }


def deltas(text: str) -> list[str]:
    """Pieces of `text`, a few words each, whose concatenation is exactly `text`."""
    words = _WORD.findall(text)
    if not words or text[0].isspace():
        return [text]
    return [
        "".join(words[i : i + _WORDS_PER_DELTA]) for i in range(0, len(words), _WORDS_PER_DELTA)
    ]

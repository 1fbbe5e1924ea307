"""The generated models check JSON types (scripts/templates): the known gap, closed at its source.

openapi-python-client's own templates copied strings, numbers and booleans into the models
unchecked; ours make `from_dict` raise TypeError (or ValueError) for a wrong type or a null the
spec forbids, which the facade reports as `ResponseValidationError`.
"""

from __future__ import annotations

from typing import Any

import pytest

from mongars_api.models import ChatResponse, LLMHealthResponse, MemoryItem, SuggestResponse
from tests.facade.conftest import chat_body


def with_value(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of `body` with `value` at `path` (copying only what is on the way)."""
    if not path:
        return value
    head, *rest = path
    copy = list(body) if isinstance(body, list) else dict(body)
    copy[head] = with_value(body[head], tuple(rest), value)
    return copy


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("response",), None),  # a null where the spec says string
        (("response",), 42),
        (("confidence",), "0.9"),
        (("confidence",), True),  # a JSON boolean is not a number
        (("speech_turn",), [["text", "x"]]),  # a list of pairs is not an object
        (("speech_turn", "segments"), {"text": "x"}),  # an object is not an array
        (("speech_turn", "segments", 0, "text"), None),
        (("speech_turn", "created_at"), 1732356000),
    ],
)
def test_a_wrong_type_in_a_chat_response_raises(path: tuple[str | int, ...], value: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        ChatResponse.from_dict(with_value(chat_body(), path, value))


def test_the_right_types_still_parse() -> None:
    body = with_value(chat_body(), ("confidence",), 1)  # a JSON integer is a number
    assert ChatResponse.from_dict(body).confidence == 1
    item = {"user_id": "u1", "query": "q", "response": "r", "expires_at": None}
    assert MemoryItem.from_dict(item).expires_at is None  # nullable: null is fine
    health = LLMHealthResponse.from_dict({"status": "healthy", "backend": "local", "model": None})
    assert health.model is None


@pytest.mark.parametrize(
    ("model", "body"),
    [
        (MemoryItem, {"user_id": "u1", "query": "q", "response": "r", "expires_at": 5}),
        (MemoryItem, {"user_id": "u1", "query": "q", "response": "r", "timestamp": None}),
        (LLMHealthResponse, {"status": "healthy", "backend": "local", "last_check": "now"}),
        (SuggestResponse, {"actions": ["a", 1], "model": "m", "scores": {}}),
        (SuggestResponse, {"actions": "ab", "model": "m", "scores": {}}),  # not iterated as chars
        (SuggestResponse, {"actions": [], "model": "m", "scores": {"a": "high"}}),
    ],
)
def test_wrong_types_in_other_models_raise(model: Any, body: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        model.from_dict(body)

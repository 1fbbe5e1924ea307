"""openapi.json is ours in prose and the server's on the wire."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_spec_validator import validate

# Keys that never reach the wire: our prose may differ from the server's.
PROSE_KEYS = frozenset({"summary", "description", "title", "example", "examples", "externalDocs"})


def wire_view(node: Any) -> Any:
    """`node` without its prose keys (and without `info`, which describes the document)."""
    if isinstance(node, dict):
        return {k: wire_view(v) for k, v in node.items() if k not in PROSE_KEYS and k != "info"}
    if isinstance(node, list):
        return [wire_view(v) for v in node]
    return node


def wire_differences(ours: Any, theirs: Any, path: str = "$") -> list[str]:
    """JSON paths where two documents differ on the wire; empty when equivalent."""
    ours, theirs = wire_view(ours), wire_view(theirs)
    return _differences(ours, theirs, path)


def _differences(a: Any, b: Any, path: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(a.keys() | b.keys()):
            if key not in a:
                found.append(f"{path}.{key}: missing from ours")
            elif key not in b:
                found.append(f"{path}.{key}: not in the published spec")
            else:
                found += _differences(a[key], b[key], f"{path}.{key}")
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in _differences(x, y, f"{path}[{i}]")
        ]
    if a != b or type(a) is not type(b):
        return [f"{path}: ours {a!r}, published {b!r}"]
    return []


def test_our_spec_is_a_valid_openapi_document(our_spec: dict[str, Any]) -> None:
    validate(our_spec)


def test_our_spec_matches_the_published_one_on_the_wire(
    our_spec: dict[str, Any], published_spec: dict[str, Any]
) -> None:
    assert wire_differences(our_spec, published_spec) == []
    operations = [(m, p) for p, item in our_spec["paths"].items() for m in item]
    assert len(operations) == 24
    assert len(our_spec["components"]["schemas"]) == 30


def test_our_prose_is_our_own(our_spec: dict[str, Any], published_spec: dict[str, Any]) -> None:
    def prose(node: Any) -> set[str]:
        if isinstance(node, dict):
            own = {
                v for k, v in node.items() if k in {"summary", "description"} and isinstance(v, str)
            }
            return own.union(*(prose(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(prose(v) for v in node))
        return set()

    assert prose(our_spec)
    assert prose(our_spec) & prose(published_spec) == set()


def _chat_request(spec: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = spec["components"]["schemas"]["ChatRequest"]
    return schema


MUTATIONS = {
    "field removed": lambda s: _chat_request(s)["properties"].pop("session_id"),
    "required changed": lambda s: _chat_request(s)["required"].append("session_id"),
    "constraint changed": lambda s: _chat_request(s)["properties"]["message"].update(maxLength=999),
    "type changed": lambda s: s["components"]["schemas"]["WSTicketResponse"]["properties"][
        "ttl"
    ].update(type="number"),
    "operation removed": lambda s: s["paths"].pop("/ready"),
    "method removed": lambda s: s["paths"]["/api/v1/peer/telemetry"].pop("post"),
    "security removed": lambda s: s["paths"]["/api/v1/conversation/chat"]["post"].pop("security"),
    "content type changed": lambda s: s["paths"]["/token"]["post"]["requestBody"]["content"].update(
        {
            "multipart/form-data": s["paths"]["/token"]["post"]["requestBody"]["content"].pop(
                "application/x-www-form-urlencoded"
            )
        }
    ),
    "parameter made optional": lambda s: s["paths"]["/api/v1/conversation/history"]["get"][
        "parameters"
    ][0].update(required=False),
    "schema added": lambda s: s["components"]["schemas"].update(Extra={"type": "object"}),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_any_wire_change_is_reported(our_spec: dict[str, Any], mutation: str) -> None:
    changed = copy.deepcopy(our_spec)
    MUTATIONS[mutation](changed)
    assert wire_differences(changed, our_spec) != []


def test_prose_changes_are_not_reported(our_spec: dict[str, Any]) -> None:
    changed = copy.deepcopy(our_spec)
    changed["paths"]["/token"]["post"]["summary"] = "Something else"
    _chat_request(changed)["description"] = "Reworded."
    _chat_request(changed)["properties"]["message"]["title"] = "Text"
    assert wire_differences(changed, our_spec) == []

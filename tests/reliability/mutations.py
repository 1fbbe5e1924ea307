"""Walk a JSON document alongside its (resolved) schema, and break it in the ways the tests need.

A position is a place in the document with the schema that governs it. The mutators only pick
positions where the schema is definite about the JSON type, so that each mutation is known to
break the document (the tests also check that with jsonschema), or, for extra fields, known not to.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ALL_TYPES = frozenset({"null", "boolean", "integer", "number", "string", "array", "object"})
Path = tuple[str | int, ...]


def json_type(value: Any) -> str:
    """The JSON type of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def allowed_types(schema: dict[str, Any]) -> frozenset[str]:
    """The JSON types a value may have under `schema` (every type when it says nothing)."""
    if "anyOf" in schema:
        return frozenset().union(*(allowed_types(branch) for branch in schema["anyOf"]))
    if "const" in schema:
        return frozenset({json_type(schema["const"])})
    if "enum" in schema:
        return frozenset(json_type(value) for value in schema["enum"])
    declared = schema.get("type")
    if declared is None:
        return ALL_TYPES
    types = {declared} if isinstance(declared, str) else set(declared)
    if "number" in types:
        types.add("integer")  # every JSON integer is a number
    return frozenset(types)


def branch(schema: dict[str, Any], value: Any) -> dict[str, Any]:
    """The `anyOf` branch that `value` falls under (the schema itself when there is none)."""
    for option in schema.get("anyOf", ()):
        if json_type(value) in allowed_types(option):
            return branch(option, value)
    return schema


@dataclass(frozen=True)
class Position:
    """A value in the document and the schema it must satisfy."""

    path: Path
    schema: dict[str, Any]
    value: Any

    @property
    def allowed(self) -> frozenset[str]:
        """Its permitted JSON types."""
        return allowed_types(self.schema)


def positions(schema: dict[str, Any], document: Any, path: Path = ()) -> Iterator[Position]:
    """Every value of `document`, depth first, with its schema."""
    yield Position(path, schema, document)
    governing = branch(schema, document)
    if isinstance(document, dict):
        properties = governing.get("properties", {})
        extra = governing.get("additionalProperties", True)
        for key, value in document.items():
            sub = properties.get(key, extra if isinstance(extra, dict) else {})
            yield from positions(sub, value, (*path, key))
    elif isinstance(document, list):
        items = governing.get("items", {})
        for index, value in enumerate(document):
            yield from positions(items, value, (*path, index))


def replaced(document: Any, path: Path, value: Any) -> Any:
    """A copy of `document` with the value at `path` replaced (the whole document for `()`)."""
    if not path:
        return value
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return result


def removed(document: Any, path: Path) -> Any:
    """A copy of `document` without the object member at `path`."""
    result = copy.deepcopy(document)
    parent = result
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    return result


def required_members(schema: dict[str, Any], document: Any) -> list[Path]:
    """Paths of the required members present in the document: dropping one breaks it."""
    found: list[Path] = []
    for position in positions(schema, document):
        governing = branch(position.schema, position.value)
        if isinstance(position.value, dict):
            found += [
                (*position.path, name)
                for name in governing.get("required", ())
                if name in position.value
            ]
    return found


def typed_positions(schema: dict[str, Any], document: Any) -> list[Position]:
    """Positions whose schema rules out at least one JSON type other than null."""
    return [p for p in positions(schema, document) if p.allowed | {"null"} != ALL_TYPES]


def non_nullable_positions(schema: dict[str, Any], document: Any) -> list[Position]:
    """Positions where `null` is not allowed."""
    return [p for p in positions(schema, document) if "null" not in p.allowed]


def open_objects(schema: dict[str, Any], document: Any) -> list[Position]:
    """Objects that accept members they do not name (not maps with typed values)."""
    found = []
    for position in positions(schema, document):
        if isinstance(position.value, dict):
            extra = branch(position.schema, position.value).get("additionalProperties", True)
            if extra is not False and not isinstance(extra, dict):
                found.append(position)
    return found

"""Stable operation names for the generated client.

The server's operationIds are FastAPI's (`chat_api_v1_conversation_chat_post`): derived from its
Python function names and URL, they change whenever the server refactors. Our names come from
`scripts/operations.toml`, keyed by method and path, with one deterministic rule for operations the
mapping does not name yet, so a new endpoint gets a predictable name and an existing name only
changes when someone edits the mapping.
"""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

from mongars_client.spec_diff import (
    HTTP_METHODS,
    RESERVED_NAMES,
    OperationName,
    fallback_name,
    iter_operations,
    prefix_groups,
    snake,
)
from mongars_client.spec_diff import name_operations as _name_operations

__all__ = [
    "OperationName",
    "fallback_name",
    "iter_operations",
    "load_mapping",
    "name_operations",
    "normalise",
    "pascal",
    "prefix_groups",
    "snake",
]

MAPPING_PATH = Path(__file__).with_name("operations.toml")
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def pascal(text: str) -> str:
    """`issue_ws_ticket` -> `IssueWsTicket`."""
    return "".join(part.capitalize() for part in snake(text).split("_"))


def load_mapping(path: Path = MAPPING_PATH) -> dict[str, tuple[str, str]]:
    """Read the committed mapping: `"METHOD /path"` -> `(group, name)`, checked for typos."""
    with path.open("rb") as handle:
        raw = tomllib.load(handle).get("operations", {})
    mapping: dict[str, tuple[str, str]] = {}
    for key, dotted in raw.items():
        method, _, op_path = key.partition(" ")
        if method.lower() not in HTTP_METHODS or not op_path.startswith("/"):
            raise ValueError(f"{path.name}: key {key!r} is not 'METHOD /path'")
        group, _, name = str(dotted).partition(".")
        for part in (group, name):
            if not _IDENTIFIER.match(part):
                raise ValueError(f"{path.name}: {key!r} = {dotted!r} is not 'group.name'")
            if part in RESERVED_NAMES:
                raise ValueError(f"{path.name}: {key!r}: {part!r} is a Python name, choose another")
        mapping[f"{method.upper()} {op_path}"] = (group, name)
    return mapping


def name_operations(
    spec: dict[str, Any], mapping: dict[str, tuple[str, str]] | None = None
) -> list[OperationName]:
    """Name every operation of `spec` with the committed mapping (or `mapping`); raises
    `ValueError` if two end up with the same name. The rule lives in `mongars_client.spec_diff`,
    so that the package names operations as the generator does."""
    return _name_operations(spec, load_mapping() if mapping is None else mapping)


def normalise(
    spec: dict[str, Any], mapping: dict[str, tuple[str, str]] | None = None
) -> tuple[dict[str, Any], list[OperationName]]:
    """A copy of `spec` whose operationIds, tags and titles give the generator our names.

    The generator names modules after operationIds and groups them by first tag. It names the
    class of a schema after its title, and FastAPI's titles of inline schemas read like
    `Response Register User Api V1 User Register Post`. So every schema gets a title derived from
    our names: components their own key, an operation's inline bodies `<Group><Name>Body` and
    responses `<Group><Name>Response`, an inline object inside a schema `<Parent><Field>`.
    (`use_path_prefixes_for_title_model_names = false` in the generator config, so a title is the
    whole class name.)
    """
    out = copy.deepcopy(spec)
    names = name_operations(out, mapping)
    for op_name, (_, _, operation) in zip(names, iter_operations(out), strict=True):
        operation["operationId"] = op_name.name
        operation["tags"] = [op_name.group]
        prefix = pascal(op_name.group) + pascal(op_name.name)
        for media in operation.get("requestBody", {}).get("content", {}).values():
            _retitle(media.get("schema"), f"{prefix}Body")
        for status, response in operation.get("responses", {}).items():
            suffix = "Response" if status.startswith("2") else f"Response{status}"
            for media in response.get("content", {}).values():
                _retitle(media.get("schema"), prefix + suffix)
    for key, schema in out.get("components", {}).get("schemas", {}).items():
        _retitle(schema, key)
    return out, names


def _retitle(schema: Any, title: str) -> None:
    """Title `schema` (if it is an inline object) and the inline objects nested in it."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return
    for variant in (*schema.get("anyOf", ()), *schema.get("oneOf", ()), *schema.get("allOf", ())):
        _retitle(variant, title)
    _retitle(schema.get("items"), f"{title}Item")
    if isinstance(schema.get("additionalProperties"), dict):
        _retitle(schema["additionalProperties"], f"{title}Value")
    if schema.get("type") == "object" or "properties" in schema:
        schema["title"] = title
        for field, sub in schema.get("properties", {}).items():
            _retitle(sub, title + pascal(field))

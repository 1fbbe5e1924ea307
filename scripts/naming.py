"""Stable operation names for the generated client.

The server's operationIds are FastAPI's (`chat_api_v1_conversation_chat_post`): derived from its
Python function names and URL, they change whenever the server refactors. Our names come from
`scripts/operations.toml`, keyed by method and path, with one deterministic rule for operations the
mapping does not name yet, so a new endpoint gets a predictable name and an existing name only
changes when someone edits the mapping.
"""

from __future__ import annotations

import builtins
import copy
import keyword
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAPPING_PATH = Path(__file__).with_name("operations.toml")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
# The generator appends "_" to these (`list` becomes `list_`): refuse them in the mapping instead.
_RESERVED = {*keyword.kwlist, *dir(builtins), "self", "true", "false", "datetime"}
_VERSION_PREFIX = re.compile(r"^/api/v\d+(?=/|$)")


@dataclass(frozen=True)
class OperationName:
    """Where one operation lands in the generated package: `mongars_api.api.<group>.<name>`."""

    method: str
    path: str
    group: str
    name: str
    from_mapping: bool

    @property
    def key(self) -> str:
        """The mapping key of the operation, such as `POST /api/v1/conversation/chat`."""
        return f"{self.method.upper()} {self.path}"

    @property
    def dotted(self) -> str:
        """The `group.name` form used in the mapping and in reports."""
        return f"{self.group}.{self.name}"


def snake(text: str) -> str:
    """`rag-context` -> `rag_context`, `changePassword` -> `change_password`."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def pascal(text: str) -> str:
    """`issue_ws_ticket` -> `IssueWsTicket`."""
    return "".join(part.capitalize() for part in snake(text).split("_"))


def fallback_name(method: str, path: str) -> tuple[str, str]:
    """The rule for an operation the mapping does not name.

    The group is the first path segment after any `/api/vN` prefix; the name is the HTTP method
    followed by the remaining segments, with `{param}` read as `by_param`. Keeping the method in
    the name means two methods on one path can never collide.
    """
    segments = [s for s in _VERSION_PREFIX.sub("", path).split("/") if s]
    words = [f"by_{s[1:-1]}" if s.startswith("{") and s.endswith("}") else s for s in segments]
    group = snake(words[0]) if words else "root"
    name = snake("_".join([method, *words[1:]]))
    return _safe(group), _safe(name)


def _safe(identifier: str) -> str:
    if not identifier or identifier[0].isdigit():
        identifier = f"op_{identifier}"
    if identifier in _RESERVED:
        identifier = f"{identifier}_op"
    return identifier


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
            if part in _RESERVED:
                raise ValueError(f"{path.name}: {key!r}: {part!r} is a Python name, choose another")
        mapping[f"{method.upper()} {op_path}"] = (group, name)
    return mapping


def iter_operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every `(method, path, operation)` of a spec, in document order."""
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def name_operations(
    spec: dict[str, Any], mapping: dict[str, tuple[str, str]] | None = None
) -> list[OperationName]:
    """Name every operation of `spec`; raises `ValueError` if two end up with the same name."""
    mapping = load_mapping() if mapping is None else mapping
    names: list[OperationName] = []
    taken: dict[str, str] = {}
    for method, path, _ in iter_operations(spec):
        key = f"{method.upper()} {path}"
        if key in mapping:
            group, name = mapping[key]
            from_mapping = True
        else:
            group, name = fallback_name(method, path)
            from_mapping = False
        op = OperationName(method, path, group, name, from_mapping)
        if op.dotted in taken:
            raise ValueError(f"{key} and {taken[op.dotted]} would both be named {op.dotted}")
        taken[op.dotted] = key
        names.append(op)
    return names


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

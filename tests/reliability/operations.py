"""Every operation of `openapi.json`, as the reliability tests drive it through the SDK.

For each operation: its generated module, the success status and JSON schema of its answer (with
every `$ref` resolved in place, so that hypothesis-jsonschema and the mutators below can walk it),
its error answers, and how a user calls it: the facade's own method where there is one
(`client.chat(...)`, `client.login(...)` ...), else `client.call(module, **arguments)`.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mongars_api.types import Unset
from mongars_client import AsyncClient, Client
from scripts import naming
from tests.conftest import ROOT

SPEC: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())

PASSWORD = "reliability-password-1"
USERNAME = "u1"


def resolve(schema: Any, components: dict[str, Any] | None = None) -> Any:
    """`schema` with each local `$ref` replaced by a copy of its target (the spec has no cycles)."""
    components = SPEC["components"]["schemas"] if components is None else components
    if isinstance(schema, list):
        return [resolve(item, components) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        target = components[schema["$ref"].rsplit("/", 1)[1]]
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return resolve({**copy.deepcopy(target), **rest}, components)
    return {key: resolve(value, components) for key, value in schema.items()}


# Secrets as the server makes them: long and from a URL-safe alphabet. The SDK registers every
# token and ticket it receives as a secret to mask in logs; a fuzzed 4-letter "ticket" such as
# "HTTP" would then be masked in every log line, and flagged by the secret-capture fixture.
SECRET_STRING = {"type": "string", "pattern": "^[A-Za-z0-9._-]{20,80}$"}

# The login answer the facade needs: the spec leaves `POST /token`'s body untyped, the server
# (PROTOCOL.md) always sends these two strings, and `client.login()` turns them into a `Token`.
LOGIN_ANSWER = {
    "type": "object",
    "properties": {
        "access_token": SECRET_STRING,
        "token_type": {"type": "string", "pattern": "^[A-Za-z]{1,20}$"},
    },
    "required": ["access_token"],
}

Invoke = Callable[[Any], Any]


@dataclass(frozen=True)
class Operation:
    """One way of calling one operation, and what the server may answer it."""

    key: str  # "POST /api/v1/conversation/chat"
    name: str  # "conversation.chat", or "conversation.chat (client.chat)" for a facade method
    module: types.ModuleType
    status: int  # the success status
    schema: dict[str, Any]  # of the success answer
    error_statuses: tuple[int, ...]  # documented 4xx answers
    invoke: Invoke = field(repr=False)  # client -> result (a coroutine for an AsyncClient)


def _placeholder(annotation: Any, schema: Any) -> Any:
    """A value of the parameter's type: enough to build the request, which the mock ignores."""
    if isinstance(annotation, type) and hasattr(annotation, "from_dict"):
        return annotation.from_dict(minimal(resolve(schema)))
    return 1 if annotation is int else "x"


def minimal(schema: dict[str, Any]) -> Any:
    """The smallest document of a (resolved) schema: required members only, shortest values."""
    if "anyOf" in schema:
        return minimal(schema["anyOf"][0])
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: minimal(schema["properties"][name]) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "string":
        if schema.get("format") == "date-time":
            return "2025-11-23T10:00:00Z"
        # SECRET_STRING's pattern wants 20 characters or more; "x" fits every other string.
        return "x" * max(1, schema.get("minLength", 1), 20 if "pattern" in schema else 1)
    return {"integer": 1, "number": 1.0, "boolean": False}.get(kind, {})


def arguments(module: types.ModuleType, spec_operation: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for the endpoint's required parameters."""
    body_schema = next(
        iter(spec_operation.get("requestBody", {}).get("content", {}).values()), {}
    ).get("schema")
    arguments: dict[str, Any] = {}
    for name, parameter in inspect.signature(module.sync_detailed).parameters.items():
        if name == "client" or parameter.default is not inspect.Parameter.empty:
            continue
        annotation = parameter.annotation
        if isinstance(annotation, types.UnionType):  # `X | Unset`: take X
            annotation = next(a for a in annotation.__args__ if a is not Unset)
        arguments[name] = _placeholder(annotation, body_schema)
    return arguments


def _generic(module: types.ModuleType, arguments: dict[str, Any]) -> Invoke:
    return lambda client: client.call(module, **arguments)


# The facade's own methods, for the operations that have one (what most users call).
FACADE: dict[str, tuple[str, Invoke]] = {
    "POST /token": ("client.login", lambda c: c.login(USERNAME, PASSWORD)),
    "POST /api/v1/conversation/chat": ("client.chat", lambda c: c.chat("Hello")),
    "GET /api/v1/conversation/history": ("client.history", lambda c: c.history(user_id="u1")),
    "GET /healthz": ("client.health", lambda c: c.health()),
    "POST /api/v1/auth/ws/ticket": ("client.ws_ticket", lambda c: c.ws_ticket()),
    "POST /api/v1/user/register": ("client.register", lambda c: c.register("u1", PASSWORD)),
}


def _operations() -> list[Operation]:
    # The operations and their names come from openapi.json (a new one, pinned or not in
    # scripts/operations.toml, is covered without an edit here).
    found: list[Operation] = []
    for op in naming.name_operations(SPEC):
        spec_operation = SPEC["paths"][op.path][op.method]
        key, group, name = op.key, op.group, op.name
        module = importlib.import_module(f"mongars_api.api.{group}.{name}")
        responses = spec_operation["responses"]
        status = min(int(s) for s in responses if s.startswith("2"))
        content = responses[str(status)].get("content") or {}
        schema = resolve((content.get("application/json") or {}).get("schema", {}))
        errors = tuple(sorted(int(s) for s in responses if s.startswith("4")))
        generic = _generic(module, arguments(module, spec_operation))
        found.append(Operation(key, f"{group}.{name}", module, status, schema, errors, generic))
        if key in FACADE:
            method_name, invoke = FACADE[key]
            own_schema = LOGIN_ANSWER if key == "POST /token" else _with_secret_strings(schema)
            found.append(
                Operation(
                    key,
                    f"{group}.{name} ({method_name})",
                    module,
                    status,
                    own_schema,
                    errors,
                    invoke,
                )
            )
    return found


def _with_secret_strings(schema: dict[str, Any]) -> dict[str, Any]:
    """The ticket answer's `ticket` as the server makes it (see `SECRET_STRING`)."""
    if "ticket" not in schema.get("properties", {}):
        return schema
    return {**schema, "properties": {**schema["properties"], "ticket": SECRET_STRING}}


OPERATIONS = _operations()


def call(client: Client, operation: Operation) -> Any:
    """Run the operation on a blocking client."""
    return operation.invoke(client)


async def acall(client: AsyncClient, operation: Operation) -> Any:
    """Run the operation on an asyncio client."""
    return await operation.invoke(client)

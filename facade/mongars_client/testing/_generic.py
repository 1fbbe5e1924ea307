"""Generic answers: every operation of the spec the simulator does not implement by hand.

A spec update that adds an operation must not need a hand-written route before the simulator
(and so the suite) can serve it. For each operation of the served spec without a route of its
own, a generic route checks what the spec says the caller must send (a bearer token where the
operation has `security`, required query parameters, a JSON body where one is required, in the
order FastAPI checks them) and answers the operation's first success status with the smallest
document valid against its schema. It has no memory: the hand-written routes, which always win,
are where behaviour lives.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from mongars_client.spec_diff import iter_operations

# The largest nesting of schemas the example generator follows (the spec has no cycles, but a
# server's spec may: past this depth an empty value stands in).
_MAX_DEPTH = 32

Authenticate = Callable[[Request], Awaitable[Response | None]]


def add_generic_routes(app: FastAPI, spec: dict[str, Any], authenticate: Authenticate) -> None:
    """Add a generic route to `app` for each operation of `spec` it has no route for.

    `authenticate` returns the 401 answer for a request without a valid bearer token, else None.
    """
    served = {
        (method, getattr(route, "path", ""))
        for route in app.routes
        for method in (getattr(route, "methods", None) or ())
    }
    for method, path, operation in iter_operations(spec):
        if (method.upper(), path) in served:
            continue
        app.add_api_route(
            path,
            _endpoint(spec, operation, authenticate),
            methods=[method.upper()],
            include_in_schema=False,
        )


def _endpoint(
    spec: dict[str, Any], operation: dict[str, Any], authenticate: Authenticate
) -> Callable[[Request], Awaitable[Response]]:
    # The operation's own `security` (even `[]`: public) replaces the document's.
    secured = bool(operation["security"] if "security" in operation else spec.get("security"))
    responses = operation.get("responses") or {}
    success = [s for s in responses if str(s).startswith("2") and str(s).isdigit()]
    status = min((int(s) for s in success), default=200)
    content = (responses.get(str(status)) or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema")
    answer = None if schema is None else example(schema, spec)
    parameters = [_resolve(p, spec) for p in operation.get("parameters") or []]
    required_query = [
        str(p["name"]) for p in parameters if p.get("in") == "query" and p.get("required")
    ]
    body_required = bool((operation.get("requestBody") or {}).get("required"))

    async def generic(request: Request) -> Response:
        if secured:
            refused = await authenticate(request)
            if refused is not None:
                return refused
        errors = [
            _missing("query", name) for name in required_query if name not in request.query_params
        ]
        if body_required:
            raw = await request.body()
            try:
                json.loads(raw)
            except ValueError:
                errors.append(_missing("body") if not raw else _invalid_json())
        if errors:
            return JSONResponse({"detail": errors}, status_code=422)
        if answer is None:
            return Response(status_code=status)
        return JSONResponse(answer, status_code=status)

    return generic


def _missing(where: str, name: str | None = None) -> dict[str, Any]:
    loc = [where] if name is None else [where, name]
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}


def _invalid_json() -> dict[str, Any]:
    return {"type": "json_invalid", "loc": ["body"], "msg": "JSON decode error", "input": {}}


def _resolve(node: Any, spec: dict[str, Any]) -> Any:
    """`node` with its local `$ref` followed (one level; `example` follows nested ones)."""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref: str = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return {}
        seen.add(ref)
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target.get(part.replace("~1", "/").replace("~0", "~"), {})
        node = target
    return node


def example(schema: Any, spec: dict[str, Any], depth: int = 0) -> Any:
    """The smallest document valid against `schema`: required members only, shortest values."""
    schema = _resolve(schema, spec)
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            typed = [b for b in branches if _resolve(b, spec).get("type") != "null"]
            return example((typed or branches)[0], spec, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(part, spec, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else None
    if kind == "object":
        properties = schema.get("properties") or {}
        return {
            name: example(properties.get(name, {}), spec, depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [example(schema.get("items", {}), spec, depth + 1)] * int(schema.get("minItems", 0))
    if kind == "string":
        return _string(schema)
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return {}


def _bound(schema: dict[str, Any], key: str) -> float | None:
    value = schema.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    """The number closest to 0 within the schema's bounds (inclusive and exclusive alike)."""
    low, low_x = _bound(schema, "minimum"), _bound(schema, "exclusiveMinimum")
    high, high_x = _bound(schema, "maximum"), _bound(schema, "exclusiveMaximum")
    if integer:
        lows: list[int] = [math.ceil(low)] if low is not None else []
        lows += [math.floor(low_x) + 1] if low_x is not None else []
        highs: list[int] = [math.floor(high)] if high is not None else []
        highs += [math.ceil(high_x) - 1] if high_x is not None else []
        return min(max([0, *lows]), *highs) if highs else max([0, *lows])
    # Each side: the tightest bound, and whether it is exclusive (the tighter at equal values).
    below: list[tuple[float, bool]] = [
        (b, x) for b, x in ((low, False), (low_x, True)) if b is not None
    ]
    above: list[tuple[float, bool]] = [
        (b, x) for b, x in ((high, False), (high_x, True)) if b is not None
    ]
    floor = max(below, default=None)
    ceiling = min(above, key=lambda bound: (bound[0], not bound[1]), default=None)
    above_floor = floor is None or floor[0] < 0 or (floor[0] == 0 and not floor[1])
    below_ceiling = ceiling is None or ceiling[0] > 0 or (ceiling[0] == 0 and not ceiling[1])
    if above_floor and below_ceiling:
        return 0.0
    if floor is not None and ceiling is not None:
        return (floor[0] + ceiling[0]) / 2
    if floor is not None:
        return floor[0] + 1.0 if floor[1] else floor[0]
    assert ceiling is not None
    return ceiling[0] - 1.0 if ceiling[1] else ceiling[0]


def _string(schema: dict[str, Any]) -> str:
    formats = {
        "date-time": "2025-01-01T00:00:00Z",
        "date": "2025-01-01",
        "uuid": "00000000-0000-4000-8000-000000000000",
        "uri": "http://example.com/",
        "email": "user@example.com",
    }
    if schema.get("format") in formats:
        return formats[schema["format"]]
    empty_only = schema.get("maxLength") == 0
    text = "" if empty_only else "x" * max(1, int(schema.get("minLength", 1)))
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and re.search(pattern, text) is None:
        # A pattern "x" does not match: try the usual alphabets before giving up on it.
        for candidate in ("0" * len(text), "a" * len(text), "A" * len(text), "x-0"):
            if re.search(pattern, candidate):
                return candidate
    return text

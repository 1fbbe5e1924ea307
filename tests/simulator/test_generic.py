"""The simulator's generic answers: an operation of the served spec without a hand-written route
checks the caller's token and required inputs, then answers the smallest body valid against its
success schema; hand-written routes always win."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import jsonschema
import pytest

from mongars_client.spec_diff import iter_operations
from mongars_client.testing import Simulator
from mongars_client.testing._generic import example
from tests.simulator.support import PASSWORD, SPEC, bearer, login, schema_violations


def validator(schema: dict[str, Any], spec: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        {**schema, "components": spec["components"]}, format_checker=jsonschema.FormatChecker()
    )


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, _ in iter_operations(SPEC)], ids=lambda x: str(x)
)
def test_the_example_of_every_success_schema_of_our_spec_is_valid(method: str, path: str) -> None:
    responses = SPEC["paths"][path][method]["responses"]
    status = min(s for s in responses if s.startswith("2"))
    schema = responses[status]["content"]["application/json"]["schema"]
    assert list(validator(schema, SPEC).iter_errors(example(schema, SPEC))) == []


def with_new_operations() -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    error = SPEC["paths"]["/api/v1/peer/message"]["post"]["responses"]["422"]
    spec["components"]["schemas"]["PeerLoad"] = {
        "type": "object",
        "required": ["peer_id", "loads", "observed_at", "state"],
        "properties": {
            "peer_id": {"type": "string", "minLength": 3},
            "loads": {"type": "array", "items": {"type": "number"}, "minItems": 2},
            "observed_at": {"type": "string", "format": "date-time"},
            "state": {"type": "string", "enum": ["busy", "idle"]},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    }
    ok = {
        "description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PeerLoad"}}},
    }
    spec["paths"]["/api/v1/peer/{peer_id}/load"] = {
        "get": {
            "security": [{"OAuth2PasswordBearer": []}],
            "parameters": [
                {"name": "peer_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {"name": "window", "in": "query", "required": True, "schema": {"type": "integer"}},
            ],
            "responses": {"200": ok, "422": error},
        }
    }
    spec["paths"]["/api/v1/peer/notes"] = {
        "post": {
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {"201": ok, "422": error},
        }
    }
    # A hand-written operation whose documented answer changed: the simulator's own still wins.
    spec["paths"]["/healthz"]["get"]["responses"]["200"]["content"]["application/json"] = {
        "schema": {"type": "object", "required": ["uptime"], "properties": {"uptime": {}}}
    }
    return spec


def test_generic_answers_check_token_and_inputs_then_fit_the_schema() -> None:
    spec = with_new_operations()
    with Simulator(users={"u1": PASSWORD}, spec=spec) as sim:
        base = sim.base_url
        token = login(sim)
        anonymous = httpx.get(f"{base}/api/v1/peer/p-7/load", params={"window": 5})
        missing = httpx.get(f"{base}/api/v1/peer/p-7/load", headers=bearer(token))
        good = httpx.get(
            f"{base}/api/v1/peer/p-7/load", params={"window": 5}, headers=bearer(token)
        )
        no_body = httpx.post(f"{base}/api/v1/peer/notes")
        bad_body = httpx.post(f"{base}/api/v1/peer/notes", content=b"{not json")
        created = httpx.post(f"{base}/api/v1/peer/notes", json={"text": "hi"})
        health = httpx.get(f"{base}/healthz")
        published = httpx.get(f"{base}/openapi.json")

    assert (anonymous.status_code, anonymous.json()) == (401, {"detail": "Not authenticated"})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "window"]
    assert good.status_code == 200
    schema = {"$ref": "#/components/schemas/PeerLoad"}
    assert list(validator(schema, spec).iter_errors(good.json())) == []
    assert good.json()["loads"] == [0.0, 0.0]
    assert [r.status_code for r in (no_body, bad_body, created)] == [422, 422, 201]
    error_schema = SPEC["paths"]["/api/v1/peer/message"]["post"]["responses"]["422"]
    error_schema = error_schema["content"]["application/json"]["schema"]
    for refused in (missing, no_body, bad_body):
        assert list(validator(error_schema, SPEC).iter_errors(refused.json())) == []
    assert health.json() == {"status": "ok"}
    assert published.json() == json.loads(json.dumps(spec))


def test_the_default_spec_is_the_sdks_and_can_be_hidden() -> None:
    with Simulator() as sim:
        assert httpx.get(f"{sim.base_url}/openapi.json").json() == SPEC
    with Simulator(publish_spec=False) as sim:
        assert httpx.get(f"{sim.base_url}/openapi.json").status_code == 404


def test_the_walk_refuses_an_empty_body_where_the_spec_documents_one() -> None:
    # The spec walk's validator lets an empty body through only for an answer the spec gives
    # no JSON content: else a route answering nothing at all would pass the walk.
    empty = httpx.Response(200, content=b"")
    assert schema_violations("POST", "/api/v1/conversation/chat", empty) != []
    assert schema_violations("GET", "/healthz", empty) != []


def test_an_operation_with_an_empty_security_list_is_public_under_a_global_requirement() -> None:
    # OpenAPI: an operation's `security: []` removes the document's global requirement.
    spec = copy.deepcopy(SPEC)
    spec["security"] = [{"OAuth2PasswordBearer": []}]
    ok = {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
    spec["paths"]["/api/v1/peer/public"] = {"get": {"security": [], "responses": {"200": ok}}}
    spec["paths"]["/api/v1/peer/guarded"] = {"get": {"responses": {"200": ok}}}
    with Simulator(spec=spec) as sim:
        assert httpx.get(f"{sim.base_url}/api/v1/peer/public").status_code == 200
        assert httpx.get(f"{sim.base_url}/api/v1/peer/guarded").status_code == 401


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},  # Field(gt=0, lt=1)
        {"type": "number", "exclusiveMaximum": 0},
        {"type": "number", "minimum": 2.5, "maximum": 3},
        {"type": "number", "exclusiveMinimum": -10, "maximum": -2},
        {"type": "integer", "exclusiveMaximum": 0},
        {"type": "integer", "minimum": 0.5},
        {"type": "integer", "exclusiveMinimum": 0, "maximum": 5},
        {"type": "integer", "maximum": -3},
        {"type": "string", "maxLength": 0},
    ],
    ids=str,
)
def test_the_example_of_a_bounded_value_is_within_its_bounds(schema: dict[str, Any]) -> None:
    value = example(schema, {})
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(value)) == []

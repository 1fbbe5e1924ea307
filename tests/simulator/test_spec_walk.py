"""Must show 1: every operation of openapi.json, driven with the generated client, answers with a
body that validates against the spec's schema for that operation and status.

The walk below calls the operations the simulator implements by hand with meaningful inputs;
every other operation of openapi.json (one a spec update added) is then called generically, from
the list in the spec, so an additive update needs no edit here."""

from __future__ import annotations

import datetime
import importlib
import json
from typing import Any

import httpx

from mongars_api.api.auth import issue_ws_ticket, login
from mongars_api.api.conversation import chat, history
from mongars_api.api.llm import approve, health
from mongars_api.api.llm import chat as llm_chat
from mongars_api.api.models import configuration, provision
from mongars_api.api.peers import (
    list_peers,
    load,
    publish_telemetry,
    register,
    send_message,
    telemetry,
    unregister,
)
from mongars_api.api.review import rag_context
from mongars_api.api.system import healthz, ready
from mongars_api.api.ui import suggestions
from mongars_api.api.users import change_password, list_users, register_admin
from mongars_api.api.users import register as register_user
from mongars_api.client import AuthenticatedClient, Client
from mongars_api.models import (
    ChatRequest,
    LLMModelProvisionRequest,
    LoginForm,
    PasswordChangeRequest,
    PeerMessage,
    PeerRegistration,
    PeerTelemetryPayload,
    RagContextRequest,
    SuggestRequest,
    UserRegistration,
)
from mongars_client.testing import Simulator
from scripts import naming
from tests.reliability.operations import arguments
from tests.simulator.support import PASSWORD, SPEC, schema_violations, spec_path

INVALID_USER = UserRegistration(username="not a valid name!", password="short")


def spec_answers() -> set[tuple[str, str, int]]:
    """Every (method, path, status) the spec documents."""
    return {
        (method.upper(), path, int(status))
        for path, operations in SPEC["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }


def walk(anonymous: Client, user: AuthenticatedClient, admin: AuthenticatedClient) -> None:
    """One valid call of every operation, and one invalid call of each that documents a 422."""
    raw = user.get_httpx_client()
    assert healthz.sync_detailed(client=anonymous).status_code == 200
    assert ready.sync_detailed(client=anonymous).status_code == 200
    assert health.sync_detailed(client=anonymous).status_code == 200
    register_user.sync_detailed(client=anonymous, body=INVALID_USER)
    register_admin.sync_detailed(client=anonymous, body=INVALID_USER)
    anonymous.get_httpx_client().post("/token", json={"username": "u1", "password": PASSWORD})

    assert issue_ws_ticket.sync_detailed(client=user).status_code == 200
    for message in ("Summarise our latest incident report", ""):
        chat.sync_detailed(client=user, body=ChatRequest(message=message))
        llm_chat.sync_detailed(client=user, body=ChatRequest(message=message))
    assert history.sync_detailed(client=user, user_id="u1", limit=5).status_code == 200
    raw.get("/api/v1/conversation/history")  # no user_id: 422

    for password in (PASSWORD, "short"):
        body = PasswordChangeRequest(old_password=password, new_password=password)
        change_password.sync_detailed(client=user, body=body)
    assert list_users.sync_detailed(client=admin).status_code == 200

    for url in ("http://peer.example:8000", ""):
        register.sync_detailed(client=user, body=PeerRegistration(url=url))
    assert list_peers.sync_detailed(client=user).status_code == 200
    for url in ("http://peer.example:8000", ""):
        unregister.sync_detailed(client=user, body=PeerRegistration(url=url))
    for payload in ("c2VjcmV0", ""):
        send_message.sync_detailed(client=user, body=PeerMessage(payload=payload))
    assert load.sync_detailed(client=user).status_code == 200
    observed = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    for depth in (3, -1):
        body = PeerTelemetryPayload(scheduler_id="peer-1", queue_depth=depth, observed_at=observed)
        publish_telemetry.sync_detailed(client=user, body=body)
    assert telemetry.sync_detailed(client=user).status_code == 200

    assert configuration.sync_detailed(client=user).status_code == 200
    provision.sync_detailed(client=user, body=LLMModelProvisionRequest(roles=["general", "x"]))
    raw.post("/api/v1/models/provision", json={"roles": "not a list"})
    for query in ("websocket heartbeat", ""):
        rag_context.sync_detailed(client=user, body=RagContextRequest(query=query, max_results=2))
    for prompt in ("please explain this code", ""):
        suggestions.sync_detailed(client=user, body=SuggestRequest(prompt=prompt))
    assert approve.sync_detailed(client=user, token="abc", operator_id="op").status_code == 200
    raw.post("/llm/security/approve")  # no query parameters: 422


def has_inputs(operation: dict[str, Any]) -> bool:
    """Whether the operation has something to leave out for a 422: a body or required params."""
    required = [p for p in operation.get("parameters", []) if p.get("required")]
    return "requestBody" in operation or bool(required)


def walk_the_rest(user: AuthenticatedClient, walked: set[tuple[str, str]]) -> None:
    """Every operation of the spec the walk above did not call: once with the inputs the spec
    asks for, and once without them where the spec documents a 422."""
    for op in naming.name_operations(SPEC):
        if (op.method.upper(), op.path) in walked:
            continue
        module = importlib.import_module(f"mongars_api.api.{op.dotted}")
        operation = SPEC["paths"][op.path][op.method]
        module.sync_detailed(client=user, **arguments(module, operation))
        if "422" in operation["responses"] and has_inputs(operation):
            user.get_httpx_client().request(
                op.method.upper(), op.path.replace("{", "").replace("}", "")
            )


def expected_answers() -> set[tuple[str, str, int]]:
    """`spec_answers()`, less the 422 of an operation that has no input to leave out."""
    return {
        (method, path, status)
        for method, path, status in spec_answers()
        if status != 422 or has_inputs(SPEC["paths"][path][method.lower()])
    }


def test_every_operation_validates_against_the_spec() -> None:
    seen: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        seen.append(response)

    hooks = {"event_hooks": {"response": [keep]}}
    with (
        Simulator(chat_rate_limit=None, admin_bootstrap=True) as sim,
        Client(base_url=sim.base_url, httpx_args=hooks) as anonymous,
    ):
        for name, create in (("u1", register_user), ("root", register_admin)):
            body = UserRegistration(username=name, password=PASSWORD)
            assert create.sync_detailed(client=anonymous, body=body).status_code == 200
        tokens = {
            name: json.loads(
                login.sync_detailed(
                    client=anonymous, body=LoginForm(username=name, password=PASSWORD)
                ).content
            )["access_token"]
            for name in ("u1", "root")
        }
        with (
            AuthenticatedClient(sim.base_url, tokens["u1"], httpx_args=hooks) as user,
            AuthenticatedClient(sim.base_url, tokens["root"], httpx_args=hooks) as admin,
        ):
            walk(anonymous, user, admin)
            walk_the_rest(user, {(r.request.method, spec_path(r.request.url.path)) for r in seen})

    answers = [(r.request.method, spec_path(r.request.url.path), r) for r in seen]
    violations = [v for method, path, r in answers for v in schema_violations(method, path, r)]
    assert violations == []
    assert {(method, path, r.status_code) for method, path, r in answers} == expected_answers()

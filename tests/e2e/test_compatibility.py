"""`client.check_compatibility()` against simulators publishing our spec, an older one, a newer one
and none: both clients, over real sockets."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from mongars_client.compat import CompatibilityReport, sdk_spec
from mongars_client.testing import Simulator
from tests.conftest import OLDER_SPEC, ROOT, shared_file
from tests.e2e.conftest import make_client

Spec = dict[str, Any]
PASSWORD = "password-compat-1"


def our_spec() -> Spec:
    spec: Spec = json.loads((ROOT / "openapi.json").read_text())
    return spec


def older(spec: Spec) -> None:
    """A server from before `POST /llm/chat`, whose chat answer had no `speech_turn`."""
    del spec["paths"]["/llm/chat"]
    chat_response = spec["components"]["schemas"]["ChatResponse"]
    del chat_response["properties"]["speech_turn"]
    chat_response["required"].remove("speech_turn")


def newer(spec: Spec) -> None:
    """A server with an operation and a response field this SDK does not know."""
    spec["paths"]["/api/v1/peer/loads"] = {
        "get": {
            "security": [{"OAuth2PasswordBearer": []}],
            "responses": {
                "200": {
                    "description": "Successful Response",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["loads"],
                                "properties": {"loads": {"type": "array", "items": {}}},
                            }
                        }
                    },
                }
            },
        }
    }
    chat_response = spec["components"]["schemas"]["ChatResponse"]
    chat_response["properties"]["model"] = {"type": "string", "title": "Model"}


@pytest.fixture(params=["sync", "async"])
def check(
    request: pytest.FixtureRequest, portal: BlockingPortal
) -> Iterator[Callable[..., CompatibilityReport]]:
    """Run `check_compatibility()` with a client of each kind against a simulator built with
    the given arguments; the simulator is kept in `check.sim` for the assertions."""
    stack: list[Any] = []

    def run(**sim_options: Any) -> CompatibilityReport:
        sim = Simulator(users={"u1": PASSWORD}, **sim_options)
        sim.start()
        stack.append(sim)
        run.sim = sim  # type: ignore[attr-defined]
        with make_client(request.param, portal, sim.base_url) as client:
            report: CompatibilityReport = client.check_compatibility()
        return report

    yield run
    for sim in stack:
        sim.stop()


def test_the_spec_we_were_generated_from_is_compatible(
    check: Callable[..., CompatibilityReport],
) -> None:
    assert sdk_spec() == our_spec()
    report = check()
    assert (report.status, report.changes, report.ok) == ("compatible", (), True)


def test_prose_only_differences_are_compatible(check: Callable[..., CompatibilityReport]) -> None:
    spec = our_spec()
    spec["info"]["description"] = "Rewritten prose"
    spec["components"]["schemas"]["ChatRequest"]["description"] = "Other words"
    assert check(spec=spec).status == "compatible"


def test_an_older_server_is_incompatible_naming_operation_and_field(
    check: Callable[..., CompatibilityReport],
) -> None:
    spec = our_spec()
    older(spec)
    report = check(spec=spec)
    assert report.status == "incompatible"
    assert not report.ok
    found = {(c.operation, c.endpoint, c.kind, c.where) for c in report.changes}
    assert ("llm.chat", "POST /llm/chat", "operation-removed", "") in found
    assert (
        "conversation.chat",
        "POST /api/v1/conversation/chat",
        "field-removed",
        "response 200 field `speech_turn`",
    ) in found
    assert "conversation.chat" in report.detail
    assert "llm.chat (POST /llm/chat): operation removed" in report.describe()


def test_the_published_2025_10_17_server_is_incompatible(
    check: Callable[..., CompatibilityReport],
) -> None:
    report = check(spec=shared_file(OLDER_SPEC))
    assert report.status == "incompatible"
    removed = {c.operation for c in report.changes if c.kind == "operation-removed"}
    assert removed == {"llm.chat", "llm.health", "llm.approve"}


def test_a_newer_server_is_server_newer_and_serves_what_it_adds(
    check: Callable[..., CompatibilityReport],
) -> None:
    spec = our_spec()
    newer(spec)
    report = check(spec=spec)
    assert (report.status, report.ok) == ("server_newer", True)
    assert {(c.kind, c.operation) for c in report.changes} == {
        ("operation-added", "peers.get_loads"),
        ("field-added", "conversation.chat"),
        ("field-added", "llm.chat"),
    }
    # The simulator answers the operation it does not implement from the spec.
    sim = check.sim  # type: ignore[attr-defined]
    token = httpx.post(
        f"{sim.base_url}/token", data={"username": "u1", "password": PASSWORD}
    ).json()["access_token"]
    assert httpx.get(f"{sim.base_url}/api/v1/peer/loads").status_code == 401
    answer = httpx.get(
        f"{sim.base_url}/api/v1/peer/loads", headers={"Authorization": f"Bearer {token}"}
    )
    assert (answer.status_code, answer.json()) == (200, {"loads": []})


def test_a_server_without_a_published_spec_is_unknown_not_an_error(
    check: Callable[..., CompatibilityReport],
) -> None:
    report = check(publish_spec=False)
    assert report.status == "unknown"
    assert "404" in report.detail
    assert report.ok


def test_the_check_is_anonymous_whatever_the_credentials(portal: BlockingPortal) -> None:
    # A wrong password configured must not turn the (public) spec into a login failure.
    with Simulator(users={"u1": PASSWORD}) as sim:
        for mode in ("sync", "async"):
            with make_client(
                mode, portal, sim.base_url, username="u1", password="not-the-password"
            ) as client:
                assert client.check_compatibility().status == "compatible"
        assert [p for _, p, _ in sim.requests] == ["/openapi.json", "/openapi.json"]


def test_the_shipped_spec_is_the_one_the_package_was_generated_from() -> None:
    shipped = ROOT / "generated" / "mongars_api" / "openapi.json"
    assert shipped.read_bytes() == (ROOT / "openapi.json").read_bytes()
    assert copy.deepcopy(sdk_spec()) == our_spec()

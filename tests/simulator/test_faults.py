"""Must show 3, faults: every switch of `sim.faults`, and the other test controls."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidMessage, InvalidStatus
from websockets.sync.client import connect as connect_sync

from mongars_client.testing import Simulator
from tests.simulator.support import (
    PASSWORD,
    TIMEOUT,
    bearer,
    login,
    open_stream,
    receive,
    schema_violations,
    ticket,
)

EXPIRED = "Invalid token: Token verification failed: Signature has expired."
MODELS = "/api/v1/models"


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    return {"users": {"u1": PASSWORD}}


@pytest.fixture
def user(simulator: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.base_url, headers=bearer(login(simulator))) as client:
        yield client


# fail_next
def test_fail_next_answers_the_status_with_a_detail(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.fail_next(status=503)
    response = user.get(MODELS)
    assert (response.status_code, response.json()) == (503, {"detail": "Service Unavailable"})


def test_fail_next_fails_count_requests_then_serves(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.fail_next(2, status=502)
    assert [user.get(MODELS).status_code for _ in range(3)] == [502, 502, 200]


def test_fail_next_with_a_path_leaves_other_paths_alone(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.fail_next(status=503, path="/api/v1/peer/list")
    statuses = [user.get(path).status_code for path in (MODELS, "/api/v1/peer/list", MODELS)]
    assert statuses == [200, 503, 200]


def test_fail_next_sends_retry_after_when_asked(simulator: Simulator, user: httpx.Client) -> None:
    simulator.faults.fail_next(status=429, retry_after=2)
    assert user.get(MODELS).headers["retry-after"] == "2"


def test_fail_next_sends_no_retry_after_by_default(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.fail_next(status=503)
    assert "retry-after" not in user.get(MODELS).headers


def test_fail_next_refuses_a_websocket_handshake_with_the_status(simulator: Simulator) -> None:
    uri = f"{simulator.ws_url}?t={ticket(simulator, login(simulator))}"
    simulator.faults.fail_next(status=503, path="/ws/chat/")
    with (
        pytest.raises(InvalidStatus) as refused,
        connect_sync(uri, origin=simulator.origin, open_timeout=TIMEOUT),
    ):
        pass
    assert refused.value.response.status_code == 503


# latency
def test_latency_delays_every_answer_until_cleared(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.latency(60)
    with pytest.raises(httpx.ReadTimeout):
        user.get("/healthz", timeout=0.5)
    simulator.faults.clear()
    assert user.get("/healthz").status_code == 200


# malformed_next
def test_malformed_next_breaks_the_body_against_the_spec(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.malformed_next(path=MODELS)
    response = user.get(MODELS)
    assert (response.status_code, bool(schema_violations("GET", MODELS, response))) == (200, True)


def test_malformed_next_breaks_array_bodies_too(simulator: Simulator, user: httpx.Client) -> None:
    simulator.faults.malformed_next()
    response = user.get("/api/v1/peer/list")
    assert schema_violations("GET", "/api/v1/peer/list", response) != []


def test_malformed_next_is_used_up_after_count(simulator: Simulator, user: httpx.Client) -> None:
    simulator.faults.malformed_next(1)
    user.get(MODELS)
    assert schema_violations("GET", MODELS, user.get(MODELS)) == []


def test_malformed_next_waits_for_a_successful_answer(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.malformed_next(1)
    user.get("/api/v1/user/list")  # 403: passes through untouched
    assert schema_violations("GET", MODELS, user.get(MODELS)) != []


# reset_next
def test_reset_next_drops_the_connection_without_an_answer(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.reset_next()
    with pytest.raises(httpx.RemoteProtocolError):
        user.get(MODELS)


def test_reset_next_is_recorded_with_status_0_and_then_serves(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.reset_next(path=MODELS)
    with pytest.raises(httpx.RemoteProtocolError):
        user.get(MODELS)
    user.get(MODELS)
    assert simulator.requests[-2:] == [("GET", MODELS, 0), ("GET", MODELS, 200)]


def test_reset_next_drops_a_websocket_handshake_without_an_answer(simulator: Simulator) -> None:
    uri = f"{simulator.ws_url}?t={ticket(simulator, login(simulator))}"
    simulator.faults.reset_next(path="/ws/chat/")
    with (
        pytest.raises(InvalidMessage),  # the connection closed before any HTTP response
        connect_sync(uri, origin=simulator.origin, open_timeout=TIMEOUT),
    ):
        pass


# drop_websockets
@pytest.mark.anyio
async def test_drop_websockets_aborts_sockets_without_a_close_frame() -> None:
    async with Simulator(users={"u1": PASSWORD}) as sim:
        async with open_stream(sim, login(sim)) as ws:
            sim.faults.drop_websockets()
            with pytest.raises(ConnectionClosed) as closed:
                await receive(ws)
        assert (closed.value.rcvd, ws.close_code, sim.ws_closes) == (None, 1006, [])


# close_streams_next
@pytest.mark.anyio
@pytest.mark.parametrize("code", [1011, 1012, 1013])
async def test_close_streams_next_greets_then_closes_with_the_code(code: int) -> None:
    async with Simulator(users={"u1": PASSWORD}) as sim:
        token = login(sim)
        sim.faults.close_streams_next(2, code=code)
        for _ in range(2):  # the greeting arrives first, as from an overloaded server
            async with open_stream(sim, token) as ws:
                with pytest.raises(ConnectionClosed) as closed:
                    await receive(ws)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == code
        async with open_stream(sim, token) as ws:  # used up: the next one stays open
            sim.publish("u1", "still.open", {})
            assert (await receive(ws))["type"] == "still.open"


# model_down and clear
def test_model_down_makes_llm_health_unhealthy(simulator: Simulator, user: httpx.Client) -> None:
    simulator.faults.model_down()
    assert user.get("/llm/health").json()["status"] == "unhealthy"


def test_clear_forgets_every_fault(simulator: Simulator, user: httpx.Client) -> None:
    simulator.faults.fail_next(5)
    simulator.faults.reset_next(5)
    simulator.faults.malformed_next(5)
    simulator.faults.model_down()
    simulator.faults.clear()
    response = user.get("/llm/health")
    assert (response.status_code, response.json()["status"]) == (200, "healthy")


def test_a_fault_count_below_1_is_refused(simulator: Simulator) -> None:
    with pytest.raises(ValueError, match="count"):
        simulator.faults.fail_next(0)


# Other controls
def test_expire_tokens_expires_tokens_issued_before(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.expire_tokens()
    response = user.get(MODELS)
    assert (response.status_code, response.json()["detail"]) == (401, EXPIRED)


def test_tokens_issued_after_expire_tokens_work(simulator: Simulator) -> None:
    login(simulator)
    simulator.expire_tokens()
    fresh = login(simulator)
    assert httpx.get(simulator.base_url + MODELS, headers=bearer(fresh)).status_code == 200


def test_requests_records_method_path_and_status(simulator: Simulator, user: httpx.Client) -> None:
    user.get(MODELS, params={"unused": "query"})
    user.get("/api/v1/user/list")
    assert simulator.requests[-2:] == [("GET", MODELS, 200), ("GET", "/api/v1/user/list", 403)]


@pytest.mark.anyio
async def test_requests_records_websocket_handshakes() -> None:
    async with Simulator(users={"u1": PASSWORD}) as sim:
        async with open_stream(sim, login(sim)):
            pass
        with pytest.raises(InvalidStatus):
            async with websockets.connect(sim.ws_url, origin=sim.origin):
                pass
        assert [r for r in sim.requests if r[1] == "/ws/chat/"] == [
            ("GET", "/ws/chat/", 101),
            ("GET", "/ws/chat/", 403),
        ]


def test_add_user_creates_an_account(simulator: Simulator) -> None:
    simulator.add_user("late", PASSWORD)
    assert login(simulator, "late")


def test_add_user_refuses_a_taken_name(simulator: Simulator) -> None:
    with pytest.raises(ValueError, match="exists"):
        simulator.add_user("u1", PASSWORD)

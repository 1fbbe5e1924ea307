"""Must show 3, HTTP side: each fact of PROTOCOL.md the simulator reproduces, one test per fact."""

from __future__ import annotations

import base64
import json
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mongars_client.testing import Simulator
from tests.simulator.support import PASSWORD, TIMEOUT, bearer, login

CHAT = "/api/v1/conversation/chat"
HISTORY = "/api/v1/conversation/history"
REGISTER = "/api/v1/user/register"
REGISTER_ADMIN = "/api/v1/user/register/admin"
EXPIRED = "Invalid token: Token verification failed: Signature has expired."


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    return {"users": {"u1": PASSWORD, "u2": PASSWORD}, "admins": {"root": PASSWORD}}


@pytest.fixture
def http(simulator: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=simulator.base_url) as client:
        yield client


@pytest.fixture
def user(simulator: Simulator, http: httpx.Client) -> httpx.Client:
    """`http`, logged in as u1."""
    http.headers.update(bearer(login(simulator)))
    return http


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def detail(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json()["detail"]


# Health
def test_healthz_answers_ok(http: httpx.Client) -> None:
    response = http.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_answers_ready(http: httpx.Client) -> None:
    response = http.get("/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


# Users and login
def test_open_registration_creates_an_ordinary_user(http: httpx.Client) -> None:
    response = http.post(REGISTER, json={"username": "new_user-1", "password": PASSWORD})
    assert (response.status_code, response.json()) == (
        200,
        {"status": "registered", "is_admin": False},
    )


@pytest.mark.parametrize(
    "username", ["with space", "dots.are.out", "x" * 151, ""], ids=["space", "dot", "151", "empty"]
)
def test_a_username_outside_the_pattern_or_150_characters_is_a_422(
    http: httpx.Client, username: str
) -> None:
    assert http.post(REGISTER, json={"username": username, "password": PASSWORD}).status_code == 422


def test_a_password_under_8_characters_is_a_422(http: httpx.Client) -> None:
    assert (
        http.post(REGISTER, json={"username": "shorty", "password": "1234567"}).status_code == 422
    )


def test_a_duplicate_username_is_a_409(http: httpx.Client) -> None:
    response = http.post(REGISTER, json={"username": "u1", "password": PASSWORD})
    assert detail(response) == (409, "Username already exists")


def test_a_form_encoded_registration_is_a_422(http: httpx.Client) -> None:
    assert http.post(REGISTER, data={"username": "formy", "password": PASSWORD}).status_code == 422


def test_admin_bootstrap_is_disabled_by_default(http: httpx.Client) -> None:
    response = http.post(REGISTER_ADMIN, json={"username": "boss", "password": PASSWORD})
    assert detail(response) == (403, "Admin bootstrap is disabled")


def test_admin_bootstrap_registers_the_first_admin() -> None:
    with Simulator(admin_bootstrap=True) as sim:
        response = httpx.post(
            sim.base_url + REGISTER_ADMIN, json={"username": "boss", "password": PASSWORD}
        )
    assert (response.status_code, response.json()) == (
        200,
        {"status": "registered", "is_admin": True},
    )


def test_admin_bootstrap_refuses_a_second_admin() -> None:
    with Simulator(admin_bootstrap=True, admins={"root": PASSWORD}) as sim:
        response = httpx.post(
            sim.base_url + REGISTER_ADMIN, json={"username": "boss", "password": PASSWORD}
        )
    assert detail(response) == (403, "Admin already exists")


def test_no_default_users_exist() -> None:
    with Simulator() as sim:
        response = httpx.post(
            sim.base_url + "/token", data={"username": "admin", "password": "admin"}
        )
    assert response.status_code == 401


def test_token_answers_the_token_and_its_type_and_nothing_else(http: httpx.Client) -> None:
    body = http.post("/token", data={"username": "u1", "password": PASSWORD}).json()
    assert (sorted(body), body["token_type"]) == (["access_token", "token_type"], "bearer")


def test_a_wrong_password_is_a_401_invalid_credentials(http: httpx.Client) -> None:
    response = http.post("/token", data={"username": "u1", "password": "wrong-password"})
    assert detail(response) == (401, "Invalid credentials")


def test_an_unknown_user_is_a_401_invalid_credentials(http: httpx.Client) -> None:
    response = http.post("/token", data={"username": "nobody", "password": PASSWORD})
    assert detail(response) == (401, "Invalid credentials")


def test_invalid_credentials_carry_no_www_authenticate(http: httpx.Client) -> None:
    response = http.post("/token", data={"username": "u1", "password": "wrong-password"})
    assert "www-authenticate" not in response.headers


def test_a_json_login_body_is_a_422(http: httpx.Client) -> None:
    assert http.post("/token", json={"username": "u1", "password": PASSWORD}).status_code == 422


def test_login_has_no_rate_limit(http: httpx.Client) -> None:
    statuses = {
        http.post("/token", data={"username": "u1", "password": PASSWORD}).status_code
        for _ in range(10)
    }
    assert statuses == {200}


def test_the_jwt_is_hs256(simulator: Simulator) -> None:
    header = login(simulator).split(".")[0]
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "HS256"


def test_the_jwt_claims_are_sub_admin_exp_only(simulator: Simulator) -> None:
    assert claims(login(simulator)).keys() == {"sub", "admin", "exp"}


def test_the_jwt_names_the_user_and_their_admin_flag(simulator: Simulator) -> None:
    found = [claims(login(simulator, name)) for name in ("u1", "root")]
    assert [(c["sub"], c["admin"]) for c in found] == [("u1", False), ("root", True)]


def test_the_jwt_exp_is_a_float_with_a_fractional_part(simulator: Simulator) -> None:
    exp = claims(login(simulator))["exp"]
    assert (type(exp), exp.is_integer()) == (float, False)


def test_the_jwt_lives_3600_seconds(simulator: Simulator) -> None:
    before = time.time()
    exp = claims(login(simulator))["exp"]
    assert before + 3600 <= exp <= time.time() + 3600


def test_the_jwt_lifetime_is_configurable() -> None:
    with Simulator(users={"u1": PASSWORD}, token_ttl=60) as sim:
        before = time.time()
        exp = claims(login(sim))["exp"]
        assert before + 60 <= exp <= time.time() + 60


def test_newer_servers_json_login_answers_admin_and_expires_in(http: httpx.Client) -> None:
    body = http.post("/api/v1/auth/login", json={"username": "u1", "password": PASSWORD}).json()
    assert (sorted(body), body["admin"], body["expires_in"]) == (
        ["access_token", "admin", "expires_in", "token_type"],
        False,
        3600,
    )


# Bearer errors
def test_no_authorization_is_a_401_not_authenticated(http: httpx.Client) -> None:
    assert detail(http.get("/api/v1/peer/list")) == (401, "Not authenticated")


def test_no_authorization_carries_www_authenticate_bearer(http: httpx.Client) -> None:
    assert http.get("/api/v1/peer/list").headers["www-authenticate"] == "Bearer"


def test_a_malformed_token_is_a_401_missing_subject(http: httpx.Client) -> None:
    response = http.get("/api/v1/peer/list", headers=bearer("not-a-jwt"))
    assert detail(response) == (401, "Invalid token: missing subject")


def test_an_expired_token_is_a_401_signature_has_expired(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.advance_time(3601)
    assert detail(user.get("/api/v1/peer/list")) == (401, EXPIRED)


def test_a_bad_signature_is_a_401_signature_verification_failed(
    simulator: Simulator, http: httpx.Client
) -> None:
    head, body, signature = login(simulator).split(".")
    forged = f"{head}.{body}.{signature[::-1]}"
    assert detail(http.get("/api/v1/peer/list", headers=bearer(forged))) == (
        401,
        "Invalid token: Token verification failed: Signature verification failed.",
    )


def test_an_admin_route_is_a_403_for_others(user: httpx.Client) -> None:
    assert detail(user.get("/api/v1/user/list")) == (403, "Admin required")


# Chat
def test_chat_answers_with_a_speech_turn(user: httpx.Client) -> None:
    turn = user.post(CHAT, json={"message": "hello"}).json()["speech_turn"]
    assert sorted(turn) == [
        "average_words_per_second",
        "created_at",
        "segments",
        "tempo",
        "text",
        "turn_id",
    ]


def test_the_speech_turn_time_is_iso_8601_with_z(user: httpx.Client) -> None:
    created_at = user.post(CHAT, json={"message": "hello"}).json()["speech_turn"]["created_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", created_at)


def test_speech_segments_have_text_duration_and_pause(user: httpx.Client) -> None:
    segments = user.post(CHAT, json={"message": "hello"}).json()["speech_turn"]["segments"]
    assert {tuple(sorted(s)) for s in segments} == {("estimated_duration", "pause_after", "text")}


def test_a_missing_message_is_a_list_style_422(user: httpx.Client) -> None:
    assert detail(user.post(CHAT, json={})) == (
        422,
        [{"type": "missing", "loc": ["body", "message"], "msg": "Field required", "input": {}}],
    )


def test_a_blank_message_is_a_422_message_cannot_be_empty(user: httpx.Client) -> None:
    (error,) = user.post(CHAT, json={"message": "   "}).json()["detail"]
    assert error["msg"] == "Value error, message cannot be empty"


def test_a_message_over_1000_characters_is_a_422_string_too_long(user: httpx.Client) -> None:
    (error,) = user.post(CHAT, json={"message": "x" * 1001}).json()["detail"]
    assert error["type"] == "string_too_long"


def test_a_second_chat_within_the_second_is_a_429(user: httpx.Client) -> None:
    user.post(CHAT, json={"message": "one"})
    assert detail(user.post(CHAT, json={"message": "two"})) == (
        429,
        "Too many requests: please wait before sending another message.",
    )


@pytest.fixture
def limited() -> Iterator[httpx.Client]:
    """A client of a simulator whose chat limit is a minute: no machine is slow enough for two
    chats in a row to fall outside it."""
    with (
        Simulator(users={"u1": PASSWORD}, chat_rate_limit=60) as sim,
        httpx.Client(base_url=sim.base_url, headers=bearer(login(sim))) as client,
    ):
        yield client


def test_the_chat_429_has_no_retry_after(limited: httpx.Client) -> None:
    limited.post(CHAT, json={"message": "one"})
    assert "retry-after" not in limited.post(CHAT, json={"message": "two"}).headers


def test_the_chat_limit_is_checked_before_the_body_is_validated(limited: httpx.Client) -> None:
    limited.post(CHAT, json={"message": "one"})
    assert limited.post(CHAT, json={}).status_code == 429


def test_a_chat_is_accepted_again_after_the_second(
    simulator: Simulator, user: httpx.Client
) -> None:
    user.post(CHAT, json={"message": "one"})
    simulator.advance_time(1.0)
    assert user.post(CHAT, json={"message": "two"}).status_code == 200


def test_the_chat_limit_is_per_user(simulator: Simulator, user: httpx.Client) -> None:
    user.post(CHAT, json={"message": "one"})
    other = user.post(CHAT, json={"message": "two"}, headers=bearer(login(simulator, "u2")))
    assert other.status_code == 200


def test_with_the_model_down_chat_still_answers_200_with_the_fallback(
    simulator: Simulator, user: httpx.Client
) -> None:
    simulator.faults.model_down()
    body = user.post(CHAT, json={"message": "hello"}).json()
    assert (body["response"], body["confidence"]) == (
        "The response service is temporarily unavailable. Please try again in a moment.",
        0.0,
    )


def test_with_the_model_down_llm_chat_is_a_502(simulator: Simulator, user: httpx.Client) -> None:
    simulator.faults.model_down()
    response = user.post("/llm/chat", json={"message": "hello"})
    assert detail(response) == (502, "Failed to generate chat response")


def test_an_unhandled_error_is_a_plain_text_500(simulator: Simulator, http: httpx.Client) -> None:
    simulator.faults.fail_next(status=500)
    response = http.get("/healthz")
    assert (response.status_code, response.headers["content-type"], response.text) == (
        500,
        "text/plain; charset=utf-8",
        "Internal Server Error",
    )


def test_after_a_500_the_server_drops_the_keep_alive_connection(simulator: Simulator) -> None:
    simulator.faults.fail_next(status=500)
    with socket.create_connection(("127.0.0.1", simulator.port), timeout=TIMEOUT) as sock:
        # A keep-alive request: the server would keep the connection open after a normal answer.
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: sim\r\n\r\n")
        received = b""
        # Ends at the server's FIN; raises TimeoutError if the server keeps the connection.
        while chunk := sock.recv(65536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 500 ")


# History
def test_history_of_another_user_is_a_403_forbidden(user: httpx.Client) -> None:
    assert detail(user.get(HISTORY, params={"user_id": "u2"})) == (403, "Forbidden")


def test_history_needs_user_id(user: httpx.Client) -> None:
    assert user.get(HISTORY).status_code == 422


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_1_is_a_422_with_a_plain_string_detail(
    user: httpx.Client, limit: int
) -> None:
    response = user.get(HISTORY, params={"user_id": "u1", "limit": limit})
    assert detail(response) == (422, "limit must be a positive integer")


def chat_three_times(simulator: Simulator, user: httpx.Client) -> None:
    for message in ("first", "second", "third"):
        assert user.post(CHAT, json={"message": message}).status_code == 200
        simulator.advance_time(1.0)


def test_history_is_newest_first_and_limited(simulator: Simulator, user: httpx.Client) -> None:
    chat_three_times(simulator, user)
    items = user.get(HISTORY, params={"user_id": "u1", "limit": 2}).json()
    assert [item["query"] for item in items] == ["third", "second"]


def test_history_items_have_the_documented_fields(simulator: Simulator, user: httpx.Client) -> None:
    chat_three_times(simulator, user)
    (item, *_) = user.get(HISTORY, params={"user_id": "u1"}).json()
    assert sorted(item) == ["expires_at", "query", "response", "timestamp", "user_id"]


def test_chats_after_a_history_read_do_not_show_up_defect(
    simulator: Simulator, user: httpx.Client
) -> None:
    user.post(CHAT, json={"message": "before"})
    user.get(HISTORY, params={"user_id": "u1"})
    simulator.advance_time(1.0)
    user.post(CHAT, json={"message": "after"})
    items = user.get(HISTORY, params={"user_id": "u1"}).json()
    assert [item["query"] for item in items] == ["before"]


def test_the_stale_history_defect_can_be_switched_off() -> None:
    with (
        Simulator(users={"u1": PASSWORD}, stale_history=False, chat_rate_limit=None) as sim,
        httpx.Client(base_url=sim.base_url, headers=bearer(login(sim))) as client,
    ):
        client.post(CHAT, json={"message": "before"})
        client.get(HISTORY, params={"user_id": "u1"})
        client.post(CHAT, json={"message": "after"})
        items = client.get(HISTORY, params={"user_id": "u1"}).json()
    assert [item["query"] for item in items] == ["after", "before"]


# Tickets
def test_a_ticket_is_b64url_user_dot_unix_time_dot_hmac(user: httpx.Client) -> None:
    before = int(time.time())
    user_part, stamp, mac = user.post("/api/v1/auth/ws/ticket").json()["ticket"].split(".")
    decoded = base64.urlsafe_b64decode(user_part + "=" * (-len(user_part) % 4)).decode()
    assert (
        decoded,
        before <= int(stamp) <= time.time(),
        bool(re.fullmatch(r"[0-9a-f]{64}", mac)),
    ) == (
        "u1",
        True,
        True,
    )


def test_a_ticket_lives_45_seconds(user: httpx.Client) -> None:
    assert user.post("/api/v1/auth/ws/ticket").json()["ttl"] == 45

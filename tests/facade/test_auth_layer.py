"""The auth layer's unit tests: no bearer where the spec asks none, what redaction keeps masked
and what it leaves alone, and the SDK's httpx client as `client.api` and `http_client=` see it."""

from __future__ import annotations

import base64
import json
import secrets
import time
from typing import Any

import attrs
import httpx
import pytest

from mongars_api.api.conversation import history as history_endpoint
from mongars_api.api.system import healthz
from mongars_client import AsyncClient, Client, Token, _auth, errors
from mongars_client._auth import AnonymousOperations
from mongars_client._redact import MASK, redact, register_secret
from mongars_client.testing import Simulator
from tests.facade.conftest import BASE_URL, PASSWORD, FakeServer, make_jwt

# --- Operations that need no login -------------------------------------------------------------


def test_an_operation_without_security_goes_out_without_a_bearer(server: FakeServer) -> None:
    token = make_jwt()
    server.valid_tokens.add(token)
    server.default = lambda request: httpx.Response(
        200, json=[] if request.url.path.startswith("/api/") else {"status": "ok"}
    )
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http, token=token) as client,
    ):
        client.health()
        client.history()
    health, history = server.requests
    assert "authorization" not in health.headers
    assert history.headers["authorization"].startswith("Bearer ")


def test_a_base_url_with_a_path_still_finds_the_operations_without_security() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"status": "ok"})

    with (
        httpx.Client(transport=httpx.MockTransport(answer)) as http,
        Client(f"{BASE_URL}/mongars", http_client=http, username="u1", password=PASSWORD) as c,
    ):
        c.health()
    assert [r.url.path for r in seen] == ["/mongars/healthz"]


def test_operations_without_security_may_have_path_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import mongars_api.security

    monkeypatch.setattr(
        mongars_api.security, "ANONYMOUS_OPERATIONS", frozenset({("GET", "/items/{item_id}")})
    )
    anonymous = AnonymousOperations("/prefix/")
    assert anonymous.match("GET", "/prefix/items/42")
    assert not anonymous.match("GET", "/prefix/items/42/more")
    assert not anonymous.match("POST", "/prefix/items/42")
    assert not anonymous.match("GET", "/items/42")


def test_the_cool_down_after_a_refused_login_ends(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http, username="u1", password="wrong-password-1") as c,
    ):
        for _ in range(3):
            with pytest.raises(errors.AuthenticationError):
                c.history()
        assert server.paths() == ["POST /token"]
        monkeypatch.setattr(_auth, "LOGIN_COOLDOWN", 0.0)
        with pytest.raises(errors.AuthenticationError):
            c.history()
        assert server.paths() == ["POST /token", "POST /token"]


def test_an_explicit_login_ends_the_cool_down_even_with_the_same_credentials(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.default = lambda request: httpx.Response(200, json=[])
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http, username="u1", password=PASSWORD) as c,
    ):
        refuse = lambda request: httpx.Response(401, json={"detail": "Invalid credentials"})  # noqa: E731
        monkeypatch.setattr(server, "login", refuse)
        with pytest.raises(errors.AuthenticationError):
            c.history()
        monkeypatch.undo()
        c.login("u1", PASSWORD)
        server.expire_tokens()
        assert c.history() == []  # the 401's re-login is not blocked by the earlier refusal
    assert server.logins == 2


# --- Refresh timing on the server's clock ------------------------------------------------------


def jwt_with(claims: dict[str, float | str]) -> str:
    def part(data: dict[str, float | str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


def test_a_logins_iat_times_the_refresh_on_the_servers_clock() -> None:
    server_now = time.time() - 7200  # the local clock two hours ahead of the server's
    access = jwt_with({"sub": "u1", "iat": server_now, "exp": server_now + 3600})
    as_a_string = Token.from_access_token(access)
    assert as_a_string.needs_refresh()  # nothing says when it was issued: the local clock rules
    received = as_a_string.issued_by_server_at(None)  # as a login answer without `Date`
    assert not received.needs_refresh()
    remaining = received.expires_in()
    assert remaining is not None and 3590 < remaining <= 3600


def test_without_iat_the_login_answers_date_is_the_servers_time() -> None:
    server_now = time.time() - 7200
    access = jwt_with({"sub": "u1", "exp": server_now + 3600})
    received = Token.from_access_token(access).issued_by_server_at(server_now)
    assert not received.needs_refresh()
    assert received.issued_at == server_now


def test_an_issue_time_at_or_after_expiry_is_not_the_servers_clock() -> None:
    now = time.time()
    in_milliseconds = jwt_with({"sub": "u1", "iat": now * 1000, "exp": now + 3600})
    received = Token.from_access_token(in_milliseconds).issued_by_server_at(None)
    assert received.issued_at is None and not received.needs_refresh()
    # An `iat` that cannot be right gives way to the `Date`, and a `Date` after `exp` to nothing.
    assert Token.from_access_token(in_milliseconds).issued_by_server_at(now).issued_at == now
    plain = jwt_with({"sub": "u1", "exp": now + 3600})
    late = Token.from_access_token(plain).issued_by_server_at(now + 3 * 3600)
    assert late.issued_at is None and not late.needs_refresh()


# --- Redaction ------------------------------------------------------------------------------------


def test_the_password_and_current_token_stay_masked_after_many_tickets() -> None:
    password = "long-lived-password-" + secrets.token_hex(4)
    token = make_jwt("u1")
    with Client(BASE_URL, username="u1", password=password) as by_password:
        with Client(BASE_URL, token=token) as by_token:
            for _ in range(2000):  # a long-lived process: tickets age out, the above must not
                register_secret(secrets.token_urlsafe(24))
            text = redact(f"the password is {password}, the token {token}")
            assert password not in text
            assert token not in text
            assert by_token.token is not None
        assert by_password.settings is not None


def test_ordinary_words_after_bearer_are_not_masked() -> None:
    assert redact("the bearer token was rejected") == "the bearer token was rejected"
    assert redact("Bearer tokens expire.") == "Bearer tokens expire."
    assert redact("Authorization: Bearer abc123def456") == f"Authorization: Bearer {MASK}"
    assert redact("authorization: bearer Zm9vYmFy.YmF6") == f"authorization: bearer {MASK}"


# --- client.api keeps the generated client's promises --------------------------------------------


def test_with_client_api_leaves_the_sdk_pool_open(client: Client, server: FakeServer) -> None:
    with client.api as api:
        assert healthz.sync(client=api) is not None
    assert client.health() is not None
    assert len(server.requests) == 2


async def test_async_with_client_api_leaves_the_sdk_pool_open(
    async_client: AsyncClient, server: FakeServer
) -> None:
    async with async_client.api as api:
        assert await healthz.asyncio(client=api) is not None
    assert await async_client.health() is not None
    assert len(server.requests) == 2


async def test_the_asyncio_functions_on_a_blocking_clients_api_fail_at_once(
    client: Client, server: FakeServer
) -> None:
    with pytest.raises(RuntimeError, match="blocking Client"):
        await healthz.asyncio(client=client.api)
    assert server.requests == []


def test_the_sync_functions_on_an_async_clients_api_fail_at_once(server: FakeServer) -> None:
    api = AsyncClient(BASE_URL, transport=httpx.MockTransport(server)).api
    with pytest.raises(RuntimeError, match="AsyncClient"):
        healthz.sync(client=api)
    assert server.requests == []


def test_a_copy_of_client_api_says_it_has_no_connection(client: Client) -> None:
    copy = attrs.evolve(client.api)
    with pytest.raises(RuntimeError, match="has no connection"):
        healthz.sync(client=copy)


@pytest.mark.parametrize(
    "change",
    [
        lambda api: api.with_timeout(httpx.Timeout(0.2)),
        lambda api: api.with_headers({"X-Debug": "1"}),
        lambda api: api.with_cookies({"session": "1"}),
    ],
    ids=["with_timeout", "with_headers", "with_cookies"],
)
def test_client_api_with_methods_leave_the_sdk_client_alone(change: Any) -> None:
    with (
        Simulator(users={"u1": PASSWORD}) as sim,
        Client(sim.base_url, username="u1", password=PASSWORD) as client,
    ):
        http = client._http
        before = (http.timeout, dict(http.headers), dict(http.cookies))
        with pytest.raises(RuntimeError, match="every call of this client"):
            change(client.api)
        assert (http.timeout, dict(http.headers), dict(http.cookies)) == before
        sim.faults.latency(0.5, path="/api/v1/conversation/history")
        assert client.history() == []  # before: APITimeoutError, its pool's timeout now 0.2 s


def test_a_detailed_function_raises_the_typed_error_as_the_readme_says(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    server.default = lambda request: httpx.Response(
        422, json={"detail": [{"loc": ["query", "limit"], "msg": "bad", "type": "value_error"}]}
    )
    with pytest.raises(errors.UnprocessableEntityError):
        history_endpoint.sync_detailed(client=client.api, user_id="u1", limit=0)


# --- http_client of the other flavour ------------------------------------------------------------


def test_an_async_client_refuses_a_blocking_http_client() -> None:
    with (
        httpx.Client() as blocking,
        pytest.raises(errors.ConfigurationError, match=r"needs an httpx\.AsyncClient"),
    ):
        AsyncClient(BASE_URL, http_client=blocking)


async def test_a_blocking_client_refuses_an_async_http_client() -> None:
    async with httpx.AsyncClient() as asynchronous:
        with pytest.raises(errors.ConfigurationError, match=r"needs an httpx\.Client"):
            Client(BASE_URL, http_client=asynchronous)

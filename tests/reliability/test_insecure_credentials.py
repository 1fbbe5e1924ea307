"""Credentials never cross plain `http://` to another machine unless the caller says so.

Every way a password can leave: `login()`, `register()`, the generated login, registration and
password-change operations through `client.call(...)`, the automatic re-login after a 401, and
credentials from the constructor or the environment. The "other machine" is reached through an
httpx MockTransport that records what would have been sent: these tests send nothing anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mongars_api.api.auth import login as login_endpoint
from mongars_api.api.users import change_password, register_admin
from mongars_api.models import LoginForm, PasswordChangeRequest, UserRegistration
from mongars_client import AsyncClient, Client
from mongars_client.errors import InsecureTransportError
from tests.facade.conftest import make_jwt
from tests.reliability.conftest import TALLY

SECTION = "credentials over plain http://"
REMOTE = "http://mongars.example.com"
PASSWORD = "insecure-password-1"
NEW_PASSWORD = "insecure-password-2"

# Each way of sending a password, as a call on either client.
WAYS: dict[str, Callable[[Any], Any]] = {
    "client.login()": lambda c: c.login("u1", PASSWORD),
    "client.register()": lambda c: c.register("u1", PASSWORD),
    "call(auth.login)": lambda c: c.call(
        login_endpoint, body=LoginForm(username="u1", password=PASSWORD)
    ),
    "call(users.register_admin)": lambda c: c.call(
        register_admin, body=UserRegistration(username="u1", password=PASSWORD)
    ),
    "call(users.change_password)": lambda c: c.call(
        change_password,
        body=PasswordChangeRequest(old_password=PASSWORD, new_password=NEW_PASSWORD),
    ),
}


class Remote:
    """The other machine: records requests and answers them as the server would."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.expired = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if request.url.path == "/token":
            token = make_jwt("u1")
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer"})
        if self.expired and request.url.path == "/api/v1/conversation/history":
            return httpx.Response(401, json={"detail": "Invalid token: Signature has expired."})
        if request.url.path == "/api/v1/conversation/history":
            return httpx.Response(200, json=[])
        return httpx.Response(200, json={"status": "ok"})

    def passwords_sent(self) -> bool:
        return any(
            PASSWORD.encode() in r.content or NEW_PASSWORD.encode() in r.content
            for r in self.requests
        )


@pytest.fixture
def remote() -> Remote:
    return Remote()


def run(mode: str, remote: Remote, way: Callable[[Any], Any], **options: Any) -> Any:
    """`way` on a client of `mode` whose requests go to `remote`; its result or exception."""
    transport = httpx.MockTransport(remote)
    if mode == "Client":
        with (
            httpx.Client(transport=transport) as http,
            Client(REMOTE, http_client=http, **options) as c,
        ):
            try:
                return way(c)
            except InsecureTransportError as error:
                return error

    async def main() -> Any:
        async with (
            httpx.AsyncClient(transport=transport) as http,
            AsyncClient(REMOTE, http_client=http, **options) as c,
        ):
            try:
                return await way(c)
            except InsecureTransportError as error:
                return error

    return asyncio.run(main())


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("way", sorted(WAYS))
def test_a_password_is_not_sent_over_plain_http_to_another_host(
    remote: Remote, way: str, mode: str
) -> None:
    result = run(mode, remote, WAYS[way], token=make_jwt("u1"))
    TALLY.add(SECTION, "refused without allow_insecure_http", type(result).__name__)
    assert isinstance(result, InsecureTransportError), result
    assert "allow_insecure_http" in str(result)
    assert remote.requests == []


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("way", sorted(WAYS))
def test_allow_insecure_http_lets_the_password_through(remote: Remote, way: str, mode: str) -> None:
    result = run(mode, remote, WAYS[way], token=make_jwt("u1"), allow_insecure_http=True)
    TALLY.add(SECTION, "sent with allow_insecure_http=True", "sent")
    assert not isinstance(result, BaseException), result
    assert remote.passwords_sent()


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_no_automatic_re_login_over_plain_http(remote: Remote, mode: str) -> None:
    """A token plus credentials: the token is used as given, and when it expires the client must
    not log in again over plain HTTP by itself."""

    def expire_then_call(client: Any) -> Any:
        remote.expired = True
        return client.history(user_id="u1")

    result = run(
        mode, remote, expire_then_call, token=make_jwt("u1"), username="u1", password=PASSWORD
    )
    TALLY.add(SECTION, "automatic re-login refused", type(result).__name__)
    assert isinstance(result, InsecureTransportError), result
    assert not remote.passwords_sent()


@pytest.fixture
def credentials_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGARS_USERNAME", "u1")
    monkeypatch.setenv("MONGARS_PASSWORD", PASSWORD)


@pytest.mark.usefixtures("credentials_in_env")
@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_credentials_from_the_environment_are_refused_at_construction(
    client_class: type[Client] | type[AsyncClient],
) -> None:
    with pytest.raises(InsecureTransportError):
        client_class(REMOTE)
    client_class(REMOTE, allow_insecure_http=True)  # nothing is sent before a call
    TALLY.add(SECTION, "refused at construction (environment)", "InsecureTransportError")


@pytest.mark.parametrize("where", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"])
def test_loopback_needs_no_permission(remote: Remote, where: str) -> None:
    transport = httpx.MockTransport(remote)
    with httpx.Client(transport=transport) as http, Client(where, http_client=http) as client:
        client.login("u1", PASSWORD)
    assert remote.passwords_sent()

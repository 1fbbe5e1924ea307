"""Client and AsyncClient against a scripted server: the same behaviour, method for method."""

from __future__ import annotations

import dataclasses
import inspect
import time

import httpx
import pytest

from mongars_client import AsyncClient, Client, Token, errors
from tests.facade.conftest import BASE_URL, PASSWORD, FakeServer, chat_body, make_jwt

PUBLIC_OPERATIONS = ("login", "register", "chat", "history", "health", "ws_ticket")


def test_both_clients_offer_the_same_operations() -> None:
    for name in PUBLIC_OPERATIONS:
        # One definition serves both clients: the same descriptor, the same docs and signature.
        assert getattr(Client, name) is getattr(AsyncClient, name)
        assert getattr(Client, name).__doc__
    # `call` is generic over the endpoint module, which a shared descriptor cannot keep: each
    # client declares it, with one signature, over the one implementation of `_Operations`.
    assert inspect.signature(Client.call) == inspect.signature(AsyncClient.call)
    assert Client.call.__doc__ and AsyncClient.call.__doc__
    public = lambda cls: {n for n in dir(cls) if not n.startswith("_")}  # noqa: E731
    assert public(Client) - {"close"} == public(AsyncClient) - {"aclose"}


async def test_bound_methods_block_or_return_coroutines(server: FakeServer) -> None:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(server)) as http,
        AsyncClient(BASE_URL, http_client=http) as made,
    ):
        pending = made.login("u1", PASSWORD)
        assert inspect.iscoroutine(pending)
        assert isinstance(await pending, Token)
        assert str(inspect.signature(made.chat)).startswith("(message: 'str', *, session_id")
    with Client(
        BASE_URL, http_client=httpx.Client(transport=httpx.MockTransport(server))
    ) as blocking:
        assert isinstance(blocking.login("u1", PASSWORD), Token)
        assert inspect.signature(blocking.chat) == inspect.signature(made.chat)


def test_login_chat_history(client: Client, server: FakeServer) -> None:
    server.default = lambda request: (
        httpx.Response(200, json=[{"user_id": "u1", "query": "q", "response": "r"}])
        if request.url.path.endswith("/history")
        else httpx.Response(200, json=chat_body("hi there"))
    )
    token = client.login("u1", PASSWORD)
    assert token.subject == "u1" and token.expires_at is not None
    assert client.chat("hello").response == "hi there"
    items = client.history(limit=3)
    assert [(i.user_id, i.query, i.response) for i in items] == [("u1", "q", "r")]
    history_request = server.requests[-1]
    assert history_request.url.params["user_id"] == "u1"
    assert history_request.url.params["limit"] == "3"
    assert history_request.headers["authorization"] == token.authorization


async def test_async_login_chat(async_client: AsyncClient, server: FakeServer) -> None:
    await async_client.login("u1", PASSWORD)
    assert (await async_client.chat("hello")).response == "hello back"
    assert server.paths() == ["POST /token", "POST /api/v1/conversation/chat"]


def test_credentials_given_up_front_log_in_before_the_first_call(server: FakeServer) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, username="u1", password=PASSWORD, http_client=http) as made,
    ):
        assert made.chat("hello").response == "hello back"
    assert server.paths() == ["POST /token", "POST /api/v1/conversation/chat"]


def test_an_expired_token_is_replaced_once_and_the_request_replayed(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    server.expire_tokens()
    assert client.chat("hello").response == "hello back"
    assert server.paths() == [
        "POST /token",
        "POST /api/v1/conversation/chat",
        "POST /token",
        "POST /api/v1/conversation/chat",
    ]


def test_a_token_about_to_expire_is_refreshed_before_use(server: FakeServer) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http) as made,
    ):
        made.login("u1", PASSWORD)
        soon = make_jwt("u1", expires_in=5)
        server.valid_tokens.add(soon)
        # Issued an hour ago, five seconds left: inside the refresh margin.
        made._auth.token = dataclasses.replace(
            Token.from_access_token(soon), obtained_at=time.time() - 3595
        )
        made.chat("hello")
    assert server.paths() == ["POST /token", "POST /token", "POST /api/v1/conversation/chat"]


def test_a_bare_token_that_is_refused_raises_authentication_error(server: FakeServer) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, token=make_jwt(), http_client=http) as made,
        pytest.raises(errors.AuthenticationError) as caught,
    ):
        made.chat("hello")
    assert caught.value.status_code == 401
    assert server.paths() == ["POST /api/v1/conversation/chat"]


def test_wrong_password(client: Client) -> None:
    with pytest.raises(errors.AuthenticationError, match="check the username and password"):
        client.login("u1", "not-the-password")
    assert client.token is None


@pytest.mark.parametrize(
    ("message", "session_id"),
    [("", None), ("   \n", None), ("x" * 1001, None), (42, None), ("ok", "s" * 101)],
)
def test_invalid_chat_input_is_refused_before_sending(
    client: Client, server: FakeServer, message: object, session_id: str | None
) -> None:
    with pytest.raises(errors.InvalidInputError) as caught:
        client.chat(message, session_id=session_id)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)
    assert server.requests == []


def test_the_longest_message_the_api_accepts_is_sent(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    client.chat("x" * 1000)
    assert server.paths()[-1] == "POST /api/v1/conversation/chat"


@pytest.mark.parametrize(
    ("username", "password"),
    [("", "long-enough"), ("bad name", "long-enough"), ("u" * 151, "long-enough"), ("ok", "short")],
)
def test_invalid_registration_is_refused_before_sending(
    client: Client, server: FakeServer, username: str, password: str
) -> None:
    with pytest.raises(errors.InvalidInputError):
        client.register(username, password)
    assert server.requests == []


def test_history_needs_to_know_the_user(client: Client, server: FakeServer) -> None:
    with pytest.raises(errors.InvalidInputError, match="user_id"):
        client.history()
    assert server.requests == []


def test_call_reaches_any_generated_endpoint(client: Client, server: FakeServer) -> None:
    from mongars_api.api.peers import list_peers

    server.default = lambda request: httpx.Response(200, json=["http://peer-a", "http://peer-b"])
    client.login("u1", PASSWORD)
    assert client.call(list_peers) == ["http://peer-a", "http://peer-b"]


def test_the_generated_client_shares_auth_and_errors(client: Client, server: FakeServer) -> None:
    from mongars_api.api.conversation import chat
    from mongars_api.models import ChatRequest

    client.login("u1", PASSWORD)
    server.expire_tokens()
    reply = chat.sync(client=client.api, body=ChatRequest(message="via the generated client"))
    assert reply is not None and reply.response == "hello back"  # type: ignore[union-attr]
    assert server.logins == 2
    server.script.append(httpx.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(errors.NotFoundError):
        chat.sync(client=client.api, body=ChatRequest(message="again"))


def test_a_closed_client_says_so(server: FakeServer) -> None:
    with httpx.Client(transport=httpx.MockTransport(server)) as http:
        made = Client(BASE_URL, http_client=http)
        made.close()
        with pytest.raises(errors.MonGARSError, match="closed"):
            made.health()


def test_reprs_show_no_secret(client: Client) -> None:
    token = client.login("u1", PASSWORD)
    for text in (repr(client), repr(token), str(token), repr(client.settings)):
        assert token.access_token not in text
        assert PASSWORD not in text

"""What an error tells: whose fault, the exchange it came from, and that it travels intact."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.frames import Close
from websockets.http11 import Response as HandshakeResponse

from mongars_api.api.conversation import chat as chat_module
from mongars_api.api.conversation import history as history_module
from mongars_api.api.peers import list_peers
from mongars_api.models import ChatRequest
from mongars_client import AsyncClient, Client, errors
from mongars_client._config import resolve_settings
from mongars_client.streaming import StreamOptions, _Session
from tests.facade.conftest import PASSWORD, FakeServer

# --- Caller mistakes are the caller's ----------------------------------------------------------


def test_an_unknown_argument_to_call_is_a_type_error_and_nothing_is_sent(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    sent = len(server.requests)
    with pytest.raises(TypeError, match=r"peers\.list_peers takes no arguments.*'limit'"):
        client.call(list_peers, limit=5)  # type: ignore[call-arg]
    assert len(server.requests) == sent


def test_a_dict_where_a_model_is_expected_is_a_type_error_and_nothing_is_sent(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    sent = len(server.requests)
    with pytest.raises(TypeError, match=r"body must be ChatRequest, not dict"):
        client.call(chat_module, body={"message": "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"limit must be int or Unset, not str"):
        client.call(history_module, user_id="u1", limit="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"missing a required argument: 'body'"):
        client.call(chat_module)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"generated endpoint module"):
        client.call("peers.list_peers")  # type: ignore[arg-type]
    assert len(server.requests) == sent


async def test_the_async_client_refuses_the_same_mistakes(
    async_client: AsyncClient, server: FakeServer
) -> None:
    with pytest.raises(TypeError, match=r"body must be ChatRequest, not dict"):
        await async_client.call(chat_module, body={"message": "x"})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"'limit'"):
        await async_client.call(list_peers, limit=5)  # type: ignore[call-arg]
    assert server.requests == []


def test_a_well_formed_call_still_goes_through(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    reply = client.call(chat_module, body=ChatRequest(message="hello"))
    assert reply.response == "hello back"
    server.script.append(httpx.Response(200, json=[]))
    assert client.call(history_module, user_id="u1", limit=3) == []


def test_an_argument_annotated_any_or_object_takes_any_value(
    client: Client, server: FakeServer
) -> None:
    # A spec with an untyped body (`{}`) makes openapi-python-client annotate it `Any`, which
    # isinstance() refuses with a TypeError of its own: every call would be the caller's fault.
    import types
    from typing import Any, Union

    from mongars_api.api.system import healthz

    def _get_kwargs(*, body: Any, note: object = None, extra: int | Any = 0) -> dict[str, Any]:
        return healthz._get_kwargs()

    # As the generated modules have them: objects, not this file's postponed strings.
    _get_kwargs.__annotations__ = {"body": Any, "note": object, "extra": Union[int, Any]}  # noqa: UP007

    untyped = types.ModuleType("mongars_api.api.system.untyped")
    untyped._get_kwargs = _get_kwargs  # type: ignore[attr-defined]
    untyped._build_response = healthz._build_response  # type: ignore[attr-defined]
    server.script.append(httpx.Response(200, json={"status": "ok"}))
    reply = client.call(untyped, body={"free": "form"}, note=3, extra="x")  # type: ignore[arg-type]
    assert reply.additional_properties == {"status": "ok"}  # type: ignore[attr-defined]


# --- The exchange an error came from -----------------------------------------------------------


def test_a_status_error_carries_the_request_and_the_response_without_secrets(
    client: Client, server: FakeServer
) -> None:
    token = client.login("u1", PASSWORD)
    server.script.append(
        httpx.Response(
            503,
            json={"detail": "Service Unavailable"},
            headers={"Retry-After": "7", "x-request-id": "req-9", "set-cookie": "s=abcdefghij"},
        )
    )
    with pytest.raises(errors.InternalServerError) as caught:
        client.chat("hello", max_retries=0)
    error = caught.value
    assert isinstance(error.response, httpx.Response)
    assert error.response.status_code == 503
    assert error.response.headers["retry-after"] == "7"
    assert error.response.headers["x-request-id"] == "req-9"
    assert error.response.headers["set-cookie"] == "***"
    assert error.response.json() == {"detail": "Service Unavailable"}
    assert error.request is error.response.request
    assert error.request.method == "POST"
    assert error.request.url.path == "/api/v1/conversation/chat"
    assert error.request.headers["authorization"] == "***"
    everything = repr(vars(error)) + repr(error.request.headers) + repr(error.response.headers)
    assert token.access_token not in everything


def test_a_refused_password_echoed_by_the_server_is_masked(
    client: Client, server: FakeServer
) -> None:
    password = "echoed-password-42"
    server.script.append(
        httpx.Response(
            422,
            json={
                "detail": [
                    {"type": "x", "loc": ["body", "password"], "msg": "bad", "input": password}
                ]
            },
        )
    )
    with pytest.raises(errors.UnprocessableEntityError) as caught:
        client.register("newuser", password)
    error = caught.value
    assert error.request is not None and error.response is not None
    assert error.request.content == b""  # a registration's body holds the password
    assert password not in error.response.text
    assert password not in repr(error.detail) + repr(error.body) + str(error)


def test_a_response_validation_error_names_the_exchange_and_shows_an_excerpt(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(200, json={"response": "x", "filler": "y" * 5000}))
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.chat("hello")
    error = caught.value
    assert (error.status_code, error.method, error.path) == (
        200,
        "POST",
        "/api/v1/conversation/chat",
    )
    assert error.body_excerpt is not None
    assert error.body_excerpt.startswith('{"response":"x"')
    assert len(error.body_excerpt) == 500
    assert isinstance(error.__cause__, KeyError | TypeError)


def test_a_login_answer_that_is_not_json_shows_an_excerpt(
    client: Client, server: FakeServer
) -> None:
    server.login = lambda request: httpx.Response(200, text="<html>down for maintenance</html>")  # type: ignore[method-assign]
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.login("u1", PASSWORD)
    error = caught.value
    assert (error.status_code, error.method, error.path) == (200, "POST", "/token")
    assert error.body_excerpt == "<html>down for maintenance</html>"


def test_a_login_answer_that_is_json_but_no_token_names_the_exchange() -> None:
    from mongars_client.testing import Simulator

    with (
        Simulator(users={"u1": PASSWORD}) as sim,
        Client(sim.base_url, username="u1", password=PASSWORD) as client,
    ):
        sim.faults.malformed_next(1, path="/token")
        with pytest.raises(errors.ResponseValidationError, match="no access_token") as caught:
            client.history()
    error = caught.value
    assert (error.status_code, error.method, error.path) == (200, "POST", "/token")
    assert error.body_excerpt is not None and "access_token" in error.body_excerpt


def test_an_excerpt_never_shows_a_token(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    leaked = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    server.script.append(httpx.Response(200, json={"access_token": leaked}))
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.chat("hello")
    assert caught.value.body_excerpt is not None
    assert leaked not in caught.value.body_excerpt
    assert "***" in caught.value.body_excerpt


def test_an_excerpt_cut_in_the_middle_of_a_secret_shows_none_of_it(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    # Masked first, then cut: cut first, the start of the password would no longer be the
    # password, and would be shown.
    prefix = '{"note": "' + "y" * (495 - len('{"note": "'))
    server.script.append(httpx.Response(200, text=prefix + PASSWORD + ' was refused"}'))
    with pytest.raises(errors.ResponseValidationError) as caught:
        client.chat("hello")
    excerpt = caught.value.body_excerpt
    assert excerpt is not None and len(excerpt) <= 500
    assert PASSWORD[:5] not in excerpt
    assert excerpt.endswith("*** w")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_error_answer_is_the_typed_error_with_its_headers(
    client: Client, server: FakeServer, encoding: str
) -> None:
    import gzip
    import zlib

    body = json.dumps({"detail": "no such thing " * 50}).encode()
    packed = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
    client.login("u1", PASSWORD)
    server.script.append(
        httpx.Response(
            404,
            headers={"Content-Encoding": encoding, "Content-Type": "application/json"},
            content=packed,
        )
    )
    with pytest.raises(errors.NotFoundError) as caught:
        client.chat("hello")
    response = caught.value.response
    assert response is not None
    assert response.headers["content-encoding"] == encoding
    assert response.content == body
    assert response.json()["detail"].startswith("no such thing")
    again = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 (our own bytes)
    assert again.response is not None and again.response.content == body


def test_a_password_in_the_base_url_never_reaches_an_error() -> None:
    secret = "in-the-url-9"

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"detail": "nope"})

    with (
        Client(
            f"https://admin:{secret}@api.example.com",
            transport=httpx.MockTransport(refuse),
            max_retries=0,
        ) as client,
        pytest.raises(errors.NotFoundError) as caught,
    ):
        client.health()
    error = caught.value
    assert error.request is not None and error.response is not None
    assert secret not in str(error.request.url) + str(error.response.request.url)
    assert secret not in str(pickle.dumps(error))
    assert error.request.url.username == "admin"
    assert error.request.url.path == "/healthz"


def test_a_long_retry_after_raises_a_rate_limit_error_with_its_response(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(errors.RateLimitError) as caught:
        client.chat("hello")
    assert caught.value.retry_after == 3600
    assert caught.value.response is not None
    assert caught.value.response.headers["retry-after"] == "3600"


# --- Errors travel: pickle and copy ------------------------------------------------------------


def _status_error(status: int, **headers: str) -> errors.APIStatusError:
    request = httpx.Request(
        "POST",
        "http://127.0.0.1:9/api/v1/conversation/chat",
        headers={"Authorization": "Bearer abcdefgh.ijklmnop.qrstuvwx"},
        content=b'{"message": "hi"}',
    )
    body = {"detail": [{"type": "missing", "loc": ["body", "message"], "msg": "Field required"}]}
    response = httpx.Response(
        status, json=body, headers={"x-request-id": "req-1", **headers}, request=request
    )
    return errors.error_for_response(response, retry_after=2.0 if status == 429 else None)


def _stream_closed() -> errors.MonGARSError:
    return errors.StreamClosedError("closed", code=4401, reason="ticket rejected")


# Built in the tests, not at collection: a constructor that fails fails its own test.
EVERY_ERROR: dict[str, Callable[[], errors.MonGARSError]] = {
    "MonGARSError": lambda: errors.MonGARSError("base"),
    "InvalidInputError": lambda: errors.InvalidInputError("message must not be empty"),
    "ConfigurationError": lambda: errors.ConfigurationError("MONGARS_TIMEOUT='inf' is bad"),
    "InsecureTransportError": lambda: errors.InsecureTransportError("refusing credentials"),
    "APIConnectionError": lambda: errors.APIConnectionError(
        "GET /healthz failed", method="GET", url="http://h/healthz"
    ),
    "APITimeoutError": lambda: errors.APITimeoutError(
        "GET /healthz timed out", method="GET", url="http://h/healthz"
    ),
    "ResponseValidationError": lambda: errors.ResponseValidationError(
        "the answer does not match", status_code=200, method="GET", path="/x", body_excerpt="{"
    ),
    "StreamError": lambda: errors.StreamError("the stream failed"),
    "StreamClosedError": _stream_closed,
    "StreamHandshakeError": lambda: errors.StreamHandshakeError("refused", status_code=401),
    "OriginRefusedError": lambda: errors.OriginRefusedError(
        "origin refused", origin="https://evil.example"
    ),
    "APIStatusError": lambda: errors.APIStatusError(
        "418 from GET /teapot", status_code=418, detail="teapot"
    ),
    **{f"status {status}": (lambda s=status: _status_error(s)) for status in (400, 401, 403)},
    **{f"status {status}": (lambda s=status: _status_error(s)) for status in (404, 409, 422)},
    **{f"status {status}": (lambda s=status: _status_error(s)) for status in (500, 502)},
    "status 429": lambda: _status_error(429, **{"Retry-After": "2"}),
}


def _public_state(error: BaseException) -> dict[str, Any]:
    """The attributes as comparable values (httpx objects by what they carry)."""
    state: dict[str, Any] = {}
    for name, value in vars(error).items():
        if isinstance(value, httpx.Request):
            value = (value.method, str(value.url), value.headers.multi_items())
        elif isinstance(value, httpx.Response):
            value = (value.status_code, value.headers.multi_items(), value.content)
        state[name] = value
    return state


def test_every_public_error_class_is_covered() -> None:
    covered = {type(make()) for make in EVERY_ERROR.values()}
    public = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.MonGARSError)
    }
    assert public <= covered


@pytest.mark.parametrize("name", sorted(EVERY_ERROR))
@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
def test_every_error_survives_pickle_and_copy(name: str, how: str) -> None:
    error = EVERY_ERROR[name]()
    if how == "pickle":
        again = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
    elif how == "copy":
        again = copy.copy(error)
    else:
        again = copy.deepcopy(error)
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert again.args == error.args
    assert _public_state(again) == _public_state(error)
    if isinstance(error, errors.UnprocessableEntityError):
        assert again.errors == error.errors  # type: ignore[attr-defined]
    if isinstance(error, errors.APIStatusError) and error.response is not None:
        assert again.response.json() == error.response.json()  # type: ignore[attr-defined]


# --- Stream errors keep their cause ------------------------------------------------------------


class _Socket:
    """A stream socket whose every step fails as told."""

    def __init__(self, *, connect: BaseException | None = None, recv: BaseException | None = None):
        self.connect_error, self.recv_error = connect, recv
        self.queued: list[Any] = []

    async def connect(self, *args: Any) -> object:
        if self.connect_error is not None:
            raise self.connect_error
        return object()

    async def recv(self, connection: Any) -> str:
        assert self.recv_error is not None
        raise self.recv_error

    async def send(self, connection: Any, text: str) -> None:
        json.loads(text)

    async def put(self, item: Any) -> None:
        self.queued.append(item)

    async def sleep(self, seconds: float) -> None:
        pass


def _session(socket: _Socket) -> _Session:
    async def ticket() -> str:
        return "ticket-value-123"

    return _Session(
        socket=socket,  # type: ignore[arg-type]
        ticket=ticket,
        settings=resolve_settings(base_url="http://127.0.0.1:1", environ={}),
        options=StreamOptions(max_reconnects=0),
        origin=None,
    )


async def test_an_unexpected_stream_failure_keeps_its_cause() -> None:
    failure = UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
    session = _session(_Socket(recv=failure))
    session.connection = object()
    await session.pump()
    (end,) = session._socket.queued  # type: ignore[attr-defined]
    assert isinstance(end.error, errors.StreamError)
    assert end.error.__cause__ is failure


async def test_a_refused_handshake_keeps_its_cause() -> None:
    refused = InvalidStatus(HandshakeResponse(401, "Unauthorized", Headers(), b""))
    session = _session(_Socket(connect=refused))
    with pytest.raises(errors.StreamHandshakeError) as caught:
        await session.open()
    assert caught.value.__cause__ is refused


async def test_a_final_close_keeps_its_cause() -> None:
    closed = ConnectionClosedError(Close(4401, "ticket rejected"), None)
    session = _session(_Socket(recv=closed))
    session.connection = object()
    await session.pump()
    (end,) = session._socket.queued  # type: ignore[attr-defined]
    assert isinstance(end.error, errors.StreamClosedError)
    assert end.error.code == 4401
    assert end.error.__cause__ is closed

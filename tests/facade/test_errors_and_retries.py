"""Every status and failure maps to one typed error, after the retries the policy allows."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpcore
import httpx
import pytest

from mongars_client import AsyncClient, Client, errors
from mongars_client._transport import RetryPolicy, deadline_var, parse_retry_after
from tests.facade.conftest import BASE_URL, PASSWORD, FakeServer, chat_body, make_jwt

# Taken at import, before the autouse fixture replaces it with an instant one.
UNPATCHED_BACKOFF = RetryPolicy.backoff

JSON_ERRORS = {
    400: ({"detail": "Bad request"}, errors.BadRequestError),
    401: ({"detail": "Not authenticated"}, errors.AuthenticationError),
    403: ({"detail": "Forbidden"}, errors.PermissionDeniedError),
    404: ({"detail": "Not Found"}, errors.NotFoundError),
    409: ({"detail": "Username already exists"}, errors.ConflictError),
    413: ({"detail": "Request Entity Too Large"}, errors.APIStatusError),
    422: (
        {"detail": [{"type": "missing", "loc": ["body", "message"], "msg": "Field required"}]},
        errors.UnprocessableEntityError,
    ),
    429: ({"detail": "Too many requests"}, errors.RateLimitError),
    500: (None, errors.InternalServerError),
    502: ({"detail": "Failed to generate chat response"}, errors.InternalServerError),
    503: ({"detail": "Service Unavailable"}, errors.InternalServerError),
    504: (None, errors.InternalServerError),
}


@pytest.mark.parametrize("status", sorted(JSON_ERRORS))
def test_each_status_maps_to_its_error(client: Client, server: FakeServer, status: int) -> None:
    body, expected = JSON_ERRORS[status]
    client.login("u1", PASSWORD)
    answer = (
        httpx.Response(status, json=body, headers={"x-request-id": "req-7"})
        if body is not None
        else httpx.Response(status, text="Internal Server Error", headers={"x-request-id": "req-7"})
    )
    server.default = lambda request: answer
    with pytest.raises(errors.APIStatusError) as caught:
        client.chat("hello", max_retries=0)
    assert type(caught.value) is expected
    assert caught.value.status_code == status
    assert caught.value.request_id == "req-7"
    assert caught.value.path == "/api/v1/conversation/chat"
    assert str(status) in str(caught.value)


def test_422_carries_the_field_errors(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(422, json=JSON_ERRORS[422][0]))
    with pytest.raises(errors.UnprocessableEntityError) as caught:
        client.chat("hello")
    assert [(e.loc, e.msg) for e in caught.value.errors] == [
        (("body", "message"), "Field required")
    ]
    assert "body.message: Field required" in str(caught.value)


def test_422_with_a_plain_string_detail(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(422, json={"detail": "limit must be a positive integer"}))
    with pytest.raises(errors.UnprocessableEntityError) as caught:
        client.history(limit=0)
    assert caught.value.detail == "limit must be a positive integer"
    assert caught.value.errors == []


BROKEN_BODIES = {
    "missing field": httpx.Response(200, json={"response": "x", "confidence": 1.0}),
    "wrong type": httpx.Response(200, json={**chat_body(), "speech_turn": "not an object"}),
    "not json": httpx.Response(200, text="<html>oops</html>"),
    "truncated": httpx.Response(200, content=b'{"response": "x", "conf'),
    "empty": httpx.Response(200, content=b""),
    "a list": httpx.Response(200, json=[1, 2]),
    "invalid utf-8": httpx.Response(200, content=b'{"response": "\xff\xfe"}'),
    "bad date": httpx.Response(
        200,
        json={**chat_body(), "speech_turn": {**chat_body()["speech_turn"], "created_at": "nope"}},
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_BODIES))
def test_a_broken_success_body_is_a_response_validation_error(
    client: Client, server: FakeServer, case: str
) -> None:
    client.login("u1", PASSWORD)
    server.script.append(BROKEN_BODIES[case])
    with pytest.raises(errors.ResponseValidationError, match=r"conversation\.chat"):
        client.chat("hello")


def test_extra_fields_are_accepted(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(200, json={**chat_body(), "new_field": [1, 2]}))
    assert client.chat("hello").additional_properties == {"new_field": [1, 2]}


def test_two_503_on_a_get_then_success(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script += [httpx.Response(503), httpx.Response(503)]
    server.default = lambda request: httpx.Response(200, json=[])
    assert client.history() == []
    assert server.paths()[1:] == ["GET /api/v1/conversation/history"] * 3


def test_a_503_on_a_chat_is_not_retried(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(503))
    with pytest.raises(errors.InternalServerError):
        client.chat("hello")
    assert server.paths()[1:] == ["POST /api/v1/conversation/chat"]


def test_retries_exhausted_raise_the_last_error(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script += [httpx.Response(502)] * 3
    with pytest.raises(errors.InternalServerError) as caught:
        client.history()
    assert caught.value.status_code == 502
    assert len(server.requests) == 1 + 3


def test_max_retries_per_call(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script += [httpx.Response(503)] * 5
    with pytest.raises(errors.InternalServerError):
        client.history(max_retries=4)
    assert len(server.requests) == 1 + 5


def test_a_429_without_retry_after_waits_a_second_then_succeeds(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    server.script.append(httpx.Response(429, json={"detail": "Too many requests"}))
    assert client.chat("hello").response == "hello back"
    assert server.paths()[1:] == ["POST /api/v1/conversation/chat"] * 2


def test_a_long_retry_after_is_not_waited_for(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script.append(
        httpx.Response(429, headers={"Retry-After": "3600"}, json={"detail": "later"})
    )
    with pytest.raises(errors.RateLimitError) as caught:
        client.chat("hello")
    assert caught.value.retry_after == 3600
    assert len(server.requests) == 2


def test_connection_failures_are_retried_then_mapped(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script += [httpx.ConnectError("refused")] * 3
    with pytest.raises(errors.APIConnectionError, match="after 3 attempts: refused") as caught:
        client.chat("hello")
    assert not isinstance(caught.value, errors.APITimeoutError)


def test_a_reset_on_a_get_is_retried_but_not_on_a_post(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.default = lambda request: httpx.Response(200, json=[])
    server.script.append(
        httpx.RemoteProtocolError("Server disconnected without sending a response.")
    )
    assert client.history() == []
    server.script.append(
        httpx.RemoteProtocolError("Server disconnected without sending a response.")
    )
    with pytest.raises(errors.APIConnectionError, match="disconnected"):
        client.chat("hello")


def test_timeouts_are_api_timeout_errors(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    server.script += [httpx.ReadTimeout("slow")] * 3
    with pytest.raises(errors.APITimeoutError):
        client.history()


@pytest.mark.parametrize(
    ("header", "expected"),
    [("", None), ("2", 2.0), ("0.5", 0.5), ("-3", 0.0), ("soon", None)],
)
def test_parse_retry_after_seconds(header: str, expected: float | None) -> None:
    assert parse_retry_after(httpx.Headers({"Retry-After": header} if header else {})) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert parse_retry_after(httpx.Headers({"Retry-After": header}), now=now.timestamp()) == 7.0


def test_retry_after_as_http_date_is_honoured(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    past = format_datetime(datetime.now(UTC) - timedelta(seconds=5), usegmt=True)
    server.script.append(httpx.Response(503, headers={"Retry-After": past}))
    server.default = lambda request: httpx.Response(200, json=[])
    assert client.history() == []


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    for retry, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        waits = {UNPATCHED_BACKOFF(policy, retry) for _ in range(20)}
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(waits) > 1


def test_a_429_without_retry_after_waits_a_second_or_more_with_jitter() -> None:
    """Clients limited together must not retry together: above the server's 1 s floor, spread."""
    policy = RetryPolicy()
    request = httpx.Request("POST", "http://127.0.0.1:9/api/v1/conversation/chat")
    for retry in range(4):
        waits = [policy.wait_after_response(request, httpx.Response(429), retry) for _ in range(50)]
        assert all(w is not None and 1.0 <= w <= 1.0 + policy.backoff_cap for w in waits)
        assert len(set(waits)) > 25
        assert max(w for w in waits if w is not None) - 1.0 > 0.25 * min(
            policy.backoff_cap, policy.backoff_base * 2**retry
        )


class _Hanging(httpx.AsyncBaseTransport):
    """An asyncio transport that never answers: only a cancellation ends its wait."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_the_asyncio_client_ends_a_call_at_its_deadline_whatever_it_waits_for() -> None:
    hanging = _Hanging()
    async with AsyncClient(BASE_URL, token=make_jwt(), transport=hanging, max_retries=0) as client:
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError):
            await asyncio.wait_for(client.chat("hello", timeout=0.3), 5)
        assert time.monotonic() - started < 2.0  # generous: the deadline is at 0.3 s


async def test_a_call_cancelled_by_its_caller_is_cancelled_not_timed_out() -> None:
    hanging = _Hanging()
    async with AsyncClient(BASE_URL, token=make_jwt(), transport=hanging) as client:
        call = asyncio.ensure_future(client.chat("hello", timeout=0.3))
        await hanging.started.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        # The caller cancelled at once; the deadline passing later changes nothing.
        assert call.cancelled()


class _Dripping(httpcore.NetworkStream):
    """A connection whose every read returns a byte at once: a server that never stops."""

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return b"a"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        return None


class _Counting:
    """A socket's counts, as our sockets keep them."""

    def __init__(self) -> None:
        self.received = self.in_flight = 0


def test_an_answer_read_before_the_request_wrote_itself_is_an_answer_begun() -> None:
    # Over HTTP/2, another task may flush a request's headers and read its answer before the
    # request's own task writes (httpcore sends whatever h2 has queued): the count from the
    # attempt's start tells, the count at its first write would not.
    from mongars_client._transport import _Probe, probe_var, request_sent

    reused, opened_meanwhile = _Counting(), _Counting()
    probe = _Probe({reused: 0})
    reset = probe_var.set(probe)
    try:
        reused.received += 21  # its answer's headers and a byte, read by another task
        request_sent(reused)  # then its own, empty, write
        assert not probe.stale(httpx.RemoteProtocolError("Server disconnected"))
        request_sent(opened_meanwhile)  # a connection opened during the attempt: no race either
        assert not probe.stale(httpx.RemoteProtocolError("Server disconnected"))
        quiet = _Probe({reused: reused.received})
        probe_var.set(quiet)
        request_sent(reused)
        assert quiet.stale(httpx.RemoteProtocolError("Server disconnected"))
    finally:
        probe_var.reset(reset)


class _ClosedUnderneath(httpcore.NetworkStream):
    """An SSL socket that another thread closed between ssl's own check and its use."""

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        raise ValueError("Read on closed or unwrapped SSL socket.")

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        raise ValueError("Write on closed or unwrapped SSL socket.")


@pytest.mark.parametrize("operation", ["read", "write"])
def test_a_tls_socket_closed_by_another_thread_is_a_network_error(operation: str) -> None:
    # The transport's close() shuts down the sockets a stream reader may be using; ssl's
    # ValueError must fail that request like any broken connection, not escape as a bug.
    from mongars_client._sockets import _DeadlineStream, _Opened

    opened = _Opened()
    stream = _DeadlineStream(_ClosedUnderneath(), opened)
    wait = stream.read if operation == "read" else stream.write
    with pytest.raises(ValueError, match="closed or unwrapped"):  # not closed by us: a bug
        wait(b"x" if operation == "write" else 1, 5.0)  # type: ignore[arg-type]
    opened.close()  # the transport's close() does this first
    expected = httpcore.ReadError if operation == "read" else httpcore.WriteError
    with pytest.raises(expected, match="closed or unwrapped"):
        wait(b"x" if operation == "write" else 1, 5.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("operation", ["read", "write"])
def test_blocking_sockets_wait_no_more_once_the_deadline_has_passed(operation: str) -> None:
    # Past the deadline, a server answering every read at once must not keep the call going
    # (headers a byte at a time are only checked by the sockets).
    from mongars_client._sockets import _DeadlineStream, _Opened

    stream = _DeadlineStream(_Dripping(), _Opened())
    reset = deadline_var.set(time.monotonic() - 0.01)
    try:
        wait = stream.read if operation == "read" else stream.write
        with pytest.raises(httpcore.TimeoutException):
            wait(b"x" if operation == "write" else 1, 5.0)  # type: ignore[arg-type]
    finally:
        deadline_var.reset(reset)

"""Injected faults, end to end: the SDK over real sockets to the simulator, through a fault proxy.

Each case injects one fault (a simulator switch, or a misbehaving TCP connection of the proxy)
and makes one call, on a fresh blocking `Client` and a fresh `AsyncClient`. The call must end
within its timeout (plus the waits its permitted retries take), either with the typed error the
fault calls for or with success after a permitted retry; and leave no thread, task or socket
behind (ResourceWarning is an error in this suite, too).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from mongars_client import AsyncClient, Client
from mongars_client.errors import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    MonGARSError,
    ResponseValidationError,
)
from mongars_client.testing import Simulator
from tests.reliability import fault_proxy
from tests.reliability.conftest import TALLY
from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.support import (
    MARGIN,
    PASSWORD,
    USERNAME,
    login_token,
    no_leaks,
    no_tasks_left,
    quick_backoff,  # noqa: F401 - a fixture
)

SECTION = "injected faults (calls, each by Client and AsyncClient)"
OK = "succeeded"
PATHS = {"GET": "/api/v1/conversation/history", "POST": "/api/v1/conversation/chat"}
SHORT_TIMEOUT = 0.5  # for the faults that outlast any timeout: the call must give up then


@pytest.fixture
def sim_and_proxy(servers: tuple[Simulator, FaultProxy]) -> Iterator[tuple[Simulator, FaultProxy]]:
    """The module's servers, with no fault pending before or after the test."""
    sim, proxy = servers
    sim.faults.clear()
    proxy.reset()
    yield sim, proxy
    sim.faults.clear()
    proxy.reset()


Inject = Callable[[Simulator, FaultProxy, str], None]


@dataclass(frozen=True)
class Fault:
    """A fault, how to inject it for a path, and what a GET and a POST must come to."""

    kind: str
    inject: Inject
    get: type[MonGARSError] | None  # None: the call succeeds
    post: type[MonGARSError] | None
    timeout: float = 10.0
    waits: float = 0.5  # the most the permitted retries may sleep, in all
    refused: bool = False  # the client is pointed at a port nobody listens on
    ids: str = field(default="", compare=False)


def sim_fault(method: str, *args: Any, **kwargs: Any) -> Inject:
    """Call `sim.faults.<method>(..., path=path)`."""
    return lambda sim, proxy, path: getattr(sim.faults, method)(*args, path=path, **kwargs)


def proxy_fault(*faults: str) -> Inject:
    """Plan these faults for the next connections of the proxy."""
    return lambda sim, proxy, path: proxy.fail_connections(*faults)


def nothing(sim: Simulator, proxy: FaultProxy, path: str) -> None:
    """No fault to set up (the client itself is pointed somewhere)."""


ERROR = InternalServerError
FAULTS = [
    # Error statuses: GET is retried (idempotent), POST is not (the request was processed).
    Fault("503 once", sim_fault("fail_next", 1, status=503), None, ERROR),
    Fault(
        "503 with Retry-After", sim_fault("fail_next", 1, status=503, retry_after=0.2), None, ERROR
    ),
    Fault("503 every time", sim_fault("fail_next", 3, status=503), ERROR, ERROR),
    Fault("502 once", sim_fault("fail_next", 1, status=502), None, ERROR),
    Fault("504 once", sim_fault("fail_next", 1, status=504), None, ERROR),
    # 429: monGARS refuses before doing anything, so every method is sent again.
    Fault(
        "429 with Retry-After", sim_fault("fail_next", 1, status=429, retry_after=0.2), None, None
    ),
    Fault("429 without Retry-After", sim_fault("fail_next", 1, status=429), None, None, waits=1.5),
    Fault(
        "500, text/plain, connection closed", sim_fault("fail_next", 1, status=500), ERROR, ERROR
    ),
    Fault("connection reset by the server", sim_fault("reset_next", 1), None, APIConnectionError),
    Fault(
        "malformed 200 body",
        sim_fault("malformed_next", 1),
        ResponseValidationError,
        ResponseValidationError,
    ),
    Fault(
        "latency within the timeout", lambda sim, proxy, path: sim.faults.latency(0.3), None, None
    ),
    Fault(
        "latency past the timeout",
        lambda sim, proxy, path: sim.faults.latency(30),
        APITimeoutError,
        APITimeoutError,
        timeout=SHORT_TIMEOUT,
    ),
    Fault("model down", lambda sim, proxy, path: sim.faults.model_down(), None, None),
    Fault("token expired (re-login)", lambda sim, proxy, path: sim.expire_tokens(), None, None),
    # TCP faults of the proxy.
    Fault("connection refused", nothing, APIConnectionError, APIConnectionError, refused=True),
    Fault(
        "reset before the response, once",
        proxy_fault(fault_proxy.RESET_BEFORE_RESPONSE),
        None,
        APIConnectionError,
    ),
    Fault(
        "reset before the response, every time",
        proxy_fault(*[fault_proxy.RESET_BEFORE_RESPONSE] * 3),
        APIConnectionError,
        APIConnectionError,
    ),
    Fault(
        "reset mid-body, once", proxy_fault(fault_proxy.RESET_MID_BODY), None, APIConnectionError
    ),
    Fault(
        "stall past the read timeout",
        proxy_fault(fault_proxy.STALL),
        APITimeoutError,
        APITimeoutError,
        timeout=SHORT_TIMEOUT,
    ),
    Fault(
        "slow drip (a byte every 50 ms)",
        proxy_fault(fault_proxy.DRIP),
        APITimeoutError,
        APITimeoutError,
        timeout=SHORT_TIMEOUT,
    ),
]


def call(client: Any, method: str) -> Any:
    """The GET or the POST of these tests (history, chat), on either client."""
    return client.history() if method == "GET" else client.chat("hello")


def run(mode: str, url: str, token: str, fault: Fault, method: str, origin: str) -> Any:
    """Make the call on a fresh client of `mode`; its result or exception."""
    options: dict[str, Any] = {
        "token": token,
        "username": USERNAME,
        "password": PASSWORD,
        "timeout": fault.timeout,
        "origin": origin,
    }
    if mode == "Client":
        with Client(url, **options) as client:
            try:
                return call(client, method)
            except MonGARSError as error:
                return error

    async def in_a_loop() -> Any:
        async with AsyncClient(url, **options) as client:
            try:
                result = await call(client, method)
            except MonGARSError as error:
                result = error
        no_tasks_left()
        return result

    return asyncio.run(in_a_loop())


def outcome_name(result: Any) -> str:
    """`succeeded`, or the exception's class name."""
    return type(result).__name__ if isinstance(result, BaseException) else OK


@pytest.mark.usefixtures("quick_backoff")
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.kind)
def test_a_call_under_a_fault_ends_in_time_as_it_should(
    sim_and_proxy: tuple[Simulator, FaultProxy], fault: Fault, mode: str, method: str
) -> None:
    sim, proxy = sim_and_proxy
    token = login_token(sim)
    logins = sim.requests.count(("POST", "/token", 200))  # the test's own login included
    fault.inject(sim, proxy, PATHS[method])
    url = f"http://127.0.0.1:{fault_proxy.refused_port()}" if fault.refused else proxy.url
    expected = fault.get if method == "GET" else fault.post
    # The SDK only knows the proxy; sockets to the simulator are the proxy's own upstream
    # links, which it closes on its own schedule.
    with no_leaks(proxy.port), TALLY.timed(SECTION, fault.kind):
        started = time.monotonic()
        result = run(mode, url, token, fault, method, sim.origin)
        elapsed = time.monotonic() - started
    ok = isinstance(result, expected) if expected else not isinstance(result, BaseException)
    TALLY.add(SECTION, fault.kind, outcome_name(result), expected=ok)
    assert ok, f"{fault.kind}, {mode} {method}: expected {expected}, got {result!r}"
    # The bound the issue sets: the call's timeout, plus its permitted retries' waits.
    assert elapsed < fault.timeout + fault.waits + MARGIN, elapsed
    if fault.kind.startswith("token expired"):  # exactly one login, by the SDK itself
        assert sim.requests.count(("POST", "/token", 200)) == logins + 1


def test_after_a_500_that_closed_the_connection_the_next_call_works(
    sim_and_proxy: tuple[Simulator, FaultProxy],
) -> None:
    """The real server drops the keep-alive connection after its 500: the pooled connection is
    dead, and the next call must open another rather than fail."""
    sim, _ = sim_and_proxy
    with no_leaks(sim.port), Client(sim.base_url, token=login_token(sim)) as client:
        client.history()
        sim.faults.fail_next(1, status=500, path=PATHS["GET"])
        with pytest.raises(InternalServerError):
            client.history()
        assert client.history() == []
        TALLY.add(SECTION, "500, text/plain, connection closed", OK)

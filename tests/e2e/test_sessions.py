"""Logins over real sockets, for `Client` and `AsyncClient` alike: which calls need one, how
concurrent calls share one (its failure as well as its success), the call's deadline around it,
and refresh timing on the server's clock."""

from __future__ import annotations

import asyncio
import email.utils
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal

from mongars_api.api.llm import health as llm_health
from mongars_api.api.system import healthz, ready
from mongars_client import AsyncClient, Client, errors
from mongars_client.testing import Simulator
from tests.e2e.conftest import PASSWORD, Target, make_client

WRONG = "not-the-password-1"
LOGIN = ("POST", "/token")


def logins(sim: Simulator) -> int:
    return sum(1 for m, p, _ in sim.requests if (m, p) == LOGIN)


def concurrently(
    mode: str,
    portal: BlockingPortal,
    count: int,
    make: Callable[[], Any],
    call: Callable[[Any], Any],
) -> list[tuple[float, object]]:
    """Run `call(client)` `count` times at once on one client made by `make()`.

    Returns, for each call, its duration and its result or the exception it raised.
    """
    outcomes: list[tuple[float, object]] = []
    if mode == "sync":
        with make() as shared:
            barrier = threading.Barrier(count)

            def one() -> None:
                barrier.wait()
                started = time.monotonic()
                try:
                    outcome: object = call(shared)
                except Exception as error:
                    outcome = error
                outcomes.append((time.monotonic() - started, outcome))

            threads = [threading.Thread(target=one) for _ in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        return outcomes

    async def all_at_once() -> list[tuple[float, object]]:
        async with make() as shared:

            async def one() -> tuple[float, object]:
                started = time.monotonic()
                try:
                    outcome: object = await call(shared)
                except Exception as error:
                    outcome = error
                return time.monotonic() - started, outcome

            return list(await asyncio.gather(*(one() for _ in range(count))))

    return portal.call(all_at_once)


def client_class(mode: str) -> type[Client] | type[AsyncClient]:
    return Client if mode == "sync" else AsyncClient


# --- Operations that need no login never log in -------------------------------------------------


def test_operations_without_security_never_log_in(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    with make_client(mode, portal, sim.base_url, username="u1", password=WRONG) as client:
        assert client.health().additional_properties == {"status": "ok"}
        assert client.call(ready).additional_properties == {"status": "ready"}
        assert client.call(llm_health) is not None
    assert logins(sim) == 0
    assert ("GET", "/healthz", 200) in sim.requests


def test_register_with_the_new_accounts_credentials_does_not_log_in_first(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    password = "brand-new-password"
    with make_client(mode, portal, sim.base_url, username="newuser", password=password) as client:
        registered = client.register("newuser", password)
        assert registered.additional_properties["status"] == "registered"
        assert logins(sim) == 0
        assert client.history() == []  # the first protected call logs in, once
    assert logins(sim) == 1


def test_the_generated_functions_without_security_do_not_log_in(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    with make_client(mode, portal, sim.base_url, username="u1", password=WRONG) as client:
        api = client.api
        if mode == "sync":
            assert healthz.sync(client=api) is not None
        else:

            async def probe() -> object:
                return await healthz.asyncio(client=api)

            assert portal.call(probe) is not None
    assert logins(sim) == 0


# --- Logins: one attempt for everyone ------------------------------------------------------------


def test_a_failed_login_is_shared_by_every_waiting_call(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    outcomes = concurrently(
        mode,
        portal,
        20,
        lambda: client_class(mode)(sim.base_url, username="u1", password=WRONG),
        lambda client: client.history(),
    )
    assert len(outcomes) == 20
    assert all(isinstance(outcome, errors.AuthenticationError) for _, outcome in outcomes)
    assert len({id(outcome) for _, outcome in outcomes}) == 20  # each call raises its own
    assert 1 <= logins(sim) <= 2


def test_after_a_refused_login_calls_fail_fast_until_new_credentials(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    with make_client(mode, portal, sim.base_url, username="u1", password=WRONG) as client:
        for _ in range(5):
            with pytest.raises(errors.AuthenticationError):
                client.history()
        assert logins(sim) == 1
        client.login("u1", PASSWORD)  # a changed password ends the cool-down
        assert client.history() == []
    assert logins(sim) == 2


def test_a_slow_refused_login_does_not_queue_the_calls_behind_it(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    sim.faults.latency(2, path="/token")
    outcomes = concurrently(
        mode,
        portal,
        5,
        lambda: client_class(mode)(sim.base_url, username="u1", password=WRONG, timeout=3),
        lambda client: client.history(),
    )
    assert all(isinstance(outcome, errors.AuthenticationError) for _, outcome in outcomes)
    # Each call within about its 3 s timeout (before: 2, 4, 6, 8 and 10 s, one login each).
    assert max(duration for duration, _ in outcomes) < 4.5


def test_the_call_timeout_covers_the_wait_for_a_login(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    sim.faults.latency(6, path="/token")
    outcomes = concurrently(
        mode,
        portal,
        5,
        lambda: client_class(mode)(sim.base_url, username="u1", password=PASSWORD, timeout=2),
        lambda client: client.history(),
    )
    assert all(isinstance(outcome, errors.APITimeoutError) for _, outcome in outcomes)
    # Each call ends near its own 2 s deadline, however many logins queue before it.
    assert max(duration for duration, _ in outcomes) < 3.5


def test_a_401_replay_is_bounded_by_the_calls_timeout(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    with make_client(mode, portal, sim.base_url, timeout=30) as client:
        client.login("u1", PASSWORD)
        sim.expire_tokens()
        # Each of the three steps fits in the call's 1.5 s; together they do not.
        sim.faults.latency(1.0, path="/token")
        sim.faults.latency(1.0, path="/api/v1/conversation/history")
        started = time.monotonic()
        with pytest.raises(errors.APITimeoutError):
            client.history(timeout=1.5)
        assert time.monotonic() - started < 2.5
        sim.faults.clear()
        assert client.history(timeout=5) == []  # the login lock was given back


# --- Clock skew ---------------------------------------------------------------------------------


def test_refresh_timing_follows_the_servers_clock(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    # The server's clock two hours behind: the client's is two hours ahead. Its one-hour tokens
    # expired an hour ago by the client's clock, and are valid for an hour by the server's.
    sim.advance_time(-7200)
    with make_client(mode, portal, sim.base_url, username="u1", password=PASSWORD) as client:
        for _ in range(10):
            assert client.history() == []
        token = client.token
        assert token is not None
        remaining = token.expires_in()
        assert remaining is not None and 3500 < remaining < 3602  # `Date` is to the second
    assert logins(sim) == 1


class _FutureDate:
    """A proxy in front of the server whose clock is three hours ahead: it rewrites `Date`."""

    @staticmethod
    def date() -> str:
        return email.utils.formatdate(time.time() + 3 * 3600, usegmt=True)


class _FutureDateTransport(httpx.HTTPTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        response.headers["date"] = _FutureDate.date()
        return response


class _AsyncFutureDateTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        response.headers["date"] = _FutureDate.date()
        return response


def test_a_date_after_the_tokens_expiry_does_not_make_every_call_log_in(
    mode: str, portal: BlockingPortal, target: Target
) -> None:
    sim = target.simulator()
    transport = _FutureDateTransport() if mode == "sync" else _AsyncFutureDateTransport()
    with make_client(
        mode, portal, sim.base_url, username="u1", password=PASSWORD, transport=transport
    ) as client:
        for _ in range(5):
            assert client.history() == []
        token = client.token
        assert token is not None and not token.needs_refresh()
    # A `Date` the token expired before cannot be the server's time of issue: the local clock
    # (right here) stands in, as without a `Date` (before: a login before each of the 5 calls).
    assert logins(sim) == 1

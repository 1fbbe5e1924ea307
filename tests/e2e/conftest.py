"""End-to-end fixtures: the simulator (always) or a real server (`live`), and both clients.

Each scenario is written once, as blocking code. The `client` fixture gives either a `Client`, or
an `AsyncClient` whose calls run on a real asyncio loop in a portal thread: the same assertions
then hold for both clients, each on its own I/O.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from mongars_client import AsyncClient, Client
from mongars_client.testing import Simulator

PASSWORD = "password-e2e-1"
LIVE_VARIABLES = ("MONGARS_LIVE_URL", "MONGARS_LIVE_USERNAME", "MONGARS_LIVE_PASSWORD")


@attrs.frozen
class Target:
    """A server to test against; `sim` is None for a real server."""

    base_url: str
    username: str
    password: str
    sim: Simulator | None = None
    origin: str | None = None

    def simulator(self) -> Simulator:
        """The simulator, or skip: the test drives server-side switches a real server lacks."""
        if self.sim is None:
            pytest.skip("needs the simulator's switches")
        return self.sim


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Simulator arguments; override in a module for other settings."""
    return {"chat_rate_limit": None}


@pytest.fixture
def sim(sim_options: dict[str, Any]) -> Iterator[Simulator]:
    """A simulator with the user `u1`."""
    with Simulator(users={"u1": PASSWORD}, **sim_options) as started:
        yield started


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked `live` run against the simulator and, when configured, a real server."""
    if "target" in metafunc.fixturenames:
        live = metafunc.definition.get_closest_marker("live") is not None
        metafunc.parametrize(
            "target", ["simulator", "live"] if live else ["simulator"], indirect=True
        )


@pytest.fixture
def target(request: pytest.FixtureRequest, sim_options: dict[str, Any]) -> Iterator[Target]:
    """The simulator, or a real server when MONGARS_LIVE_* are set (for tests marked `live`)."""
    if request.param == "live":
        missing = [name for name in LIVE_VARIABLES if not os.environ.get(name)]
        if missing:
            pytest.skip(f"live server tests need {', '.join(missing)}")
        yield Target(*(os.environ[name] for name in LIVE_VARIABLES))
        return
    with Simulator(users={"u1": PASSWORD}, **sim_options) as started:
        yield Target(started.base_url, "u1", PASSWORD, started, started.origin)


@pytest.fixture(scope="session")
def portal() -> Iterator[BlockingPortal]:
    """An asyncio loop in a thread, for driving AsyncClient from blocking test code."""
    with start_blocking_portal("asyncio") as running:
        yield running


class Portalled:
    """An AsyncClient (or one of its streams) behind a blocking interface, run in the portal."""

    def __init__(self, wrapped: Any, portal: BlockingPortal) -> None:
        self._wrapped = wrapped
        self._portal = portal

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._wrapped, name)
        if name in {"stream", "chat_stream"}:
            return lambda *args, **kwargs: Portalled(attribute(*args, **kwargs), self._portal)
        if not callable(attribute):
            return attribute
        return lambda *args, **kwargs: self._portal.call(
            functools.partial(attribute, *args, **kwargs)
        )

    def __enter__(self) -> Portalled:
        self._portal.call(self._wrapped.__aenter__)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._portal.call(self._wrapped.__aexit__, *exc_info)

    def __iter__(self) -> Iterator[Any]:
        iterator = self._wrapped.__aiter__()
        while True:
            try:
                yield self._portal.call(iterator.__anext__)
            except StopAsyncIteration:
                return

    def close(self) -> None:
        self._portal.call(self._wrapped.aclose)


def make_client(mode: str, portal: BlockingPortal, *args: Any, **kwargs: Any) -> Any:
    """A `Client`, or an `AsyncClient` run through the portal."""
    if mode == "sync":
        return Client(*args, **kwargs)
    return Portalled(AsyncClient(*args, **kwargs), portal)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Which client a scenario runs with."""
    mode_name: str = request.param
    return mode_name


@pytest.fixture
def client(mode: str, portal: BlockingPortal, target: Target) -> Iterator[Any]:
    """A client of `target`, not logged in; closed after the test."""
    made = make_client(mode, portal, target.base_url, origin=target.origin)
    with made:
        yield made

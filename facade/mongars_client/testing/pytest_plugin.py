"""Pytest fixtures that run a monGARS simulator for each test.

Enable them in your top-level `conftest.py`::

    pytest_plugins = ["mongars_client.testing.pytest_plugin"]

then ask for `simulator` in a test (or `async_simulator` in an async test run by anyio's pytest
plugin, `@pytest.mark.anyio`). Both log in with `DEMO_USERNAME` / `DEMO_PASSWORD` by default;
override the `simulator_options` fixture to pass other `Simulator` arguments::

    @pytest.fixture
    def simulator_options():
        return {"users": {"alice": "password1"}, "chat_rate_limit": None}
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mongars_client.testing._simulator import DEMO_PASSWORD, DEMO_USERNAME, Simulator


@pytest.fixture
def simulator_options() -> dict[str, Any]:
    """Keyword arguments for `Simulator` in the fixtures below: the demo account only."""
    return {"users": {DEMO_USERNAME: DEMO_PASSWORD}}


@pytest.fixture
def simulator(simulator_options: dict[str, Any]) -> Iterator[Simulator]:
    """A started `Simulator`, stopped after the test."""
    with Simulator(**simulator_options) as sim:
        yield sim


@pytest.fixture
async def async_simulator(simulator_options: dict[str, Any]) -> AsyncIterator[Simulator]:
    """A started `Simulator` for async tests; starting and stopping never block the event loop."""
    async with Simulator(**simulator_options) as sim:
        yield sim

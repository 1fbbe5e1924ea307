"""Fixtures of the simulator's tests: the ones we ship to users, used as they would use them."""

from mongars_client.testing.pytest_plugin import (  # noqa: F401
    async_simulator,
    simulator,
    simulator_options,
)

"""`Simulator.burst`, the bench's hook: many events, in order, past the per-socket queue limit."""

from __future__ import annotations

import pytest

from mongars_client.testing import Simulator
from tests.simulator.support import PASSWORD, login, open_stream, receive

pytestmark = pytest.mark.anyio


async def test_a_burst_reaches_every_stream_whole_and_in_order() -> None:
    # Four times the queue's size: a burst is one queue item, so it never closes with 1013.
    async with Simulator(users={"u1": PASSWORD}, ws_queue_size=16) as sim:
        token = login(sim)
        async with open_stream(sim, token) as first, open_stream(sim, token) as second:
            assert sim.burst("u1", 64) == 2
            for ws in (first, second):
                frames = [await receive(ws) for _ in range(64)]
                assert [frame["data"] for frame in frames] == [{"n": n} for n in range(64)]
                assert {frame["type"] for frame in frames} == {"bench.burst"}
                assert {frame["user"] for frame in frames} == {"u1"}
                assert len({frame["id"] for frame in frames}) == 64
            # The stream goes on as usual after a burst.
            sim.publish("u1", "after", {})
            assert (await receive(first))["type"] == "after"


async def test_a_burst_to_a_user_without_streams_reaches_nobody() -> None:
    async with Simulator(users={"u1": PASSWORD}) as sim:
        assert sim.burst("u1", 10, event_type="x") == 0

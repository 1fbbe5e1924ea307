"""Soak: a stream receiving 200,000 events keeps its memory bounded, duplicate tracking included.

Accelerated: the fault proxy writes the events into a live stream from the simulator as fast as
the client takes them (TCP back-pressure paces it), instead of the server's own pace. One event
in ten repeats the id of an event about a thousand earlier: the stream must drop it (it is inside
the duplicate-tracking window) while that window stays bounded. The resident set size is read
from /proc after the first 20,000 events (allocators and caches warmed up) and at the end; the
growth is printed in the run's summary and must stay under 20 MB.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from mongars_client import AsyncClient, Client
from mongars_client._bridge import run_sync
from mongars_client.streaming import StreamOptions
from mongars_client.testing import Simulator
from tests.reliability.conftest import TALLY
from tests.reliability.fault_proxy import FaultProxy, Inject, frame
from tests.reliability.support import (
    USERNAME,
    AsyncEvents,
    BlockingEvents,
    login_token,
    no_leaks,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads the RSS from /proc")

EVENTS = 200_000
WARM_UP = 20_000
REPEAT_EVERY, REPEAT_DISTANCE = 10, 1001  # well inside the default window of 4096 ids
LIMIT_MB = 20.0
# No keepalive pings: the event loop is busy with the flood, and the test is about memory.
OPTIONS = StreamOptions(ping_interval=None)


def event_id(number: int) -> str:
    """The id of event `number`: one in ten repeats an earlier, unrepeated one (not the last,
    which tells the consumer that the flood is over). Ids are 64 characters long, so that a
    duplicate tracker that forgot nothing would hold well over the limit by the end."""
    repeat = number % REPEAT_EVERY == REPEAT_EVERY - 1 and number != EVENTS - 1
    if repeat and number >= REPEAT_DISTANCE:
        number -= REPEAT_DISTANCE
    return hashlib.sha256(b"soak %d" % number).hexdigest()


UNIQUE = len({event_id(n) for n in range(EVENTS)})


def flood() -> Iterator[bytes]:
    """The 200,000 event frames, made one at a time as the proxy sends them."""
    for number in range(EVENTS):
        envelope = {
            "id": event_id(number),
            "type": "soak.tick",
            "ts": 1_700_000_000 + number / 1000,
            "user": USERNAME,
            "data": {"n": number, "text": f"event number {number}"},
        }
        yield frame(json.dumps(envelope).encode())


def rss_mb() -> float:
    """This process's resident set size, in MB, after a full collection."""
    gc.collect()
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 1e6


@pytest.fixture
def quiet_frames() -> Iterator[None]:
    """websockets logs every frame at DEBUG; the suite captures every record, and 200,000 kept
    records would be the test harness's memory growth, not the SDK's. INFO and above still go
    to the secret-capture fixture."""
    frames = logging.getLogger("websockets.client")
    level = frames.level
    frames.setLevel(logging.INFO)
    yield
    frames.setLevel(level)


async def consume(events: BlockingEvents | AsyncEvents) -> dict[str, Any]:
    """Count the flood's events up to the last one, measuring memory on the way."""
    received = 0
    baseline = 0.0
    while True:
        event = await events.next()
        if event.type != "soak.tick":
            continue
        received += 1
        if received == WARM_UP:
            baseline = rss_mb()
        if event.data["n"] == EVENTS - 1:
            return {"received": received, "growth": rss_mb() - baseline}


@pytest.mark.usefixtures("quiet_frames")
@pytest.mark.parametrize("mode", ["AsyncClient", "Client"])
def test_200000_events_in_bounded_memory(servers: tuple[Simulator, FaultProxy], mode: str) -> None:
    sim, proxy = servers
    token = login_token(sim)
    proxy.fail_streams(Inject(flood()))
    with no_leaks(proxy.port):
        if mode == "Client":
            with (
                Client(proxy.url, token=token, origin=sim.origin) as client,
                client.stream(options=OPTIONS) as stream,
            ):
                watchdog = threading.Timer(600, stream.close)  # a stuck stream ends
                watchdog.start()
                try:
                    result = run_sync(consume(BlockingEvents(stream)))
                finally:
                    watchdog.cancel()
                    watchdog.join()  # a cancelled timer's thread still has to end
        else:

            async def main() -> dict[str, Any]:
                async with (
                    AsyncClient(proxy.url, token=token, origin=sim.origin) as client,
                    client.stream(options=OPTIONS) as stream,
                ):
                    return await consume(AsyncEvents(stream))

            result = asyncio.run(main())
    TALLY.note(
        f"soak ({mode}): {EVENTS} events sent, {result['received']} delivered "
        f"({EVENTS - UNIQUE} duplicates dropped), RSS growth after warm-up "
        f"{result['growth']:.1f} MB (limit {LIMIT_MB:.0f} MB)"
    )
    assert result["received"] == UNIQUE
    assert result["growth"] < LIMIT_MB

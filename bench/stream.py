"""`stream_throughput`: events per second through `client.stream()` vs a raw websockets loop.

Each sample opens a stream, waits for the connection's first two events, then has the
simulator (in its own process) send a burst of events back to back. Throughput is counted
from the first burst event the consumer gets to the last: (count - 1) / elapsed, so the time
to build and start the burst and the pipeline's latency are left out, on both sides alike.
Ours yields typed `Event`s from `client.stream()`; the baseline is `websockets` with the same
connection options (no compression, same frame limit) and `json.loads` of each frame.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import websockets.asyncio.client
import websockets.sync.client

from bench._server import ServerProcess
from bench._stats import Figure, alternate, paired_figure
from mongars_client import AsyncClient, Client
from mongars_client.streaming import StreamOptions

BURST_TYPE = "bench.burst"
TARGET, LIMIT = "≥ 0.9", 0.9


def _connect_options(server: ServerProcess) -> dict[str, Any]:
    """What `client.stream()` passes to websockets (see `streaming._connect_kwargs`)."""
    return {
        "origin": server.info["origin"],
        "max_size": StreamOptions().max_frame,
        "compression": None,
    }


class _Clock:
    """First and last arrival of the burst's events, and how many arrived."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.seen = 0
        self.first = 0.0
        self.last = 0.0

    def tick(self) -> bool:
        """Record one burst event; True once all have arrived."""
        now = time.perf_counter()
        if self.seen == 0:
            self.first = now
        self.seen += 1
        self.last = now
        return self.seen == self.count

    def rate(self) -> float:
        return (self.count - 1) / (self.last - self.first)


def run_async(server: ServerProcess, rounds: int, count: int) -> Figure:
    """`AsyncClient.stream()` against `websockets.asyncio.client`."""
    with asyncio.Runner() as runner:
        client = AsyncClient(server.base_url, origin=server.info["origin"])
        runner.run(client.login(server.info["username"], server.info["password"]))

        async def ours() -> float:
            clock = _Clock(count)
            async with client.stream() as events:
                await anext(events)  # Connected
                await anext(events)  # HistorySnapshot
                fire = asyncio.create_task(asyncio.to_thread(server.burst, count))
                async for event in events:
                    if event.type == BURST_TYPE and clock.tick():
                        break
                await fire
            return clock.rate()

        async def baseline() -> float:
            clock = _Clock(count)
            ticket = (await client.ws_ticket()).ticket
            url = f"{server.base_url.replace('http', 'ws', 1)}/ws/chat/?t={ticket}"
            async with websockets.asyncio.client.connect(url, **_connect_options(server)) as ws:
                await ws.recv()
                await ws.recv()
                fire = asyncio.create_task(asyncio.to_thread(server.burst, count))
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == BURST_TYPE and clock.tick():
                        break
                await fire
            return clock.rate()

        mine, theirs = alternate(rounds, lambda: runner.run(ours()), lambda: runner.run(baseline()))
        runner.run(client.aclose())
    return _figure("stream_throughput", mine, theirs, count)


def run_sync(server: ServerProcess, rounds: int, count: int) -> Figure:
    """`Client.stream()` (reader thread and hand-off queue) against `websockets.sync.client`."""
    with Client(server.base_url, origin=server.info["origin"]) as client:
        client.login(server.info["username"], server.info["password"])

        def fire() -> threading.Thread:
            thread = threading.Thread(target=server.burst, args=(count,))
            thread.start()
            return thread

        def ours() -> float:
            clock = _Clock(count)
            with client.stream() as events:
                next(events)
                next(events)
                sender = fire()
                for event in events:
                    if event.type == BURST_TYPE and clock.tick():
                        break
                sender.join()
            return clock.rate()

        def baseline() -> float:
            clock = _Clock(count)
            ticket = client.ws_ticket().ticket
            url = f"{server.base_url.replace('http', 'ws', 1)}/ws/chat/?t={ticket}"
            with websockets.sync.client.connect(url, **_connect_options(server)) as ws:
                ws.recv()
                ws.recv()
                sender = fire()
                while True:
                    frame = json.loads(ws.recv())
                    if frame["type"] == BURST_TYPE and clock.tick():
                        break
                sender.join()
            return clock.rate()

        mine, theirs = alternate(rounds, ours, baseline)
    return _figure("stream_throughput_sync", mine, theirs, count)


def _figure(name: str, mine: list[float], theirs: list[float], count: int) -> Figure:
    return paired_figure(
        name,
        "events/s",
        mine,
        theirs,
        target=TARGET,
        limit=LIMIT,
        higher_is_better=True,
        detail={"events_per_burst": count},
    )

"""`many_streams_memory`, `many_streams_cpu`: N concurrent `AsyncClient` streams vs N raw sockets.

A relay service holds one stream per user it serves. Each sample is a fresh client process (so
that resident memory is its own, never a previous sample's leftovers) on loopback against the
one simulator process: it logs in, fetches one ticket (both sides then hold a warm httpx
client), imports and warms every module the side uses, and measures its resident set size; it
then opens N streams at once, each with a consumer task, waits until each got the connection's
two greeting events, and measures again: (after - before) / N is the memory of one open stream.
Then the simulator sends a burst of events to every stream, and the process's CPU time from the
request to the last event received, divided by the events delivered, is the CPU per event.

Ours: `AsyncClient.stream()` with default `StreamOptions`, typed events. The baseline:
`websockets.asyncio.client.connect` with the same connection options (origin, frame limit, no
compression, keepalive pings every 20 s, the same open and close timeouts), a ticket fetched
for each, and `json.loads` of each frame.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bench._server import ROOT, ServerProcess
from bench._stats import Figure, alternate, paired_figure

BURST_TYPE = "bench.burst"
MEMORY_TARGET, MEMORY_LIMIT = "≤ 1.2", 1.2
CPU_TARGET, CPU_LIMIT = "≤ 1.3", 1.3
# Streams opened at once: the simulator's accept queue and its ticket route take them in waves.
WAVE = 100


def _rss() -> int:
    """This process's resident set size, in bytes."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: the peak is the best there is
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _enough_descriptors(streams: int) -> None:
    """Raise the soft limit of open files when N sockets (and some spare) would not fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = streams + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            raise SystemExit(
                f"{streams} streams need {wanted} open files; the hard limit is {hard}"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _settled() -> int:
    gc.collect()
    return _rss()


async def _ours(info: dict[str, Any], streams: int, events: int) -> dict[str, float]:
    from mongars_client import AsyncClient

    async with AsyncClient(info["base_url"], origin=info["origin"]) as client:
        await client.login(info["username"], info["password"])
        async with client.stream() as warm:  # every module and code path loaded once
            await anext(warm)
            await anext(warm)
        before = _settled()
        ready = asyncio.Semaphore(0)
        done = asyncio.Event()
        received = 0
        total = streams * events

        async def consume(events_of: Any) -> None:
            nonlocal received
            greeted = 0
            async for event in events_of:
                if greeted < 2:
                    greeted += 1
                    if greeted == 2:
                        ready.release()
                elif event.type == BURST_TYPE:
                    received += 1
                    if received == total:
                        done.set()

        opened = [client.stream() for _ in range(streams)]
        for start in range(0, streams, WAVE):
            await asyncio.gather(*(s.__aenter__() for s in opened[start : start + WAVE]))
        return await _measure(
            info, events, before, opened, consume, lambda s: s.aclose(), ready, done
        )


async def _raw(info: dict[str, Any], streams: int, events: int) -> dict[str, float]:
    import websockets.asyncio.client

    from mongars_client import AsyncClient
    from mongars_client.streaming import StreamOptions

    defaults = StreamOptions()
    options = {
        "origin": info["origin"],
        "open_timeout": defaults.open_timeout,
        "ping_interval": defaults.ping_interval,
        "ping_timeout": defaults.ping_timeout,
        "close_timeout": defaults.close_timeout,
        "max_size": defaults.max_frame,
        "user_agent_header": "mongars-client",
        "compression": None,
    }
    ws_base = info["base_url"].replace("http", "ws", 1) + "/ws/chat/?t="
    async with AsyncClient(info["base_url"], origin=info["origin"]) as client:
        await client.login(info["username"], info["password"])
        ticket = (await client.ws_ticket()).ticket
        async with websockets.asyncio.client.connect(ws_base + ticket, **options) as warm:
            json.loads(await warm.recv())
            json.loads(await warm.recv())
        before = _settled()
        ready = asyncio.Semaphore(0)
        done = asyncio.Event()
        received = 0
        total = streams * events

        async def consume(ws: Any) -> None:
            nonlocal received
            json.loads(await ws.recv())
            json.loads(await ws.recv())
            ready.release()
            while True:
                frame = json.loads(await ws.recv())
                if frame["type"] == BURST_TYPE:
                    received += 1
                    if received == total:
                        done.set()

        async def connect() -> Any:
            ticket = (await client.ws_ticket()).ticket
            return await websockets.asyncio.client.connect(ws_base + ticket, **options)

        sockets: list[Any] = []
        for start in range(0, streams, WAVE):
            sockets += await asyncio.gather(
                *(connect() for _ in range(start, min(start + WAVE, streams)))
            )
        return await _measure(
            info, events, before, sockets, consume, lambda ws: ws.close(), ready, done
        )


async def _measure(
    info: dict[str, Any],
    events: int,
    before: int,
    opened: list[Any],
    consume: Callable[[Any], Coroutine[Any, Any, None]],
    close: Callable[[Any], Awaitable[object]],
    ready: asyncio.Semaphore,
    done: asyncio.Event,
) -> dict[str, float]:
    """Memory per stream and CPU per event of the streams `opened`, then their closing.

    Both sides go through here so that they are measured the same way: `consume(stream)`
    releases `ready` once the stream is greeted and sets `done` at the burst's last event.
    """
    streams = len(opened)
    tasks = [asyncio.create_task(consume(s)) for s in opened]
    for _ in range(streams):
        await ready.acquire()
    after = _settled()
    cpu = await _burst(info, events, streams, done)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for start in range(0, streams, WAVE):
        await asyncio.gather(*(close(s) for s in opened[start : start + WAVE]))
    return {
        "bytes_per_stream": (after - before) / streams,
        "cpu_per_event": cpu / (streams * events),
    }


async def _burst(info: dict[str, Any], events: int, streams: int, done: asyncio.Event) -> float:
    """CPU seconds this process spent from asking for the burst to its last event received."""
    started = time.process_time()
    # The simulator process is told over a pipe held by the parent: ask it through stdout.
    print(json.dumps({"burst": events}), flush=True)
    await done.wait()
    return time.process_time() - started


def _child(side: str, info: dict[str, Any], streams: int, events: int) -> None:
    _enough_descriptors(streams)
    run = _ours if side == "ours" else _raw
    result = asyncio.run(run(info, streams, events))
    print(json.dumps({"result": result}), flush=True)


def _sample(server: ServerProcess, side: str, streams: int, events: int) -> dict[str, float]:
    """One fresh client process: its memory per stream and CPU per event."""
    command = [sys.executable, "-m", "bench.many_streams", side, json.dumps(server.info)]
    with subprocess.Popen(
        [*command, str(streams), str(events)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            message = json.loads(line)
            if "burst" in message:
                sent_to = server.burst(int(message["burst"]))
                if sent_to != streams:
                    raise RuntimeError(f"the burst reached {sent_to} streams, not {streams}")
            elif "result" in message:
                result: dict[str, float] = message["result"]
        if child.wait() != 0:
            raise RuntimeError(f"the {side} sample failed")
    return result


def run(server: ServerProcess, rounds: int, streams: int, events: int) -> list[Figure]:
    """Both figures from `rounds` ABBA pairs of fresh processes."""
    samples: dict[str, list[dict[str, float]]] = {"ours": [], "raw": []}

    def side(name: str) -> float:
        samples[name].append(_sample(server, name, streams, events))
        return 0.0

    alternate(rounds, lambda: side("ours"), lambda: side("raw"))
    detail = {"streams": streams, "events_per_stream": events}
    memory = paired_figure(
        "many_streams_memory",
        "KiB/stream",
        [s["bytes_per_stream"] / 1024 for s in samples["ours"]],
        [s["bytes_per_stream"] / 1024 for s in samples["raw"]],
        target=MEMORY_TARGET,
        limit=MEMORY_LIMIT,
        detail=detail,
    )
    cpu = paired_figure(
        "many_streams_cpu",
        "µs/event",
        [s["cpu_per_event"] * 1e6 for s in samples["ours"]],
        [s["cpu_per_event"] * 1e6 for s in samples["raw"]],
        target=CPU_TARGET,
        limit=CPU_LIMIT,
        detail=detail,
    )
    return [memory, cpu]


if __name__ == "__main__":
    _child(sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))

"""`loopback_latency` and `concurrency`: chats against the simulator, over loopback TCP.

The simulator runs in a process of its own (`bench._server`), its chat rate limit off. Ours is
`Client.chat` / `AsyncClient.chat`; the baseline is an httpx client of the same kind with the
bearer header, posting the same message and `json.loads`-ing the answer.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable

import httpx

from bench._fixtures import CHAT_PATH, MESSAGE
from bench._server import ServerProcess
from bench._stats import Figure, alternate, paired_figure, percentile, spread
from mongars_client import AsyncClient, Client

WARM_UP = 50
# The facade's default timeouts, given to the baseline too: with httpx's default 5 s pool
# timeout, 500 requests queued on 100 connections could fail on the baseline's side only.
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


def _login(server: ServerProcess) -> str:
    answer = httpx.post(
        f"{server.base_url}/token",
        data={"username": server.info["username"], "password": server.info["password"]},
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def _latency(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def _percentile_figure(
    name: str, fraction: float, mine: list[float], theirs: list[float], chunks: int
) -> Figure:
    """Pooled percentiles; the spread is that of the same percentile's ratio per chunk."""
    size = max(len(mine) // chunks, 1)
    ratios = [
        percentile(mine[i : i + size], fraction) / percentile(theirs[i : i + size], fraction)
        for i in range(0, len(mine) - size + 1, size)
    ]
    ours, baseline = percentile(mine, fraction), percentile(theirs, fraction)
    return Figure(
        name=name,
        unit="ms",
        ours=ours,
        baseline=baseline,
        ratios=ratios,
        ratio_value=ours / baseline,
        target="≤ 1.05",
        limit=1.05,
        detail={"calls": len(mine), "ratio_per_chunk": spread(ratios)},
    )


def run_latency(server: ServerProcess, calls: int, chunks: int) -> list[Figure]:
    """p50 and p99 of sequential chats, ours and the baseline's calls interleaved ABBA."""
    token = _login(server)
    with (
        httpx.Client(
            base_url=server.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        ) as raw,
        Client(server.base_url, token=token) as ours,
    ):

        def baseline() -> object:
            answer = raw.post(CHAT_PATH, json={"message": MESSAGE})
            answer.raise_for_status()
            return json.loads(answer.content)

        def facade() -> object:
            return ours.chat(MESSAGE)

        for _ in range(WARM_UP):
            facade()
            baseline()
        mine, theirs = alternate(calls, lambda: _latency(facade), lambda: _latency(baseline))
    return [
        _percentile_figure("loopback_latency", 0.5, mine, theirs, chunks),
        _percentile_figure("loopback_latency_p99", 0.99, mine, theirs, chunks),
    ]


def run_concurrency(server: ServerProcess, rounds: int, concurrent: int) -> Figure:
    """Wall time of `concurrent` chats at once through one client; errors counted, never hidden."""
    token = _login(server)
    errors = {"ours": 0, "baseline": 0}
    with asyncio.Runner() as runner:
        raw = httpx.AsyncClient(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
        )
        ours = AsyncClient(server.base_url, token=token)

        async def baseline_one() -> object:
            answer = await raw.post(CHAT_PATH, json={"message": MESSAGE})
            answer.raise_for_status()
            return json.loads(answer.content)

        async def facade_one() -> object:
            return await ours.chat(MESSAGE)

        async def wave(side: str) -> float:
            one = facade_one if side == "ours" else baseline_one
            started = time.perf_counter()
            results = await asyncio.gather(
                *(one() for _ in range(concurrent)), return_exceptions=True
            )
            elapsed = time.perf_counter() - started
            errors[side] += sum(isinstance(result, BaseException) for result in results)
            return elapsed

        runner.run(wave("ours"))  # warm-up: opens the pools' connections
        runner.run(wave("baseline"))
        errors.update(ours=0, baseline=0)
        mine, theirs = alternate(
            rounds, lambda: runner.run(wave("ours")), lambda: runner.run(wave("baseline"))
        )
        runner.run(raw.aclose())
        runner.run(ours.aclose())
    return paired_figure(
        "concurrency",
        "s",
        mine,
        theirs,
        target="≤ 1.05, 0 errors",
        limit=1.05,
        detail={
            "concurrent_calls": concurrent,
            "errors": errors["ours"],
            "baseline_errors": errors["baseline"],
            "calls_per_second_ours": concurrent / statistics.median(mine),
        },
    )

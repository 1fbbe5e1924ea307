"""`client_overhead_sync` / `client_overhead_async`: the client's own cost per `chat()`.

Both sides talk to the same in-memory transport, which answers a realistic ChatResponse (a
`speech_turn` of 20 segments) as a stream: ours is `client.chat(message)` (validation, auth,
retry layer, request building, the generated model's parsing); the baseline is what a
hand-written caller would do with httpx, a POST with the bearer header and `json.loads` of the
same bytes. The network is left out, so everything measured is client code.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import httpx

from bench._fixtures import CHAT_BYTES, CHAT_PATH, MESSAGE, MemoryTransport, make_jwt
from bench._stats import Figure, alternate, paired_figure
from mongars_client import AsyncClient, Client

BASE_URL = "http://127.0.0.1:8000"
TARGET, LIMIT = "≤ 1.15", 1.15
WARM_UP = 100


def _per_call(calls: int, call: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        call()
    return (time.perf_counter() - started) / calls * 1e6


async def _per_call_async(calls: int, call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls * 1e6


def _context(calls: int, raw: httpx.Client) -> dict[str, float]:
    """Figures that explain the ratio, measured once after it (not part of it).

    `generated_parse_us`: the generated `ChatResponse.from_dict` on the decoded answer (code
    generated from the spec). `baseline_url_object_us`: the baseline again, given the absolute
    `httpx.URL` instead of the path, as the facade does (httpx parses and joins a string URL on
    every request).
    """
    from mongars_api.models import ChatResponse

    url = raw.build_request("POST", CHAT_PATH).url
    decoded = json.loads(CHAT_BYTES)

    def samples(call: Callable[[], object]) -> float:
        return statistics.median(_per_call(calls, call) for _ in range(5))

    return {
        "generated_parse_us": samples(lambda: ChatResponse.from_dict(decoded)),
        "baseline_url_object_us": samples(
            lambda: json.loads(raw.post(url, json={"message": MESSAGE}).content)
        ),
    }


def run_sync(rounds: int, calls: int) -> Figure:
    """The blocking client against a blocking httpx client."""
    transport = MemoryTransport()
    token = make_jwt()
    headers = {"Authorization": f"Bearer {token}"}
    with (
        httpx.Client(base_url=BASE_URL, transport=transport, headers=headers) as raw,
        Client(BASE_URL, token=token, transport=transport) as ours,
    ):

        def baseline() -> object:
            return json.loads(raw.post(CHAT_PATH, json={"message": MESSAGE}).content)

        def facade() -> object:
            return ours.chat(MESSAGE)

        assert facade().response == baseline()["response"]  # type: ignore[attr-defined, index]
        _per_call(WARM_UP, facade)
        _per_call(WARM_UP, baseline)
        mine, theirs = alternate(
            rounds, lambda: _per_call(calls, facade), lambda: _per_call(calls, baseline)
        )
        context = _context(calls, raw)
    return paired_figure(
        "client_overhead_sync", "µs/call", mine, theirs, target=TARGET, limit=LIMIT, detail=context
    )


def run_async(rounds: int, calls: int) -> Figure:
    """The asyncio client against an asyncio httpx client, on one event loop."""
    transport = MemoryTransport()
    token = make_jwt()
    headers = {"Authorization": f"Bearer {token}"}
    with asyncio.Runner() as runner:
        raw = httpx.AsyncClient(base_url=BASE_URL, transport=transport, headers=headers)
        ours = AsyncClient(BASE_URL, token=token, transport=transport)

        async def baseline() -> object:
            return json.loads((await raw.post(CHAT_PATH, json={"message": MESSAGE})).content)

        async def facade() -> object:
            return await ours.chat(MESSAGE)

        runner.run(_per_call_async(WARM_UP, facade))
        runner.run(_per_call_async(WARM_UP, baseline))
        mine, theirs = alternate(
            rounds,
            lambda: runner.run(_per_call_async(calls, facade)),
            lambda: runner.run(_per_call_async(calls, baseline)),
        )
        runner.run(raw.aclose())
        runner.run(ours.aclose())
    return paired_figure(
        "client_overhead_async", "µs/call", mine, theirs, target=TARGET, limit=LIMIT
    )

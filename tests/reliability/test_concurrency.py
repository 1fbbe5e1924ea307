"""One client shared by many threads or tasks, across a token expiry, against the simulator.

Every call must succeed, and the expiry must cost exactly one login: the first caller to meet
the 401 logs in again, the others wait for it and use its token.
"""

from __future__ import annotations

import asyncio
import threading

from mongars_api.models import ChatResponse
from mongars_client import AsyncClient, Client
from mongars_client.testing import Simulator
from tests.reliability.conftest import TALLY
from tests.reliability.support import PASSWORD, USERNAME, no_leaks, no_tasks_left

THREADS, CALLS_PER_THREAD = 16, 50
TASKS = 500
LOGIN = ("POST", "/token", 200)


def test_16_threads_share_one_client_across_a_token_expiry() -> None:
    with (
        Simulator(users={USERNAME: PASSWORD}, chat_rate_limit=None) as sim,
        no_leaks(sim.port),
        Client(sim.base_url) as client,
    ):
        client.login(USERNAME, PASSWORD)
        logins = sim.requests.count(LOGIN)
        # Half way, when every thread has made 25 calls and none is in flight, every token
        # issued so far expires; all 16 threads then call at once with the expired token.
        halfway = threading.Barrier(THREADS, action=sim.expire_tokens)
        replies: list[object] = []
        failures: list[BaseException] = []

        def worker(number: int) -> None:
            try:
                for call in range(CALLS_PER_THREAD):
                    if call == CALLS_PER_THREAD // 2:
                        halfway.wait()
                    replies.append(client.chat(f"thread {number}, call {call}"))
            except BaseException as error:  # reported below, with the others
                failures.append(error)
                halfway.abort()  # the others must not wait at the barrier for this one

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        relogins = sim.requests.count(LOGIN) - logins
    succeeded = sum(isinstance(reply, ChatResponse) for reply in replies)
    TALLY.note(
        f"{THREADS} threads x {CALLS_PER_THREAD} calls on one Client across a token expiry: "
        f"{succeeded} of {len(replies)} succeeded, {len(failures)} failed, {relogins} login"
    )
    assert failures == []
    assert succeeded == THREADS * CALLS_PER_THREAD
    assert relogins == 1


async def test_500_tasks_share_one_async_client_across_a_token_expiry() -> None:
    runner_tasks = asyncio.all_tasks()
    async with Simulator(users={USERNAME: PASSWORD}, chat_rate_limit=None) as sim:
        with no_leaks(sim.port):
            async with AsyncClient(sim.base_url) as client:
                await client.login(USERNAME, PASSWORD)
                logins = sim.requests.count(LOGIN)
                arrived, expired = asyncio.Barrier(TASKS), asyncio.Barrier(TASKS)

                async def caller(number: int) -> list[ChatResponse]:
                    first = await client.chat(f"task {number}, before")
                    if await arrived.wait() == 0:  # one task, once all made their first call
                        sim.expire_tokens()
                    await expired.wait()  # then all call at once with the expired token
                    return [first, await client.chat(f"task {number}, after")]

                results = await asyncio.gather(*(caller(n) for n in range(TASKS)))
                relogins = sim.requests.count(LOGIN) - logins
            no_tasks_left(runner_tasks)
    succeeded = sum(isinstance(reply, ChatResponse) for pair in results for reply in pair)
    TALLY.note(
        f"{TASKS} tasks x 2 calls on one AsyncClient across a token expiry: "
        f"{succeeded} of {2 * TASKS} succeeded, {relogins} login"
    )
    assert succeeded == 2 * TASKS
    assert relogins == 1

"""Must show 4 and the ways to run the simulator: context managers, fixtures, standalone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from mongars_client.testing import DEMO_PASSWORD, DEMO_USERNAME, Simulator
from tests.simulator.support import TIMEOUT, login

FDS = Path("/proc/self/fd")


def open_fds() -> int:
    return len(os.listdir(FDS))


@pytest.mark.skipif(not FDS.is_dir(), reason="counting file descriptors needs /proc/self/fd")
def test_20_starts_and_stops_leak_no_thread_and_no_file_descriptor() -> None:
    threads, fds = threading.active_count(), open_fds()
    for _ in range(20):
        with Simulator(users={"u1": "password1"}) as sim, httpx.Client() as client:
            assert client.get(f"{sim.base_url}/healthz").status_code == 200
    assert (threading.active_count(), open_fds()) == (threads, fds)


def test_the_simulator_listens_on_loopback_at_base_url() -> None:
    with Simulator() as sim:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.base_url)
        assert httpx.get(f"{sim.base_url}/healthz").json() == {"status": "ok"}


def test_the_port_is_closed_after_stop() -> None:
    with Simulator() as sim:
        url = f"{sim.base_url}/healthz"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def test_a_simulator_runs_once() -> None:
    sim = Simulator()
    with sim:
        pass
    with pytest.raises(RuntimeError, match="runs once"):
        sim.start()


def test_base_url_needs_a_started_simulator() -> None:
    with pytest.raises(RuntimeError, match="not started"):
        _ = Simulator().base_url


@pytest.mark.anyio
async def test_async_with_starts_and_stops_inside_a_running_loop() -> None:
    async with Simulator() as sim, httpx.AsyncClient(base_url=sim.base_url) as client:
        assert (await client.get("/healthz")).status_code == 200


def test_the_simulator_fixture_serves_the_demo_account(simulator: Simulator) -> None:
    assert login(simulator, DEMO_USERNAME, DEMO_PASSWORD)


@pytest.mark.anyio
async def test_the_async_simulator_fixture_serves_the_demo_account(
    async_simulator: Simulator,
) -> None:
    async with httpx.AsyncClient(base_url=async_simulator.base_url) as client:
        response = await client.post(
            "/token", data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )
    assert response.status_code == 200


def test_python_m_runs_a_standalone_simulator_until_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mongars_client.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(2)]
        url = re.search(r"http://127\.0\.0\.1:\d+", banner[0])
        assert url is not None, banner
        login_response = httpx.post(
            f"{url.group()}/token",
            data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
            timeout=TIMEOUT,
        )
        process.send_signal(signal.SIGTERM)
        assert (process.wait(timeout=TIMEOUT), login_response.status_code, banner[1]) == (
            0,
            200,
            f"demo credentials: username={DEMO_USERNAME} password={DEMO_PASSWORD}\n",
        )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

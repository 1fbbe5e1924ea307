"""Secrets (passwords, tokens, tickets) never appear in the simulator's logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from mongars_client.testing import Simulator
from tests.simulator.support import PASSWORD, bearer, login, open_stream, ticket

SERVER_LOGGERS = ("uvicorn", "mongars_client", "fastapi", "starlette", "websockets.server")


@pytest.mark.anyio
async def test_no_secret_reaches_the_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with Simulator(users={"u1": PASSWORD}) as sim:
        token = login(sim)
        stream_ticket = ticket(sim, token)
        async with open_stream(sim, token):
            pass
        approval = "approval-secret-123"
        httpx.post(
            f"{sim.base_url}/llm/security/approve",
            params={"token": approval, "operator_id": "op"},
            headers=bearer(token),
        )
    # The clients (httpx, websockets.client) log URLs with secrets: only the server's logs count.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if record.name.startswith(SERVER_LOGGERS)
    )
    assert (
        "/ws/chat/?t=<redacted>" in logged,  # the server did log the paths it received
        [s for s in (PASSWORD, token, stream_ticket, approval) if s in logged],
    ) == (True, [])

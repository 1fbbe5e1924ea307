"""Helpers for the simulator's tests: log in, open streams, check bodies against the spec."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jsonschema
import websockets
from websockets.asyncio.client import ClientConnection

from mongars_client.testing import Simulator
from tests.conftest import ROOT

PASSWORD = "password1"
# Generous: a loaded 2-core machine must not make a test fail; a hang still ends.
TIMEOUT = 15.0

SPEC: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())


def login(sim: Simulator, username: str = "u1", password: str = PASSWORD) -> str:
    """A bearer token from `POST /token`."""
    response = httpx.post(
        f"{sim.base_url}/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for `token`."""
    return {"Authorization": f"Bearer {token}"}


def chat(sim: Simulator, token: str, message: str) -> dict[str, Any]:
    """The answer of `POST /api/v1/conversation/chat`."""
    response = httpx.post(
        f"{sim.base_url}/api/v1/conversation/chat", json={"message": message}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def ticket(sim: Simulator, token: str) -> str:
    """A WebSocket ticket for the owner of `token`."""
    response = httpx.post(f"{sim.base_url}/api/v1/auth/ws/ticket", headers=bearer(token))
    assert response.status_code == 200, response.text
    value: str = response.json()["ticket"]
    return value


@asynccontextmanager
async def open_stream(
    sim: Simulator, token: str, *, origin: str | None = None
) -> AsyncIterator[ClientConnection]:
    """An open `/ws/chat/` socket, after its `ws.connected` and `history.snapshot` events."""
    uri = f"{sim.ws_url}?t={ticket(sim, token)}"
    async with websockets.connect(uri, origin=origin or sim.origin, open_timeout=TIMEOUT) as ws:
        assert (await receive(ws))["type"] == "ws.connected"
        assert (await receive(ws))["type"] == "history.snapshot"
        yield ws


async def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next frame, decoded (fails after `TIMEOUT` instead of hanging)."""
    async with asyncio.timeout(TIMEOUT):
        frame = await ws.recv()
    document: dict[str, Any] = json.loads(frame)
    return document


async def receive_type(ws: ClientConnection, event_type: str) -> dict[str, Any]:
    """The next frame of `event_type`, skipping others (heartbeat pings, for one)."""
    while True:
        frame = await receive(ws)
        if frame["type"] == event_type:
            return frame


def spec_path(path: str, spec: dict[str, Any] = SPEC) -> str:
    """The spec's path template that a concrete request path matches (`/x/{id}` for `/x/7`)."""
    for template in spec["paths"]:
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return str(template)
    return path


def response_schema(method: str, path: str, status: int) -> dict[str, Any] | None:
    """The spec's JSON schema for that answer, with the components it refers to; None if the
    spec does not document the status."""
    responses = SPEC["paths"][spec_path(path)][method.lower()]["responses"]
    documented = responses.get(str(status))
    if documented is None:
        return None
    content = documented.get("content") or {}
    schema: dict[str, Any] | None = (content.get("application/json") or {}).get("schema")
    if schema is None:  # no JSON body documented: an empty answer is the valid one
        return {}
    return {**schema, "components": SPEC.get("components", {})}


def schema_violations(method: str, path: str, response: httpx.Response) -> list[str]:
    """Why the body of `response` breaks the spec for its operation and status (empty: it fits)."""
    schema = response_schema(method, path, response.status_code)
    if schema is None:
        return [f"{method} {path}: status {response.status_code} is not documented"]
    if not schema:  # the spec documents no JSON body for this answer
        return []
    if not response.content:
        return [f"{method} {path} {response.status_code}: an empty body, the spec documents one"]
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    return [
        f"{method} {path} {response.status_code}: {error.message}"
        for error in validator.iter_errors(response.json())
    ]

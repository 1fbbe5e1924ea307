"""Unit-test helpers for the facade: a scripted in-memory server behind httpx.MockTransport."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from mongars_client import AsyncClient, Client
from mongars_client._transport import RetryPolicy

BASE_URL = "http://127.0.0.1:9"
PASSWORD = "unit-password-1"


def make_jwt(subject: str = "u1", expires_in: float = 3600.0) -> str:
    """An unsigned JWT with the server's claims (the client never verifies signatures)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": subject, "admin": False, "exp": time.time() + expires_in}
    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def chat_body(text: str = "hello back") -> dict[str, Any]:
    """A valid ChatResponse body."""
    return {
        "response": text,
        "confidence": 0.9,
        "processing_time": 0.01,
        "speech_turn": {
            "turn_id": "t1",
            "text": text,
            "created_at": "2025-11-23T10:00:00Z",
            "segments": [{"text": text, "estimated_duration": 1.0, "pause_after": 0.2}],
            "average_words_per_second": 2.5,
            "tempo": 1.0,
        },
    }


Handler = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Answers /token itself and the rest from a queue of scripted responses or a default."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.script: list[httpx.Response | Exception] = []
        self.default: Handler = lambda request: httpx.Response(200, json=chat_body())
        self.valid_tokens: set[str] = set()
        self.logins = 0

    def login(self, request: httpx.Request) -> httpx.Response:
        form = dict(pair.split("=", 1) for pair in request.content.decode().split("&"))
        if form.get("password") != PASSWORD:
            return httpx.Response(401, json={"detail": "Invalid credentials"})
        self.logins += 1
        token = make_jwt(form["username"])
        self.valid_tokens.add(token)
        return httpx.Response(200, json={"access_token": token, "token_type": "bearer"})

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if request.url.path == "/token":
            return self.login(request)
        if self.script:
            scripted = self.script.pop(0)
            if isinstance(scripted, Exception):
                raise scripted
            return scripted
        authorization = request.headers.get("authorization", "")
        if (
            request.url.path.startswith("/api/")
            and authorization.removeprefix("Bearer ") not in self.valid_tokens
        ):
            return httpx.Response(
                401,
                json={"detail": "Invalid token: Token verification failed: Signature has expired."},
            )
        return self.default(request)

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


@pytest.fixture
def server() -> FakeServer:
    return FakeServer()


@pytest.fixture(autouse=True)
def instant_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff waits instead of sleeping through them (429's one-second floor stays)."""
    waits: list[float] = []

    def backoff(self: RetryPolicy, retry: int) -> float:
        waits.append(retry)
        return 0.0

    monkeypatch.setattr(RetryPolicy, "backoff", backoff)
    return waits


@pytest.fixture
def client(server: FakeServer) -> Iterator[Client]:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http, max_retries=2) as made,
    ):
        yield made


@pytest.fixture
async def async_client(server: FakeServer) -> AsyncIterator[AsyncClient]:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(server)) as http,
        AsyncClient(BASE_URL, http_client=http, max_retries=2) as made,
    ):
        yield made

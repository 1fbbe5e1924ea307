"""What keeps the client cheap, checked as behaviour (timings are `make bench`'s, not ours):
what importing and making a client loads, the `transport=` argument, and requests built on
cached endpoint URLs that still follow the base URL."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from mongars_client import AsyncClient, Client, errors
from tests.conftest import ROOT
from tests.facade.conftest import BASE_URL, chat_body, make_jwt

# Loaded when first needed: by the first call (the generated code), the first stream, the first
# asyncio wait. attrs comes with the generated models.
DEFERRED = ("mongars_api", "mongars_client.streaming", "websockets", "asyncio", "attrs")


def test_importing_and_making_a_client_loads_neither_generated_code_nor_streaming() -> None:
    # What httpx loads by itself (in a development environment, its command line's libraries
    # too) is not ours to defer.
    code = (
        "import sys, json, httpx; httpx.Client(); before = set(sys.modules)\n"
        "from mongars_client import Client; Client('http://127.0.0.1:1')\n"
        f"print(json.dumps([m for m in {DEFERRED!r} if m in set(sys.modules) - before]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(result.stdout) == []


def answering(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=chat_body())

    return httpx.MockTransport(handler)


def test_a_transport_is_wrapped_by_auth_and_retries() -> None:
    seen: list[httpx.Request] = []
    statuses = iter([503, 200, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = chat_body() if request.method == "POST" else {"status": "ok"}
        return httpx.Response(next(statuses), json=body)

    transport = httpx.MockTransport(handler)
    with Client(BASE_URL, token=make_jwt(), transport=transport, max_retries=1) as client:
        assert client.health()["status"] == "ok"  # after a 503 and a retry
        assert client.chat("hello").response == "hello back"
    assert [f"{r.method} {r.url.path}" for r in seen] == [
        "GET /healthz",
        "GET /healthz",
        "POST /api/v1/conversation/chat",
    ]
    assert seen[-1].headers["authorization"].startswith("Bearer ")


def test_transport_and_http_client_together_or_of_the_wrong_kind_are_refused() -> None:
    with httpx.Client() as http, pytest.raises(errors.ConfigurationError, match="not both"):
        Client(BASE_URL, http_client=http, transport=answering([]))

    class BlockingOnly(httpx.BaseTransport):
        pass

    with pytest.raises(errors.ConfigurationError, match="AsyncBaseTransport"):
        AsyncClient(BASE_URL, transport=BlockingOnly())


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:9", "http://127.0.0.1:9/mongars/"])
def test_each_call_goes_to_the_endpoint_under_the_base_url(base_url: str) -> None:
    seen: list[httpx.Request] = []
    with Client(base_url, token=make_jwt(), transport=answering(seen)) as client:
        client.chat("one")
        client.chat("two", session_id="s1")
    prefix = "/mongars" if "mongars" in base_url else ""
    assert [str(r.url) for r in seen] == [
        f"http://127.0.0.1:9{prefix}/api/v1/conversation/chat"
    ] * 2
    assert [json.loads(r.content) for r in seen] == [
        {"message": "one"},
        {"message": "two", "session_id": "s1"},
    ]


async def test_the_generated_client_is_made_once_on_first_use_with_our_connection() -> None:
    seen: list[httpx.Request] = []
    async with AsyncClient(BASE_URL, token=make_jwt(), transport=answering(seen)) as client:
        assert client._api is None
        api = client.api
        assert client.api is api
        assert api.get_async_httpx_client() is client._http
        await client.chat("hello")
        assert client.api is api

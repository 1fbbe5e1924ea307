"""A user's script built from the README's examples, kept to pass `mypy --strict`.

tests/docs/test_typing.py type-checks it (with the README's blocks and examples/) and runs it
against a simulator: `assert_type` pins what mypy must infer, the asserts what really arrives.
Run it with MONGARS_BASE_URL, MONGARS_USERNAME and MONGARS_PASSWORD set.
"""

from __future__ import annotations

import asyncio
import copy
import os
import pickle
import ssl
from typing import assert_type

from mongars_api.api.conversation import chat as chat_module
from mongars_api.api.conversation import history as history_module
from mongars_api.api.peers import list_peers
from mongars_api.api.system import healthz
from mongars_api.models import ChatRequest, ChatResponse, MemoryItem, SystemHealthzResponse
from mongars_client import AsyncClient, Client, Token
from mongars_client.errors import (
    APIStatusError,
    AuthenticationError,
    MonGARSError,
    ResponseValidationError,
)
from mongars_client.streaming import ChatMessage, HistorySnapshot, SnapshotItem


def blocking(username: str, password: str) -> None:
    """The README's blocking quick start, and `client.call` typed from the module."""
    with Client(verify=ssl.create_default_context()) as client:
        token = assert_type(client.login(username, password), Token)
        print(f"logged in as {token.subject} until {token.expires_at:%H:%M} UTC")
        reply = assert_type(client.chat("Summarise our latest incident report"), ChatResponse)
        print(reply.response, reply.confidence)
        for item in assert_type(client.history(limit=5), list[MemoryItem]):
            print(item.timestamp, item.query)

        called = client.call(chat_module, body=ChatRequest(message="hello"))
        assert isinstance(assert_type(called, ChatResponse), ChatResponse)
        items = assert_type(
            client.call(history_module, user_id=username, limit=2), list[MemoryItem]
        )
        peers = assert_type(client.call(list_peers), list[str])
        health = assert_type(client.call(healthz), SystemHealthzResponse)
        print(len(items), len(peers), health.to_dict())


def streaming() -> None:
    """The README's live events, and a chat stream's typed answer."""
    with Client() as client:
        answer = client.chat_stream("And the one before?")
        for piece in answer:
            print(piece, end="", flush=True)
        print(assert_type(answer.response, ChatResponse).confidence)
        with client.stream() as events:
            client.chat("Any news on the incident?")
            for event in events:
                if isinstance(event, HistorySnapshot):
                    for snapshot in assert_type(event.items, list[SnapshotItem]):
                        print(snapshot.get("query"), snapshot.get("timestamp"))
                if isinstance(event, ChatMessage):
                    print(event.query, "->", event.response)
                    break


async def asynchronous() -> None:
    """The README's asyncio quick start."""
    async with AsyncClient(timeout=30) as client:
        reply = assert_type(await client.chat("Summarise our latest incident report"), ChatResponse)
        print(reply.response)
        answer = client.chat_stream("And the one before?")
        async for piece in answer:
            print(piece, end="", flush=True)
        print(assert_type(answer.response, ChatResponse).confidence)
        peers = assert_type(await client.call(list_peers), list[str])
        print(peers)


def errors(username: str) -> None:
    """The README's errors: what they carry, and that they travel."""
    refused: APIStatusError | None = None
    with Client() as client:
        try:
            client.login(username, "not-the-password")
        except AuthenticationError as error:
            print(error.status_code, error.detail, error.request_id)
            if error.response is not None:
                print(error.response.headers.get("content-type"))
            refused = error
        except ResponseValidationError as error:
            print(error.status_code, error.path, error.body_excerpt)
        except MonGARSError as error:
            print("failed:", error)
    if refused is None:
        raise SystemExit("a wrong password was not refused with AuthenticationError")
    travelled = pickle.loads(pickle.dumps(refused))  # noqa: S301 - our own bytes
    if not isinstance(travelled, AuthenticationError) or copy.copy(refused).status_code != 401:
        raise SystemExit("the error did not travel")


if __name__ == "__main__":
    user, secret = os.environ["MONGARS_USERNAME"], os.environ["MONGARS_PASSWORD"]
    blocking(user, secret)
    streaming()
    asyncio.run(asynchronous())
    errors(user)
    print("typed usage: done")

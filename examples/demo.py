"""The main job of a monGARS client, start to finish, as `make demo` runs it.

    python examples/demo.py                 # starts a local simulator, then stops it
    MONGARS_USERNAME=... MONGARS_PASSWORD=... python examples/demo.py --url https://mongars.example.com

It registers (on the simulator only) and logs in, sends a chat, streams a second answer as it is
generated, shows the last events of the user's event stream and the history. Any failure ends
it with one line naming the problem and its fix, and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator

from mongars_client import AsyncClient, MonGARSError
from mongars_client.cli import EXIT_INTERRUPTED, exit_status, explain
from mongars_client.errors import ConfigurationError, ConflictError
from mongars_client.streaming import AsyncEventStream, ChatMessage, Event

QUESTION = "What is monGARS?"
STREAMED_QUESTION = "Summarise our latest incident report"
# How long to wait for the stream to show the streamed chat (it normally already has).
EVENTS_TIMEOUT = 30.0


def section(title: str) -> None:
    """A heading between the demo's steps."""
    print(f"\n== {title}", flush=True)


async def main_job(client: AsyncClient, username: str, password: str, *, register: bool) -> None:
    """Register (optionally), log in, chat, stream a chat, show the last events and the history."""
    if register:
        section(f"Registering {username}")
        try:
            await client.register(username, password)
            print("registered")
        except ConflictError:
            print("already registered")

    section("Logging in")
    token = await client.login(username, password)
    expires = f"{token.expires_at:%H:%M:%S} UTC" if token.expires_at else "never"
    print(f"logged in as {token.subject or username}; the token expires at {expires}")

    # Opened first, so that it sees every event the chats below produce.
    async with client.stream() as events:
        section(f"Chat: {QUESTION}")
        reply = await client.chat(QUESTION)
        print(reply.response)

        section(f"Streamed chat: {STREAMED_QUESTION}")
        # The server allows one chat per second per user: the client waits when it must.
        async for piece in client.chat_stream(STREAMED_QUESTION):
            print(piece, end="", flush=True)
        print()

        section("The last events of the stream")
        received = await events_until_chat(events, STREAMED_QUESTION)
        print(f"{len(received)} events so far; the last ones:")
        for event in received[-4:]:
            print(f"  {event.type:<28} {describe(event)}")

    section("History, newest first")
    for item in await client.history(limit=5):
        print(f"  {item.query!r} -> {item.response[:60]!r}...")


async def events_until_chat(events: AsyncEventStream, query: str) -> list[Event]:
    """The events received up to the `chat.message` of `query`."""
    received: list[Event] = []
    async with asyncio.timeout(EVENTS_TIMEOUT):
        async for event in events:
            received.append(event)
            if isinstance(event, ChatMessage) and event.query == query:
                break
    return received


def describe(event: Event) -> str:
    """A short line about an event: its most telling field."""
    for key in ("query", "delta", "ok", "origin"):
        if key in event.data:
            return f"{key}={event.data[key]!r}"
    return f"{len(event.data)} fields"


@contextlib.asynccontextmanager
async def server(url: str | None) -> AsyncIterator[tuple[str, str, str, bool]]:
    """(base URL, username, password, register?): `url` with the environment's credentials, or
    a simulator started here and stopped on the way out."""
    if url:
        username = os.environ.get("MONGARS_USERNAME", "")
        password = os.environ.get("MONGARS_PASSWORD", "")
        if not (username and password):
            raise ConfigurationError(
                "the demo needs an account on that server: set MONGARS_USERNAME and "
                "MONGARS_PASSWORD"
            )
        yield url, username, password, False
        return
    from mongars_client.testing import Simulator

    async with Simulator(stream_chunks=True, chunk_interval=0.05) as sim:
        print(f"Started a monGARS simulator at {sim.base_url}")
        yield sim.base_url, "ada", "demo-password-1", True
    print("\nStopped the simulator.")


async def run(url: str | None) -> None:
    """The demo against `url`, or against a simulator of its own."""
    async with (
        server(url) as (base_url, username, password, register),
        AsyncClient(base_url) as client,
    ):
        await main_job(client, username, password, register=register)


def main(argv: list[str] | None = None) -> int:
    """Run the demo; one line on stderr and a non-zero status if it fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a real server (default: start a local simulator)")
    args = parser.parse_args(argv)
    try:
        asyncio.run(run(args.url))
    except MonGARSError as error:
        print(f"demo failed: {explain(error, base_url=args.url)}", file=sys.stderr)
        return exit_status(error)
    except TimeoutError:
        print(
            f"demo failed: the event stream did not show the streamed chat within "
            f"{EVENTS_TIMEOUT:.0f} s: check the server's event stream",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("demo interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    print("\nDemo complete.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

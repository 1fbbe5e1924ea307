"""A service-style worker: keep the user's event stream open and react to every `chat.message`.

    MONGARS_BASE_URL=https://mongars.example.com MONGARS_USERNAME=... MONGARS_PASSWORD=... \\
        python examples/stream_worker.py

It runs until SIGINT or SIGTERM (POSIX), then closes the stream with code 1000 and exits 0. The
stream reconnects by itself after a network failure or a server restart, with a fresh ticket and
without repeating an event, so the worker only ever sees events. Its reaction here: count the
answers and flag those that came from the server's fallback (its model backend was down), which
an operations team wants to hear about.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

from mongars_client import AsyncClient, MonGARSError
from mongars_client.streaming import ChatMessage

log = logging.getLogger("stream_worker")

# What monGARS answers, with status 200, when its model backend is down.
FALLBACK_ANSWER = "The response service is temporarily unavailable"


class Worker:
    """Listens to one user's events and reacts to their chats."""

    def __init__(self) -> None:
        self.answered = 0
        self.degraded = 0

    async def listen(self) -> None:
        """Keep the stream open and hand every chat to `on_chat` (until cancelled)."""
        async with AsyncClient() as client, client.stream() as events:
            log.info("listening to the events of %s", client.settings.username)
            async for event in events:
                if isinstance(event, ChatMessage):
                    await self.on_chat(event)

    async def on_chat(self, event: ChatMessage) -> None:
        """React to one answered chat."""
        answer = event.response or ""
        if answer.startswith(FALLBACK_ANSWER):
            self.degraded += 1
            log.warning("degraded answer to %r: the model backend is down", event.query)
        else:
            self.answered += 1
            log.info("answered %r in %d words", event.query, len(answer.split()))


async def main() -> int:
    """Run a `Worker` until SIGINT or SIGTERM; 0 after a clean stop, 1 if the SDK gave up."""
    worker = Worker()
    listening = asyncio.create_task(worker.listen())
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(stop_signal, listening.cancel)
    # Cancelling the task leaves the `async with` blocks: the stream closes with code 1000.
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await listening
    except MonGARSError as error:  # wrong password, server unreachable, stream lost for good
        log.error("stopped: %s", error)
        return 1
    log.info("stopped: %d answered, %d degraded", worker.answered, worker.degraded)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stdout)
    sys.exit(asyncio.run(main()))

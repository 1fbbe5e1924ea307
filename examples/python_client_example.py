"""The product owner's "Python Client Example", written with mongars-client.

The original builds the login form, the bearer header and the response models by hand, and
leaves the WebSocket step as a comment. Here the client does the login (and the re-login when
the token expires), retries, timeouts and typed errors, and the WebSocket step is done for real.

    MONGARS_BASE_URL=https://mongars.example.com MONGARS_USERNAME=u1 MONGARS_PASSWORD=... \\
        python examples/python_client_example.py
"""

from __future__ import annotations

import asyncio

from mongars_client import AsyncClient


async def main() -> None:
    """Log in, chat, print the answer; then open the event stream and print its first event."""
    # AsyncClient() reads MONGARS_BASE_URL, MONGARS_USERNAME and MONGARS_PASSWORD. Explicitly:
    # AsyncClient("https://mongars.example.com", username="u1", password="...", timeout=60)
    async with AsyncClient(timeout=60) as client:
        # The first request logs in with those credentials (or call client.login(user, password)).
        chat = await client.chat("Summarise our latest incident report")
        print(chat.response)

        # The WebSocket step: the client fetches the ticket, sends the Origin the server expects
        # and connects to /ws/chat/?t=<ticket>; events arrive typed.
        async with client.stream() as events:
            async for event in events:
                print(event.type, event.data)  # ws.connected: the stream is open
                break


if __name__ == "__main__":
    asyncio.run(main())

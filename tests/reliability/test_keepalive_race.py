"""The keep-alive race: a request sent on a reused connection just as the server closes it.

The server here answers the first request of each connection and keeps the connection open
without `Connection: close`; the next request on it meets the server's close before any answer
(FIN, as when its idle timeout equals the pool's and fires as the request arrives, or RST, as
when it closes after every answer with the request already in its buffer). The server never
handled that request: the SDK sends it again on a fresh connection, whatever the method, without
counting a retry. On a fresh connection, the same failure of a POST is not retried.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
from collections.abc import Iterator

import pytest

from mongars_client import AsyncClient, Client
from mongars_client.errors import APIConnectionError
from tests.facade.conftest import chat_body, make_jwt
from tests.reliability.loopback_server import LoopbackServer

CHAT = b"POST /api/v1/conversation/chat "


class ClosingServer(LoopbackServer):
    """Answers a chat once per connection, then closes on the next request (`drop="fin"|"rst"`);
    with `drop_first`, closes on the first request of a connection too."""

    # A client that closes a pooled connection, or reads on one this server reset under it.
    _quiet_errors = (asyncio.IncompleteReadError, ConnectionError)

    def __init__(self, drop: str, *, drop_first: bool = False) -> None:
        super().__init__(thread_name="closing-server")
        self.drop, self.drop_first = drop, drop_first
        self.log: list[tuple[int, str]] = []  # (connection number, "answered" or "dropped")
        self.connections = 0

    async def _stop(self) -> None:
        await super()._stop()
        assert self._server is not None
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number, served = self.connections, 0
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            assert head.startswith(CHAT), head
            length = next(
                int(line.split(b":")[1])
                for line in head.lower().split(b"\r\n")
                if line.startswith(b"content-length:")
            )
            await reader.readexactly(length)
            if served or self.drop_first:
                self.log.append((number, "dropped"))
                if self.drop == "rst":
                    linger = struct.pack("ii", 1, 0)  # close with an RST
                    sock = writer.get_extra_info("socket")
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                writer.close()
                return
            self.log.append((number, "answered"))  # before the client can see the answer
            body = json.dumps(chat_body()).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
            served += 1


@pytest.fixture(params=["fin", "rst"])
def server(request: pytest.FixtureRequest) -> Iterator[ClosingServer]:
    with ClosingServer(request.param) as closing:
        yield closing


def chats(mode: str, url: str, count: int, **options: object) -> list[str]:
    token = make_jwt()
    if mode == "Client":
        with Client(url, token=token, **options) as client:  # type: ignore[arg-type]
            return [client.chat(f"chat {n}").response for n in range(count)]

    async def scenario() -> list[str]:
        async with AsyncClient(url, token=token, **options) as client:  # type: ignore[arg-type]
            return [(await client.chat(f"chat {n}")).response for n in range(count)]

    return asyncio.run(scenario())


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_chat_on_a_connection_the_server_closed_is_sent_again_on_a_fresh_one(
    server: ClosingServer, mode: str
) -> None:
    # max_retries=0: no retry of the policy's; the resend does not count as one.
    assert chats(mode, server.url, 3, max_retries=0) == ["hello back"] * 3
    assert server.log == [
        (1, "answered"),
        (1, "dropped"),
        (2, "answered"),
        (2, "dropped"),
        (3, "answered"),
    ]


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_chat_failing_the_same_way_on_a_fresh_connection_is_not_sent_again(mode: str) -> None:
    with ClosingServer("fin", drop_first=True) as server:
        with pytest.raises(APIConnectionError):
            chats(mode, server.url, 1, max_retries=2)
        assert server.log == [(1, "dropped")]

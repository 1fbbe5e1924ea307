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
import contextlib
import json
import socket
import struct
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Self

import httpx
import pytest

from mongars_client import AsyncClient, Client
from mongars_client.errors import APIConnectionError
from tests.facade.conftest import chat_body, make_jwt
from tests.reliability.loopback_server import LoopbackServer

CHAT = b"POST /api/v1/conversation/chat "


class ClosingServer(LoopbackServer):
    """Answers a chat once per connection, then closes on the next request (`drop="fin"|"rst"`,
    or `"partial"`: after the first line of an answer, as a server that handled the request and
    failed while answering); with `drop_first`, closes on the first request of a connection too."""

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
                if self.drop == "partial":
                    writer.write(b"HTTP/1.1 200 OK\r\n")
                    await writer.drain()
                elif self.drop == "rst":
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
    """`count` chats; `own_client=True`: through the caller's own httpx client, and
    `own_proxy=URL` through one using that proxy."""
    token = make_jwt()
    own_proxy = options.pop("own_proxy", None)
    own_client = options.pop("own_client", False) or own_proxy is not None
    proxy = None if own_proxy is None else str(own_proxy)
    if mode == "Client":
        with contextlib.ExitStack() as stack:
            if own_client:
                options["http_client"] = stack.enter_context(httpx.Client(proxy=proxy))
            client = stack.enter_context(Client(url, token=token, **options))  # type: ignore[arg-type]
            return [client.chat(f"chat {n}").response for n in range(count)]

    async def scenario() -> list[str]:
        async with contextlib.AsyncExitStack() as stack:
            if own_client:
                http = httpx.AsyncClient(proxy=proxy)
                options["http_client"] = await stack.enter_async_context(http)
            client = AsyncClient(url, token=token, **options)  # type: ignore[arg-type]
            await stack.enter_async_context(client)
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
def test_through_the_callers_own_client_a_chat_is_never_taken_for_the_keep_alive_race(
    mode: str,
) -> None:
    # Its sockets are not ours: whether a byte of the answer had come (headers cut short) is
    # unknown there, and a POST the server saw must not run twice.
    with ClosingServer("partial") as server:
        with pytest.raises(APIConnectionError):
            chats(mode, server.url, 2, max_retries=0, own_client=True)
        assert server.log == [(1, "answered"), (1, "dropped")]


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_chat_failing_the_same_way_on_a_fresh_connection_is_not_sent_again(mode: str) -> None:
    with ClosingServer("fin", drop_first=True) as server:
        with pytest.raises(APIConnectionError):
            chats(mode, server.url, 1, max_retries=2)
        assert server.log == [(1, "dropped")]


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_chat_whose_answer_had_begun_on_a_reused_connection_is_not_sent_again(mode: str) -> None:
    # The server saw that request and began to answer: a byte of the answer arrived, so the
    # failure is not the keep-alive race, and a POST is not sent again.
    with ClosingServer("partial") as server:
        with pytest.raises(APIConnectionError):
            chats(mode, server.url, 2, max_retries=0)
        assert server.log == [(1, "answered"), (1, "dropped")]


class Socks5Proxy:
    """A minimal SOCKS5 proxy (no authentication, CONNECT to a loopback address only)."""

    def __init__(self) -> None:
        self.connects = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="socks-proxy")
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    def __enter__(self) -> Self:
        self._thread.start()
        start = asyncio.start_server(self._serve, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.sleep(0)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            _version, methods = await reader.readexactly(2)
            await reader.readexactly(methods)
            writer.write(b"\x05\x00")  # no authentication
            _version, command, _reserved, kind = await reader.readexactly(4)
            assert (command, kind) == (1, 1), "CONNECT to an IPv4 address"
            address = socket.inet_ntoa(await reader.readexactly(4))
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            assert address.startswith("127.")
            target_reader, target_writer = await asyncio.open_connection(address, port)
            self.connects += 1
            writer.write(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")

            async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
                sink.close()

            await asyncio.gather(
                pipe(reader, target_writer), pipe(target_reader, writer), return_exceptions=True
            )
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("own_client", [False, True])
def test_a_chat_failing_on_a_fresh_connection_through_a_socks_proxy_is_not_sent_again(
    mode: str, own_client: bool
) -> None:
    pytest.importorskip("socksio")
    with ClosingServer("fin", drop_first=True) as server, Socks5Proxy() as proxy:
        url = f"socks5://127.0.0.1:{proxy.port}"
        # With the caller's own client, nothing is resent as the keep-alive race at all.
        route = {"own_proxy": url} if own_client else {"proxy": url}
        with pytest.raises(APIConnectionError):
            chats(mode, server.url, 1, max_retries=0, **route)
        assert proxy.connects == 1
        assert server.log == [(1, "dropped")]


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_body_that_cannot_be_sent_again_gives_the_connection_error(mode: str) -> None:
    # A streamed body (a generator, through `client.api`'s httpx client) is spent by the first
    # attempt: the resend cannot happen, and the caller gets the failure, as an SDK error.
    body = json.dumps({"message": "two"}).encode()
    headers = {"content-type": "application/json", "content-length": str(len(body))}

    def chunks() -> Iterator[bytes]:
        yield body

    async def async_chunks() -> AsyncIterator[bytes]:
        yield body

    with ClosingServer("fin") as server:
        with pytest.raises(APIConnectionError):  # noqa: PT012 - the first chat must pass
            if mode == "Client":
                with Client(server.url, token=make_jwt(), max_retries=0) as client:
                    client.chat("one")
                    http = client.api.get_httpx_client()
                    http.post(CHAT.split()[1].decode(), content=chunks(), headers=headers)
            else:

                async def scenario() -> None:
                    async with AsyncClient(server.url, token=make_jwt(), max_retries=0) as client:
                        await client.chat("one")
                        http = client.api.get_async_httpx_client()
                        path = CHAT.split()[1].decode()
                        await http.post(path, content=async_chunks(), headers=headers)

                asyncio.run(scenario())
        assert server.log == [(1, "answered"), (1, "dropped")]

"""HTTP/2: one call reaching its deadline does not fail the calls multiplexed beside it.

hypercorn serves HTTP/2 over TLS (the test CA's certificate) in front of the simulator, passing
each request on to it; chats whose message says "slow" are held 5 s, the others 2 s, so that all
of them are in flight on the one connection when the short call's deadline passes. The chats are
POSTs: never retried, so a failure would show.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

import h2.config
import h2.connection
import h2.events
import httpx
import pytest
import trustme
from hypercorn.asyncio import serve
from hypercorn.config import Config

from mongars_client import AsyncClient
from mongars_client.errors import APITimeoutError
from mongars_client.testing import Simulator
from tests.facade.conftest import chat_body, make_jwt
from tests.reliability.support import PASSWORD, USERNAME
from tests.reliability.test_tls import trusting

CHAT = "/api/v1/conversation/chat"
SLOW, OTHERS, SHORT_TIMEOUT = 5.0, 2.0, 1.0


class Http2Front:
    """hypercorn on loopback, HTTP/2 over TLS, passing requests on to the simulator."""

    def __init__(self, sim: Simulator, certificate: Path) -> None:
        self.sim = sim
        self.slow_arrived = threading.Event()
        self.seen: list[tuple[str, str, tuple[str, int]]] = []  # (http_version, path, client)
        listening = socket.socket()
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        self.port = listening.getsockname()[1]
        self._config = Config()
        self._config.bind = [f"fd://{listening.detach()}"]  # hypercorn's to close
        self._config.certfile = self._config.keyfile = str(certificate)
        self._config.accesslog = self._config.errorlog = None
        self._config.graceful_timeout = 0.5  # the held "slow" answer is not waited for
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._run(),), name="h2-front")

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        async with httpx.AsyncClient(base_url=self.sim.base_url) as upstream:
            self._upstream = upstream
            self._ready.set()
            await serve(self._app, self._config, shutdown_trigger=self._stop.wait)  # type: ignore[arg-type]

    def __enter__(self) -> Http2Front:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._stop is not None
        loop_stop = self._stop
        # The event belongs to the server's loop: set it from there.
        self._loop_call(loop_stop.set)
        self._thread.join(30)

    def _loop_call(self, function: Any) -> None:
        self._loop.call_soon_threadsafe(function)

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            self._loop = asyncio.get_running_loop()
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        self.seen.append((scope["http_version"], scope["path"], scope["client"]))
        if scope["path"] == CHAT:
            if b"slow" in body:
                self.slow_arrived.set()
            await asyncio.sleep(SLOW if b"slow" in body else OTHERS)
        headers = [(k, v) for k, v in scope["headers"] if k not in {b"host", b"content-length"}]
        answer = await self._upstream.request(
            scope["method"], scope["path"], headers=headers, content=body
        )
        passed = [
            (k, v)
            for k, v in answer.headers.raw
            if k.lower() not in {b"content-length", b"transfer-encoding", b"connection"}
        ]
        await send({"type": "http.response.start", "status": answer.status_code, "headers": passed})
        await send({"type": "http.response.body", "body": answer.content})


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def front(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Http2Front]:
    pem = tmp_path_factory.mktemp("h2") / "server.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
    with (
        Simulator(users={USERNAME: PASSWORD}, chat_rate_limit=None) as sim,
        Http2Front(sim, pem) as served,
    ):
        yield served


def outcome(result: Any) -> str:
    return type(result).__name__


def check(front: Http2Front, slow: Any, elapsed: float, others: list[Any]) -> None:
    assert [outcome(result) for result in others] == ["ChatResponse"] * 19, others
    assert isinstance(slow, APITimeoutError), slow
    assert elapsed < SLOW  # generous: its deadline is at 1 s, its answer would come at 5 s
    chats = [(version, client) for version, path, client in front.seen if path == CHAT]
    assert len(chats) == 20
    assert {version for version, _ in chats} == {"2"}
    assert len({client for _, client in chats}) == 1, "all on one connection"


def test_a_short_deadline_does_not_fail_its_neighbours_on_one_http2_connection_async(
    front: Http2Front, ca: trustme.CA
) -> None:
    async def scenario() -> None:
        async with AsyncClient(front.url, http2=True, verify=trusting(ca)) as client:
            await client.login(USERNAME, PASSWORD)
            front.seen.clear()
            front.slow_arrived.clear()
            started = time.monotonic()
            slow = asyncio.ensure_future(client.chat("slow answer", timeout=SHORT_TIMEOUT))
            assert await asyncio.to_thread(front.slow_arrived.wait, 10)
            others = [client.chat(f"chat {n}", timeout=30) for n in range(19)]
            results = await asyncio.gather(*others, return_exceptions=True)
            slow_result = (await asyncio.gather(slow, return_exceptions=True))[0]
            check(front, slow_result, time.monotonic() - started, list(results))
            # Only the late call's task ended: a second round uses the connection as before.
            assert (await client.chat("again")).response

    asyncio.run(scenario())


# No blocking variant: httpcore's blocking HTTP/2 connection fails when threads share it, deadline
# or not (encode/httpx#3072); the README sends concurrent HTTP/2 callers to AsyncClient.


class AnswersThenDrops:
    """A raw HTTP/2 server (h2 over TLS): it answers the first chat in full; once the next two
    have arrived, it sends the start of both answers (headers and a few bytes of body; with
    `cut`, only part of the second one's headers) in one write and closes the connection.
    Whichever task reads that write reads both answers. `silent`: it sends nothing after its
    settings, and closes once two chats have arrived."""

    def __init__(self, ca: trustme.CA, *, cut: bool = False, silent: bool = False) -> None:
        self._cut = cut
        self._silent = silent
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(self._context)
        self._context.set_alpn_protocols(["h2"])
        self._listening = socket.socket()
        self._listening.bind(("127.0.0.1", 0))
        self._listening.listen()
        self.url = f"https://127.0.0.1:{self._listening.getsockname()[1]}"
        self.chats = 0
        self.connections = 0
        self.first_arrived = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="h2-drops", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._listening.shutdown(socket.SHUT_RDWR)  # wakes accept(), which close() alone does not
        self._listening.close()
        self._thread.join(10)

    def _serve(self) -> None:
        with contextlib.suppress(OSError):  # the listening socket closed: the test is over
            while True:
                raw, _ = self._listening.accept()
                self.connections += 1
                with (
                    contextlib.suppress(OSError),
                    self._context.wrap_socket(raw, server_side=True) as tls,
                ):
                    self._answer(tls)

    def _answer(self, tls: ssl.SSLSocket) -> None:
        connection = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        connection.initiate_connection()
        tls.sendall(connection.data_to_send())
        waiting: list[int] = []
        while data := tls.recv(65535):
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.StreamEnded):
                    self.chats += 1
                    self.first_arrived.set()
                    waiting.append(event.stream_id)
            if self._silent:  # not a byte after its settings, not even their acknowledgement
                if len(waiting) == 2:
                    return
                continue
            tls.sendall(connection.data_to_send())
            if self.chats == 1 and waiting and not self._silent:
                body = json.dumps(chat_body()).encode()
                head = [(":status", "200"), ("content-type", "application/json")]
                first = waiting.pop()
                connection.send_headers(first, [*head, ("content-length", str(len(body)))])
                connection.send_data(first, body, end_stream=True)
                tls.sendall(connection.data_to_send())
            if len(waiting) == 2:
                early, late = waiting
                head = [(":status", "200"), ("content-length", "100")]
                connection.send_headers(early, head)
                connection.send_data(early, b"{" * 10)
                connection.send_headers(late, head)
                if not self._cut:
                    connection.send_data(late, b"{" * 10)
                data = connection.data_to_send()
                tls.sendall(data[:-5] if self._cut else data)  # -5: inside the HEADERS frame
                return


def h2_client(server: AnswersThenDrops, ca: trustme.CA) -> AsyncClient:
    """A client of `server`: HTTP/2, no retry of the policy's (a resend would show)."""
    return AsyncClient(
        server.url, token=make_jwt(), http2=True, verify=trusting(ca), max_retries=0, timeout=10
    )


@pytest.mark.parametrize("cut", [False, True], ids=["answers begun", "headers cut short"])
def test_answered_chats_on_a_dropped_http2_connection_are_not_sent_again(
    ca: trustme.CA, cut: bool
) -> None:
    # Both answers had begun: the server saw both chats, so neither is the keep-alive race,
    # although one task read the other's answer (httpcore reads for every stream of a
    # connection in whichever task holds its read lock), whole headers or not.
    async def scenario() -> list[Any]:
        async with h2_client(server, ca) as client:
            assert (await client.chat("first")).response
            chats = [client.chat("second"), client.chat("third")]
            return await asyncio.gather(*chats, return_exceptions=True)

    with AnswersThenDrops(ca, cut=cut) as server:
        results = asyncio.run(scenario())
    assert [outcome(result) for result in results] == ["APIConnectionError"] * 2, results
    assert server.chats == 3


@pytest.mark.parametrize("joins", ["while it opens", "while it carries the first"])
def test_chats_sharing_a_new_http2_connection_are_not_sent_again_when_it_fails(
    ca: trustme.CA, joins: str
) -> None:
    # The second chat joins the connection the first one opened, while it is being opened or
    # once the first chat is on it: never idle, so its failure is no keep-alive race for either
    # (the server had both chats in full).
    async def scenario() -> list[Any]:
        async with h2_client(server, ca) as client:
            first = asyncio.ensure_future(client.chat("first"))
            if joins == "while it carries the first":
                assert await asyncio.to_thread(server.first_arrived.wait, 10)
            second = asyncio.ensure_future(client.chat("second"))
            return await asyncio.gather(first, second, return_exceptions=True)

    with AnswersThenDrops(ca, silent=True) as server:
        results = asyncio.run(scenario())
    assert [outcome(result) for result in results] == ["APIConnectionError"] * 2, results
    assert server.chats == 2


def test_a_chat_on_a_connection_still_carrying_a_cancelled_one_is_not_sent_again(
    ca: trustme.CA,
) -> None:
    # Cancelling a chat leaves its HTTP/2 stream to the server (httpcore sends no reset): the
    # connection is still busy with it, so the next chat failing on it is no keep-alive race.
    async def scenario() -> Any:
        async with h2_client(server, ca) as client:
            first = asyncio.ensure_future(client.chat("first"))
            assert await asyncio.to_thread(server.first_arrived.wait, 10)
            first.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await first
            return (await asyncio.gather(client.chat("second"), return_exceptions=True))[0]

    with AnswersThenDrops(ca, silent=True) as server:
        result = asyncio.run(scenario())
    assert outcome(result) == "APIConnectionError", result
    assert server.connections == 1  # no resend on a fresh one
    # Whether the second chat reached the server depends on where the cancel caught the first
    # one's task (inside a TLS read, anyio's stream may be left broken): it never gets there twice.
    assert server.chats in (1, 2)

"""TLS: verification on by default for HTTP and WebSocket alike; a custom CA given once serves both.

The fault proxy serves TLS with a certificate from a throwaway CA (trustme) in front of the
simulator, so the SDK speaks `https://` and `wss://` to a real TLS server on loopback.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from mongars_client import AsyncClient, Client
from mongars_client._bridge import run_sync
from mongars_client.errors import APIConnectionError
from mongars_client.streaming import ChatMessage, Connected, HistorySnapshot, StreamOptions
from mongars_client.testing import Simulator
from tests.reliability.conftest import TALLY
from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.support import PASSWORD, USERNAME, no_leaks, no_tasks_left

SECTION = "TLS"
OPTIONS = StreamOptions(max_reconnects=2, backoff_base=0.05, open_timeout=10.0)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A certificate authority nobody trusts by default."""
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(ca: trustme.CA) -> Iterator[tuple[Simulator, FaultProxy]]:
    """The simulator behind a TLS proxy whose certificate (for 127.0.0.1) `ca` signed."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with (
        Simulator(users={USERNAME: PASSWORD}, chat_rate_limit=None) as sim,
        FaultProxy(sim.port, tls=context) as proxy,
    ):
        yield sim, proxy


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CA's certificate as a PEM file, as users get it from their administrators."""
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts `ca` (and nothing else)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def says_certificate(error: BaseException) -> bool:
    return "certificate" in str(error).lower()


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_server_with_an_unknown_certificate_is_refused_over_https(
    tls_server: tuple[Simulator, FaultProxy], mode: str
) -> None:
    sim, proxy = tls_server
    before = proxy.connections
    with no_leaks(proxy.port):
        if mode == "Client":
            with Client(proxy.url) as client, pytest.raises(APIConnectionError) as caught:
                client.login(USERNAME, PASSWORD)
        else:

            async def attempt() -> None:
                async with AsyncClient(proxy.url) as client:
                    await client.login(USERNAME, PASSWORD)

            with pytest.raises(APIConnectionError) as caught:
                asyncio.run(attempt())
    assert says_certificate(caught.value), str(caught.value)
    # A certificate that failed verification fails again: no retry, the error comes at once.
    assert proxy.connections == before + 1
    assert ("POST", "/token", 200) not in sim.requests  # the password never left
    TALLY.add(SECTION, "unknown certificate, https://", type(caught.value).__name__)


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_server_with_an_unknown_certificate_is_refused_over_wss(
    tls_server: tuple[Simulator, FaultProxy], ca: trustme.CA, mode: str
) -> None:
    """HTTP goes through the caller's own httpx client, which trusts the CA; the SDK itself was
    not told about it, so the stream's `wss://` handshake must refuse the server."""
    sim, proxy = tls_server
    with no_leaks(proxy.port):
        if mode == "Client":
            with (
                httpx.Client(verify=trusting(ca)) as http,
                Client(proxy.url, http_client=http, origin=sim.origin) as client,
            ):
                client.login(USERNAME, PASSWORD)
                with pytest.raises(APIConnectionError) as caught, client.stream(options=OPTIONS):
                    pass
        else:

            async def attempt() -> None:
                async with (
                    httpx.AsyncClient(verify=trusting(ca)) as http,
                    AsyncClient(proxy.url, http_client=http, origin=sim.origin) as client,
                ):
                    await client.login(USERNAME, PASSWORD)
                    async with client.stream(options=OPTIONS):
                        pass
                no_tasks_left()

            with pytest.raises(APIConnectionError) as caught:
                asyncio.run(attempt())
    assert says_certificate(caught.value), str(caught.value)
    TALLY.add(SECTION, "unknown certificate, wss://", type(caught.value).__name__)


def verify_option(kind: str, ca: trustme.CA, ca_file: Path) -> Any:
    """The CA, given as a path or as an `ssl.SSLContext`."""
    return str(ca_file) if kind == "path" else trusting(ca)


async def chat_and_stream(client: Any, blocking: bool) -> list[str]:
    """Log in, open the stream, chat, and see the chat's event arrive (over HTTP and wss)."""

    async def wait(value: Any) -> Any:
        return value if blocking else await value

    await wait(client.login(USERNAME, PASSWORD))
    types: list[str] = []
    stream = client.stream(options=OPTIONS)
    if blocking:
        with stream:
            events = iter(stream)
            types += [next(events).type, next(events).type]
            reply = client.chat("hello over TLS")
            while (event := next(events)).type != ChatMessage.TYPE:
                pass
    else:
        async with stream:
            events = aiter(stream)
            types += [(await anext(events)).type, (await anext(events)).type]
            reply = await client.chat("hello over TLS")
            while (event := await anext(events)).type != ChatMessage.TYPE:
                pass
    assert event.response == reply.response
    return [*types, event.type]


@pytest.mark.parametrize("kind", ["path", "ssl.SSLContext"])
@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_a_custom_ca_given_once_serves_https_and_wss(
    tls_server: tuple[Simulator, FaultProxy], ca: trustme.CA, ca_file: Path, mode: str, kind: str
) -> None:
    sim, proxy = tls_server
    verify = verify_option(kind, ca, ca_file)
    expected = [Connected.TYPE, HistorySnapshot.TYPE, ChatMessage.TYPE]
    with no_leaks(proxy.port):
        if mode == "Client":
            with Client(proxy.url, verify=verify, origin=sim.origin) as client:
                # Blocking calls only: the coroutine never suspends.
                assert run_sync(chat_and_stream(client, blocking=True)) == expected
        else:

            async def scenario() -> list[str]:
                async with AsyncClient(proxy.url, verify=verify, origin=sim.origin) as client:
                    result = await chat_and_stream(client, blocking=False)
                no_tasks_left()
                return result

            assert asyncio.run(scenario()) == expected
    TALLY.add(SECTION, f"custom CA ({kind}), https:// and wss://", "succeeded")

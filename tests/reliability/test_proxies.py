"""Proxies: one choice per client, for HTTP and the WebSocket stream alike, through a real proxy.

A forward proxy on loopback (`forward_proxy`) sees every request it forwards: plain HTTP calls as
absolute-URI requests, HTTPS and the stream as CONNECT tunnels. "Another host" is 127.0.0.2.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

from mongars_client import AsyncClient, Client
from mongars_client._bridge import run_sync
from mongars_client.errors import APIConnectionError, MonGARSError
from mongars_client.streaming import ChatMessage, Connected, HistorySnapshot
from mongars_client.testing import Simulator
from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.forward_proxy import ForwardProxy
from tests.reliability.support import PASSWORD, USERNAME
from tests.reliability.test_tls import chat_and_stream, trusting

EXPECTED = [Connected.TYPE, HistorySnapshot.TYPE, ChatMessage.TYPE]
PROXY_USER, PROXY_PASSWORD = "egress", "proxy-password-17"


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(users={USERNAME: PASSWORD}, chat_rate_limit=None) as server:
        yield server


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as forward:
        yield forward


def run(mode: str, base_url: str, **options: Any) -> list[str]:
    """Log in, chat and see the chat's event on the stream, with the blocking or asyncio client."""
    if mode == "Client":
        with Client(base_url, **options) as client:
            return run_sync(chat_and_stream(client, blocking=True))

    async def scenario() -> list[str]:
        async with AsyncClient(base_url, **options) as client:
            return await chat_and_stream(client, blocking=False)

    return asyncio.run(scenario())


def through(proxy: ForwardProxy, sim: Simulator) -> list[tuple[str, str]]:
    """What the proxy saw: the HTTP calls (method, path) and the stream's tunnel."""
    seen = [(method, target.removeprefix(sim.base_url)) for method, target in proxy.seen]
    return sorted(set(seen))


def http_and_stream(sim: Simulator) -> list[tuple[str, str]]:
    return sorted(
        {
            ("CONNECT", f"127.0.0.1:{sim.port}"),
            ("POST", "/api/v1/auth/ws/ticket"),
            ("POST", "/api/v1/conversation/chat"),
            ("POST", "/token"),
        }
    )


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_the_environment_proxy_carries_http_and_the_stream(
    sim: Simulator,
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.2,example.invalid")  # other hosts: still proxied
    assert run(mode, sim.base_url, origin=sim.origin) == EXPECTED
    assert through(proxy, sim) == http_and_stream(sim)


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("how", ["NO_PROXY", "trust_env=False"])
def test_no_proxy_and_trust_env_false_bypass_it_for_both(
    sim: Simulator, proxy: ForwardProxy, monkeypatch: pytest.MonkeyPatch, mode: str, how: str
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    options: dict[str, Any] = {"origin": sim.origin}
    if how == "NO_PROXY":
        monkeypatch.setenv("no_proxy", "127.0.0.2,127.0.0.1")
    else:
        options["trust_env"] = False
    assert run(mode, sim.base_url, **options) == EXPECTED
    assert proxy.seen == []


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
@pytest.mark.parametrize("how", ["proxy=", "MONGARS_PROXY"])
def test_an_explicit_proxy_with_credentials_carries_both_and_never_shows_them(
    sim: Simulator, monkeypatch: pytest.MonkeyPatch, mode: str, how: str
) -> None:
    with ForwardProxy(credentials=(PROXY_USER, PROXY_PASSWORD)) as proxy:
        url = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{proxy.port}"
        options: dict[str, Any] = {"origin": sim.origin, "trust_env": False}
        if how == "proxy=":
            options["proxy"] = url
        else:
            monkeypatch.setenv("MONGARS_PROXY", url)
        assert run(mode, sim.base_url, **options) == EXPECTED
        assert through(proxy, sim) == http_and_stream(sim)
        with Client(sim.base_url, **options) as client:
            assert PROXY_PASSWORD not in repr(client.settings)
        # A wrong password: the proxy refuses (its 407, an answer to a plain http:// request),
        # and the error does not show what was given.
        options["proxy"] = url.replace(PROXY_PASSWORD, PROXY_PASSWORD + "-wrong")
        with Client(sim.base_url, **options) as client, pytest.raises(MonGARSError) as no:
            client.login(USERNAME, PASSWORD)
        assert PROXY_PASSWORD not in str(no.value) and "407" in str(no.value), str(no.value)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_sim(ca: trustme.CA, sim: Simulator) -> Iterator[FaultProxy]:
    """The simulator behind TLS, with a certificate for 127.0.0.1 from the test CA."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with FaultProxy(sim.port, tls=context) as tls:
        yield tls


@pytest.mark.parametrize("mode", ["Client", "AsyncClient"])
def test_https_goes_through_connect_with_verification_on(
    sim: Simulator,
    tls_sim: FaultProxy,
    ca: trustme.CA,
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    tunnel = ("CONNECT", f"127.0.0.1:{tls_sim.port}")
    assert run(mode, tls_sim.url, origin=sim.origin, verify=trusting(ca)) == EXPECTED
    assert set(proxy.seen) == {tunnel}  # nothing in clear: HTTP and the stream both tunnelled
    assert proxy.seen.count(tunnel) >= 2
    # Through the tunnel the server's certificate is still checked: unknown CA, refused.
    with pytest.raises(APIConnectionError) as caught:
        run(mode, tls_sim.url, origin=sim.origin)
    assert "certificate" in str(caught.value).lower(), str(caught.value)

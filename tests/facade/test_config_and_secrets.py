"""Settings resolution, tokens, and secrets kept out of logs, reprs and errors."""

from __future__ import annotations

import asyncio
import logging
import ssl
import sys
import textwrap
import threading

import httpx
import pytest

from mongars_client import AsyncClient, Client, Token, errors
from mongars_client._bridge import SuspendedError, run_sync
from mongars_client._config import resolve_settings
from mongars_client._redact import redact
from tests.facade.conftest import BASE_URL, PASSWORD, FakeServer, make_jwt
from tests.reliability.support import run_child


def test_arguments_win_over_the_environment_which_wins_over_defaults() -> None:
    env = {
        "MONGARS_BASE_URL": "https://env.example.com/",
        "MONGARS_USERNAME": "env-user",
        "MONGARS_PASSWORD": "env-password",
        "MONGARS_TIMEOUT": "12.5",
        "MONGARS_MAX_RETRIES": "5",
    }
    from_env = resolve_settings(environ=env)
    assert from_env.base_url == "https://env.example.com"
    assert from_env.credentials == ("env-user", "env-password")
    assert from_env.total_timeout == 12.5 and from_env.timeout.connect == 5.0
    assert from_env.max_retries == 5
    given = resolve_settings(
        base_url="https://arg.example.com", max_retries=0, timeout=3, environ=env
    )
    assert (given.base_url, given.max_retries, given.total_timeout) == (
        "https://arg.example.com",
        0,
        3.0,
    )
    assert given.timeout.connect == 3.0
    defaults = resolve_settings(base_url="https://x.example.com", environ={})
    assert (defaults.total_timeout, defaults.timeout.connect, defaults.max_retries) == (
        60.0,
        5.0,
        2,
    )
    assert defaults.credentials is None and defaults.token is None


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"MONGARS_BASE_URL": "ftp://x"},
        {"MONGARS_BASE_URL": "https://x", "MONGARS_TIMEOUT": "soon"},
        {"MONGARS_BASE_URL": "https://x", "MONGARS_TIMEOUT": "-1"},
        {"MONGARS_BASE_URL": "https://x", "MONGARS_MAX_RETRIES": "two"},
        {"MONGARS_BASE_URL": "https://x", "MONGARS_LOG": "loud"},
    ],
)
def test_bad_settings_are_configuration_errors(env: dict[str, str]) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        resolve_settings(environ=env)
    assert isinstance(caught.value, ValueError)


def test_a_ca_bundle_path_becomes_one_tls_context(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(errors.ConfigurationError, match="CA bundle"):
        resolve_settings(base_url="https://x", verify="/nonexistent/ca.pem", environ={})
    context = ssl.create_default_context()
    assert (
        resolve_settings(base_url="https://x", verify=context, environ={}).ssl_context() is context
    )


def test_credentials_never_cross_plain_http_to_another_host() -> None:
    with pytest.raises(errors.InsecureTransportError, match="allow_insecure_http"):
        Client("http://mongars.example.com", username="u1", password=PASSWORD)
    with Client("http://mongars.example.com") as made, pytest.raises(errors.InsecureTransportError):
        made.login("u1", PASSWORD)
    with Client(
        "http://mongars.example.com", username="u1", password=PASSWORD, allow_insecure_http=True
    ):
        pass
    for local in ("http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"):
        with Client(local, username="u1", password=PASSWORD):
            pass


def test_token_reads_its_jwt() -> None:
    access = make_jwt("alice", expires_in=100)
    token = Token.from_login_body({"access_token": access, "token_type": "bearer"})
    assert token.subject == "alice" and token.admin is False
    remaining = token.expires_in()
    assert remaining is not None and 90 < remaining <= 100
    assert token.authorization == f"Bearer {access}"
    opaque = Token.from_access_token("not-a-jwt")
    assert (opaque.subject, opaque.expires_at, opaque.needs_refresh()) == (None, None, False)


@pytest.mark.parametrize("body", [{}, {"access_token": 5}, {"access_token": ""}, [], "x", None])
def test_a_login_answer_without_a_token_is_a_validation_error(body: object) -> None:
    with pytest.raises(errors.ResponseValidationError):
        Token.from_login_body(body)


def test_redact_masks_patterns_and_known_secrets() -> None:
    jwt = make_jwt()
    text = (
        f"Authorization: Bearer abc.def Bearer {jwt} GET /ws/chat/?t=dGlja2V0.123.abc&x=1 "
        '{"access_token": "zzz", "password": "hunter22"} '
        "/llm/security/approve?token=secret&operator_id=o"
    )
    cleaned = redact(text)
    for secret in ("abc.def", jwt, "dGlja2V0.123.abc", "zzz", "hunter22", "=secret"):
        assert secret not in cleaned
    assert "&x=1" in cleaned and "operator_id=o" in cleaned


# Clients dropped in reference cycles, so that only the collector frees them, and a collection at
# nearly every allocation: some run inside `redact` while it holds its lock, and the client's
# finalizer gives its password back right there. A deadlock shows as the child's timeout.
_COLLECTED_INSIDE_REDACT = textwrap.dedent(
    """
    import gc
    from mongars_client import Client
    from mongars_client import _redact

    password = "a-password-of-some-length"
    gc.set_threshold(1, 1, 1)
    for _ in range(60):
        client = Client(base_url="http://127.0.0.1:9", username="u1", password=password)
        cycle = [client]
        cycle.append(cycle)
        del client, cycle
        for _ in range(20):
            _redact.redact("a line to log")
    gc.collect()
    _redact.register_secret("another-secret")  # the next writer applies the queued releases
    print(password in _redact._pinned)
    """
)


def test_a_client_collected_while_a_log_line_is_redacted_does_not_deadlock() -> None:
    hung = "the client's finalizer waited on the redaction lock its own thread held"
    # "False": every collected client gave its password back.
    assert run_child(_COLLECTED_INSIDE_REDACT, if_hung=hung) == "False"


def test_nothing_secret_reaches_any_log_record(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http, max_retries=1) as made,
    ):
        token = made.login("u1", PASSWORD)
        made.chat("hello")
        server.expire_tokens()
        made.chat("hello again")
        server.script += [httpx.Response(503), httpx.Response(503)]
        with pytest.raises(errors.InternalServerError) as caught:
            made.history()
        with pytest.raises(errors.AuthenticationError) as wrong:
            made.login("u1", "wrong-password-9")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "retrying GET /api/v1/conversation/history" in logged
    secrets = [PASSWORD, "wrong-password-9", token.access_token, made.token.access_token]  # type: ignore[union-attr]
    for text in (logged, str(caught.value), str(wrong.value), repr(caught.value), repr(made.token)):
        for secret in secrets:
            assert secret not in text


def test_thread_safe_single_login_across_an_expiry(server: FakeServer) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http) as made,
    ):
        made.login("u1", PASSWORD)
        server.expire_tokens()
        barrier = threading.Barrier(16)
        failures: list[BaseException] = []

        def worker() -> None:
            barrier.wait()
            try:
                for _ in range(5):
                    made.chat("hello")
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures == []
    assert server.logins == 2


async def test_concurrent_tasks_share_one_login(server: FakeServer) -> None:
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(server)) as http,
        AsyncClient(BASE_URL, http_client=http) as made,
    ):
        await made.login("u1", PASSWORD)
        server.expire_tokens()
        replies = await asyncio.gather(*(made.chat(f"hello {i}") for i in range(50)))
    assert len(replies) == 50
    assert server.logins == 2


def test_run_sync_refuses_a_coroutine_that_needs_a_loop() -> None:
    async def needs_a_loop() -> None:
        await asyncio.sleep(0)

    with pytest.raises(SuspendedError):
        run_sync(needs_a_loop())


PROXY_SECRET = "proxy-secret-42"


@pytest.mark.parametrize(
    ("base_url", "variables", "expected"),
    [
        ("https://127.0.0.1:8443", {"HTTPS_PROXY": "http://127.0.0.5:3128"}, "127.0.0.5:3128"),
        ("https://127.0.0.1:8443", {"HTTP_PROXY": "http://127.0.0.5:3128"}, None),
        ("http://127.0.0.1:8000", {"http_proxy": "127.0.0.5:3128"}, "127.0.0.5:3128"),
        ("http://127.0.0.1:8000", {"ALL_PROXY": "socks5://127.0.0.6:1080"}, "127.0.0.6:1080"),
        (
            "http://127.0.0.1:8000",
            {"HTTP_PROXY": "http://127.0.0.5:3128", "NO_PROXY": "127.0.0.2, 127.0.0.1"},
            None,
        ),
        (
            "http://127.0.0.1:8000",
            {"HTTP_PROXY": "http://127.0.0.5:3128", "NO_PROXY": "127.0.0.1:8001"},
            "127.0.0.5:3128",
        ),
    ],
)
def test_the_environment_proxy_is_chosen_as_httpx_chooses_it(
    monkeypatch: pytest.MonkeyPatch, base_url: str, variables: dict[str, str], expected: str | None
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    chosen = resolve_settings(base_url=base_url, environ={}).proxy
    assert (chosen and httpx.URL(chosen).netloc.decode()) == expected
    assert resolve_settings(base_url=base_url, trust_env=False, environ={}).proxy is None


def test_an_explicit_proxy_wins_and_its_password_never_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.5:3128")
    monkeypatch.setenv("NO_PROXY", "*")
    given = f"http://egress:{PROXY_SECRET}@127.0.0.7:8080"
    from_env = resolve_settings(base_url=BASE_URL, environ={"MONGARS_PROXY": given})
    argument = resolve_settings(base_url=BASE_URL, proxy=given, trust_env=False, environ={})
    assert from_env.proxy == argument.proxy == given
    assert PROXY_SECRET not in repr(argument)
    assert (
        redact(f"connect to {given} failed") == "connect to http://egress:***@127.0.0.7:8080 failed"
    )
    with pytest.raises(errors.ConfigurationError) as caught:
        resolve_settings(base_url=BASE_URL, proxy=f"ftp://egress:{PROXY_SECRET}@127.0.0.7")
    assert PROXY_SECRET not in str(caught.value)


@pytest.mark.parametrize("client_class", [Client, AsyncClient])
def test_a_socks_proxy_without_socksio_is_refused_when_the_client_is_made(
    monkeypatch: pytest.MonkeyPatch, client_class: type[Client] | type[AsyncClient]
) -> None:
    monkeypatch.setitem(sys.modules, "socksio", None)  # as if not installed
    given = f"socks5://egress:{PROXY_SECRET}@127.0.0.6:1080"
    with pytest.raises(errors.ConfigurationError, match="socksio") as caught:
        client_class(BASE_URL, token=make_jwt(), proxy=given)
    assert PROXY_SECRET not in str(caught.value)

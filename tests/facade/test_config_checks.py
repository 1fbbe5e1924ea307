"""Nonsense settings are refused when the client is made, naming the setting."""

from __future__ import annotations

import math

import httpx
import pytest

from mongars_client import AsyncClient, Client, errors
from mongars_client._config import MAX_SECONDS, resolve_settings
from mongars_client.streaming import StreamOptions
from tests.facade.conftest import BASE_URL, PASSWORD, FakeServer

# Arabic-Indic and fullwidth three, superscript two: digits to str.isdigit(), not to people.
OTHER_DIGITS = ["\u0663", "\uff13", "\u00b2"]
BAD_NUMBERS = ["inf", "-inf", "Infinity", "nan", "NaN", "-1", "0", "1e999", *OTHER_DIGITS]


@pytest.mark.parametrize("raw", BAD_NUMBERS)
def test_mongars_timeout_refuses_what_is_not_a_finite_positive_ascii_number(raw: str) -> None:
    env = {"MONGARS_BASE_URL": "https://x.example.com", "MONGARS_TIMEOUT": raw}
    with pytest.raises(errors.ConfigurationError, match="MONGARS_TIMEOUT"):
        resolve_settings(environ=env)


@pytest.mark.parametrize("raw", ["-1", "1.5", "inf", "nan", "+2", *OTHER_DIGITS])
def test_mongars_max_retries_refuses_what_is_not_an_ascii_whole_number(raw: str) -> None:
    env = {"MONGARS_BASE_URL": "https://x.example.com", "MONGARS_MAX_RETRIES": raw}
    with pytest.raises(errors.ConfigurationError, match="MONGARS_MAX_RETRIES"):
        resolve_settings(environ=env)


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, -1, 0, True, "10"])
def test_timeout_argument_refuses_nonsense_when_the_client_is_made(
    cls: type[Client] | type[AsyncClient], value: object
) -> None:
    with pytest.raises(errors.ConfigurationError, match="timeout"):
        cls(BASE_URL, timeout=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("part", ["connect", "read", "write", "pool"])
@pytest.mark.parametrize("value", [math.inf, math.nan, -1.0])
def test_an_httpx_timeout_is_checked_part_by_part(part: str, value: float) -> None:
    parts: dict[str, float | None] = {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}
    parts[part] = value
    with pytest.raises(errors.ConfigurationError, match=rf"timeout\.{part}"):
        Client(BASE_URL, timeout=httpx.Timeout(**parts))


@pytest.mark.parametrize("value", [math.inf, math.nan, -1.0, "60"])
def test_max_retry_wait_refuses_nonsense(value: object) -> None:
    with pytest.raises(errors.ConfigurationError, match="max_retry_wait"):
        Client(BASE_URL, max_retry_wait=value)  # type: ignore[arg-type]
    assert Client(BASE_URL, max_retry_wait=0).settings.max_retry_wait == 0


@pytest.mark.parametrize("value", [-1, 1.5, True, math.inf])
def test_max_retries_refuses_nonsense(value: object) -> None:
    with pytest.raises(errors.ConfigurationError, match="max_retries"):
        Client(BASE_URL, max_retries=value)  # type: ignore[arg-type]


def test_per_call_overrides_are_checked_before_sending(client: Client, server: FakeServer) -> None:
    client.login("u1", PASSWORD)
    sent = len(server.requests)
    for bad in (math.inf, math.nan, -1.0, 0):
        with pytest.raises(errors.ConfigurationError, match="timeout"):
            client.chat("hello", timeout=bad)
        with pytest.raises(errors.ConfigurationError, match="timeout"):
            client.history(timeout=bad)
    with pytest.raises(errors.ConfigurationError, match="max_retries"):
        client.chat("hello", max_retries=-1)
    assert len(server.requests) == sent


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("open_timeout", math.inf),
        ("open_timeout", 0),
        ("ping_interval", math.nan),
        ("ping_timeout", -1.0),
        ("close_timeout", math.inf),
        ("backoff_base", -0.5),
        ("backoff_cap", math.nan),
        ("max_reconnects", -1),
        ("max_queue", 0),
        ("max_frame", 1.5),
    ],
)
def test_stream_options_refuse_nonsense(field: str, value: object) -> None:
    with pytest.raises(errors.ConfigurationError, match=rf"StreamOptions\.{field}"):
        StreamOptions(**{field: value})  # type: ignore[arg-type]


def test_stream_options_keep_their_documented_values() -> None:
    StreamOptions(ping_interval=None, ping_timeout=None, close_timeout=0.01, backoff_base=0.01)


@pytest.mark.parametrize(
    "env",
    [
        {"MONGARS_USERNAME": "u1"},
        {"MONGARS_PASSWORD": "a-password-1"},
    ],
)
def test_half_a_pair_of_credentials_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(errors.ConfigurationError, match="MONGARS_USERNAME and MONGARS_PASSWORD"):
        resolve_settings(environ={"MONGARS_BASE_URL": "https://x.example.com", **env})


def test_half_a_pair_given_as_arguments_is_refused() -> None:
    with pytest.raises(errors.ConfigurationError, match="a username without a password"):
        Client(BASE_URL, username="u1")
    with pytest.raises(errors.ConfigurationError, match="a password without a username"):
        AsyncClient(BASE_URL, password="a-password-1")


def test_half_a_pair_beside_a_token_is_only_unused() -> None:
    env = {"MONGARS_BASE_URL": "https://x.example.com", "MONGARS_USERNAME": "u1"}
    assert resolve_settings(token="a-token-value-1", environ=env).credentials is None
    assert resolve_settings(environ={**env, "MONGARS_TOKEN": "a-token-value-1"}).token


def test_an_argument_completes_a_pair_from_the_environment() -> None:
    env = {"MONGARS_BASE_URL": "https://x.example.com", "MONGARS_PASSWORD": "a-password-1"}
    assert resolve_settings(username="u1", environ=env).credentials == ("u1", "a-password-1")


def test_timeout_none_means_no_timeout_as_in_httpx() -> None:
    from mongars_client import NOT_GIVEN

    env = {"MONGARS_BASE_URL": "https://x.example.com", "MONGARS_TIMEOUT": "7"}
    unbounded = resolve_settings(timeout=None, environ=env)
    assert unbounded.total_timeout is None
    assert unbounded.timeout == httpx.Timeout(None)
    assert resolve_settings(environ=env).total_timeout == 7.0
    assert resolve_settings(timeout=NOT_GIVEN, environ=env).total_timeout == 7.0
    default = resolve_settings(environ={"MONGARS_BASE_URL": "https://x.example.com"})
    assert default.total_timeout == 60.0
    assert Client(BASE_URL, timeout=None).settings.total_timeout is None


def test_a_client_without_a_timeout_still_works(server: FakeServer) -> None:
    with (
        httpx.Client(transport=httpx.MockTransport(server)) as http,
        Client(BASE_URL, http_client=http, timeout=None) as client,
    ):
        client.login("u1", PASSWORD)
        assert client.chat("hello").response == "hello back"


# Beyond ~9.2e9 s, socket.settimeout(), time.sleep() and threading waits raise OverflowError:
# a finite but huge number of seconds used to pass the checks and fail at the first call.
HUGE = [1e10, 2.0**63, 10**400]


@pytest.mark.parametrize("cls", [Client, AsyncClient])
@pytest.mark.parametrize("value", HUGE, ids=["1e10", "2**63", "10**400"])
def test_a_huge_timeout_is_refused_when_the_client_is_made(
    cls: type[Client] | type[AsyncClient], value: float
) -> None:
    with pytest.raises(errors.ConfigurationError, match="timeout must be at most"):
        cls(BASE_URL, timeout=value)
    with pytest.raises(errors.ConfigurationError, match="max_retry_wait must be at most"):
        cls(BASE_URL, max_retry_wait=value)
    with pytest.raises(errors.ConfigurationError, match=r"timeout\.read must be at most"):
        cls(BASE_URL, timeout=httpx.Timeout(5.0, read=value))


@pytest.mark.parametrize("raw", ["1e10", "9223372036854775808"])
def test_a_huge_mongars_timeout_is_refused(raw: str) -> None:
    env = {"MONGARS_BASE_URL": "https://x.example.com", "MONGARS_TIMEOUT": raw}
    with pytest.raises(errors.ConfigurationError, match="MONGARS_TIMEOUT must be at most"):
        resolve_settings(environ=env)


def test_a_huge_per_call_timeout_or_stream_option_is_refused(
    client: Client, server: FakeServer
) -> None:
    client.login("u1", PASSWORD)
    sent = len(server.requests)
    with pytest.raises(errors.ConfigurationError, match="timeout must be at most"):
        client.history(timeout=1e10)
    assert len(server.requests) == sent
    with pytest.raises(errors.ConfigurationError, match=r"StreamOptions\.ping_interval"):
        StreamOptions(ping_interval=1e10)


def test_the_longest_timeout_allowed_works_over_a_real_socket() -> None:
    from mongars_client.testing import Simulator

    with Simulator() as sim:
        for timeout in (MAX_SECONDS, None):
            with Client(sim.base_url, timeout=timeout) as client:
                assert client.health() is not None

"""Client settings: constructor arguments first, then `MONGARS_*` variables, then defaults."""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import ssl
import sys
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, final

import httpx

from mongars_client._redact import register_secret
from mongars_client.errors import ConfigurationError, InsecureTransportError

DEFAULT_TIMEOUT = 60.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RETRY_WAIT = 60.0
# The longest wait a setting may ask for (about 31 years): beyond ~9.2e9 s the socket, sleep
# and thread waits of the standard library raise OverflowError, at the first call rather than
# when the client is made. `timeout=None` is the way to say "no timeout".
MAX_SECONDS = 1e9

ENVIRONMENT = {
    "MONGARS_BASE_URL": "base URL of the server, such as https://mongars.example.com",
    "MONGARS_TOKEN": "a bearer token to use instead of logging in",
    "MONGARS_USERNAME": "username for login and automatic re-login",
    "MONGARS_PASSWORD": "password for login and automatic re-login",
    "MONGARS_TIMEOUT": "seconds a whole call may take (default 60; connecting: 5 at most)",
    "MONGARS_MAX_RETRIES": "retries after a failed attempt (default 2)",
    "MONGARS_PROXY": "proxy URL for HTTP and the stream alike (else HTTPS_PROXY, NO_PROXY ...)",
    "MONGARS_LOG": "log level of the mongars_client logger: debug, info, warning or error",
}

_LOG_HANDLER_NAME = "mongars_client.env"


@final
class NotGiven:
    """The type of `NOT_GIVEN`: an argument left out, as opposed to an explicit `None`."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __reduce__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()
"""Default of `timeout=`: use `MONGARS_TIMEOUT`, else 60 s (`None` means no timeout at all)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The resolved configuration of one client."""

    base_url: str
    token: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: httpx.Timeout = field(
        default_factory=lambda: httpx.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)
    )
    total_timeout: float | None = DEFAULT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    verify: ssl.SSLContext | bool = True
    origin: str | None = None
    allow_insecure_http: bool = False
    # The proxy for this client's server, HTTP and stream alike, or None; its URL may hold a
    # password: never shown.
    proxy: str | None = field(default=None, repr=False)

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(username, password) when both are known."""
        if self.username and self.password:
            return self.username, self.password
        return None

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context for connections httpx does not make (the WebSocket stream)."""
        if isinstance(self.verify, ssl.SSLContext):
            return self.verify
        return httpx.create_ssl_context(verify=self.verify)

    def check_credentials_transport(self) -> None:
        """Refuse to send credentials over plain HTTP to another machine, unless allowed."""
        url = httpx.URL(self.base_url)
        if url.scheme == "https" or self.allow_insecure_http or is_loopback(url.host):
            return
        raise InsecureTransportError(
            f"refusing to send credentials over plain http:// to {url.host}: use https://, "
            "or pass allow_insecure_http=True if this network is trusted"
        )


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses."""
    if host.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def choose_proxy(
    base_url: httpx.URL, proxy: str | None, trust_env: bool, environ: Mapping[str, str]
) -> str | None:
    """The proxy for `base_url`: `proxy=`, else `MONGARS_PROXY`, else (when `trust_env`) the
    standard variables as httpx reads them (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, with
    `NO_PROXY` honoured; lower case too)."""
    chosen = proxy or environ.get("MONGARS_PROXY", "").strip() or None
    if chosen is None and trust_env:
        host = base_url.host if base_url.port is None else f"{base_url.host}:{base_url.port}"
        if not urllib.request.proxy_bypass(host):
            proxies = urllib.request.getproxies()
            chosen = proxies.get(base_url.scheme) or proxies.get("all")
    if chosen is None:
        return None
    try:
        url = httpx.URL(chosen if "://" in chosen else f"http://{chosen}")
    except httpx.InvalidURL:
        url = httpx.URL()
    if url.scheme not in {"http", "https", "socks5", "socks5h"} or not url.host:
        # The text may hold a password: say where it came from, not what it is.
        raise ConfigurationError("the proxy URL is not an http://, https:// or socks5:// URL")
    register_secret(url.password)
    return str(url)


def _env_float(environ: Mapping[str, str], name: str) -> float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    # float() also reads "inf", "nan" and the digits of other scripts: refused here
    # rather than failing at the first call, or never.
    try:
        value = float(raw) if raw.isascii() else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigurationError(f"{name}={raw!r} is not a number of seconds")
    if value > MAX_SECONDS:
        raise ConfigurationError(f"{name} must be at most {MAX_SECONDS:g} seconds, not {raw!r}")
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, not {raw!r}")
    return value


def _env_int(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ConfigurationError(f"{name}={raw!r} is not a whole number >= 0")
    return int(raw)


def check_seconds(name: str, value: object, *, zero: bool = False) -> float:
    """`value` as a finite number of seconds, > 0 (or >= 0 with `zero`); else ConfigurationError."""
    # An int is always finite, and math.isfinite() would raise OverflowError for a huge one.
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise ConfigurationError(f"{name} must be a finite number of seconds, not {value!r}")
    if value < 0 or (value == 0 and not zero):
        raise ConfigurationError(
            f"{name} must be {'at least 0' if zero else 'positive'}, not {value!r}"
        )
    if value > MAX_SECONDS:
        raise ConfigurationError(f"{name} must be at most {MAX_SECONDS:g} seconds, not {value!r}")
    return float(value)


def check_count(name: str, value: object, *, minimum: int = 0) -> int:
    """`value` as a whole number >= `minimum`; else ConfigurationError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be a whole number >= {minimum}, not {value!r}")
    return value


def _timeouts(timeout: float | httpx.Timeout | None) -> tuple[httpx.Timeout, float | None]:
    """httpx's per-operation timeouts and the whole-call bound, from what the caller gave.

    `None` is httpx's "no timeout": neither the operations nor the whole call are bounded.
    """
    if timeout is None:
        return httpx.Timeout(None), None
    if isinstance(timeout, httpx.Timeout):
        for part in ("connect", "read", "write", "pool"):
            value = getattr(timeout, part)
            if value is not None:
                check_seconds(f"timeout.{part}", value)
        return timeout, timeout.read
    seconds = check_seconds("timeout", timeout)
    return httpx.Timeout(seconds, connect=min(DEFAULT_CONNECT_TIMEOUT, seconds)), seconds


def _ssl_context(
    verify: bool | str | os.PathLike[str] | ssl.SSLContext | None,
) -> ssl.SSLContext | bool:
    """One TLS context for HTTP and WebSocket alike; a CA bundle path becomes a context."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if verify is None or verify is True:
        return True
    if verify is False:
        return False
    path = os.fspath(verify)
    try:
        return ssl.create_default_context(cafile=path)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"verify={path!r} is not a readable CA bundle: {exc}") from None


def resolve_settings(
    *,
    base_url: str | None = None,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
    timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
    max_retries: int | None = None,
    max_retry_wait: float | None = None,
    verify: bool | str | os.PathLike[str] | ssl.SSLContext | None = None,
    origin: str | None = None,
    allow_insecure_http: bool = False,
    proxy: str | None = None,
    trust_env: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Settings from arguments, then the environment, then defaults; `ConfigurationError` if bad.

    Every value is checked here, when the client is made: a number must be finite and in range,
    an environment variable plain ASCII, and credentials come as a pair.
    """
    env = os.environ if environ is None else environ
    base_url = base_url or env.get("MONGARS_BASE_URL", "").strip() or None
    if not base_url:
        raise ConfigurationError("no server: pass base_url=... or set MONGARS_BASE_URL")
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"base_url {base_url!r} is not a URL: {exc}") from None
    if url.scheme not in {"http", "https"} or not url.host:
        raise ConfigurationError(f"base_url must be an http:// or https:// URL, not {base_url!r}")

    if max_retries is None:
        max_retries = _env_int(env, "MONGARS_MAX_RETRIES")
    if max_retries is None:
        max_retries = DEFAULT_MAX_RETRIES
    check_count("max_retries", max_retries)
    if max_retry_wait is None:
        max_retry_wait = DEFAULT_MAX_RETRY_WAIT
    check_seconds("max_retry_wait", max_retry_wait, zero=True)
    if isinstance(timeout, NotGiven):
        from_env = _env_float(env, "MONGARS_TIMEOUT")
        timeout = DEFAULT_TIMEOUT if from_env is None else from_env
    http_timeout, total = _timeouts(timeout)
    token = token or env.get("MONGARS_TOKEN") or None
    username = username or env.get("MONGARS_USERNAME") or None
    password = password or env.get("MONGARS_PASSWORD") or None
    # Half a pair would make every call anonymous without a word; with a token it is only unused.
    if token is None and (username is None) != (password is None):
        given, missing = ("username", "password") if password is None else ("password", "username")
        raise ConfigurationError(
            f"a {given} without a {missing}: pass both (or set both MONGARS_USERNAME and "
            f"MONGARS_PASSWORD), or neither"
        )

    settings = Settings(
        base_url=str(url).rstrip("/"),
        token=token,
        username=username,
        password=password,
        timeout=http_timeout,
        total_timeout=total,
        max_retries=max_retries,
        max_retry_wait=max_retry_wait,
        verify=_ssl_context(verify),
        origin=origin,
        allow_insecure_http=allow_insecure_http,
        proxy=choose_proxy(url, proxy, trust_env, env),
    )
    register_secret(settings.password)
    register_secret(settings.token)
    configure_logging(env.get("MONGARS_LOG"))
    return settings


def configure_logging(level_name: str | None) -> None:
    """`MONGARS_LOG=debug` (or info ...): set our logger's level and print it to stderr."""
    if not level_name or not level_name.strip():
        return
    level = logging.getLevelName(level_name.strip().upper())
    if not isinstance(level, int):
        raise ConfigurationError(f"MONGARS_LOG={level_name!r} is not debug, info, warning or error")
    logger = logging.getLogger("mongars_client")
    logger.setLevel(level)
    if not any(h.get_name() == _LOG_HANDLER_NAME for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_LOG_HANDLER_NAME)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)

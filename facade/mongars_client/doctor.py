"""`mongars doctor`: is this SDK, configured as it is, right for that server?

Each check gives one `Check`: `ok`, `warn` or `fail`, what was seen, and what to do about it.
In order: the route the client takes (TLS, proxy), the server's health probes, clock skew,
login, the WebSocket ticket and handshake with the configured `Origin`, and the spec
compatibility of `Client.check_compatibility()`. Nothing here changes the server: the login
issues a token and the stream check a ticket, as any client does.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

import httpx

from mongars_client._redact import MASK, redact
from mongars_client.errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    MonGARSError,
    OriginRefusedError,
)

if TYPE_CHECKING:
    from mongars_client import Client
    from mongars_client._token import Token

Status = Literal["ok", "warn", "fail"]

# The clock skew beyond which tokens are refreshed noticeably early or late (warn), and beyond
# which a fresh token can look expired or not yet valid to one side (fail), in seconds.
SKEW_WARN = 10.0
SKEW_FAIL = 120.0
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    status: Status
    message: str
    hint: str = ""

    def line(self) -> str:
        """`ok    server   /healthz and /ready answer`, with the hint after a dash."""
        hint = f" -- {self.hint}" if self.hint else ""
        return f"{self.status:<5} {self.name:<8} {self.message}{hint}"

    def as_dict(self) -> dict[str, str]:
        """The check as `--json` prints it."""
        return asdict(self)


def proxy_route(url: str) -> str | None:
    """The proxy the client's requests to `url` go through, or None for a direct connection.

    Read from the environment as httpx does by default (`HTTPS_PROXY`, `HTTP_PROXY`,
    `ALL_PROXY`, `NO_PROXY`): the one place to point at the client's own choice once it has one.
    """
    parsed = httpx.URL(url)
    if urllib.request.proxy_bypass(parsed.host):
        return None
    proxies = urllib.request.getproxies()
    chosen = proxies.get(parsed.scheme) or proxies.get("all")
    if not chosen:
        return None
    return _proxy_location(chosen)


def _proxy_location(chosen: str) -> str:
    """Only where a proxy is: its URL may carry its user's password."""
    try:
        proxy = httpx.URL(chosen)
    except httpx.InvalidURL:
        return "a proxy (its URL is not valid)"
    port = f":{proxy.port}" if proxy.port else ""
    return f"{proxy.scheme}://{proxy.host}{port}"


def _client_proxy(client: Client) -> tuple[str | None, str | None]:
    """`(the proxy the client goes through, a proxy the environment names that it ignores)`.

    A client whose settings carry no `proxy` connects directly whatever the environment says
    (its transport is its own, so httpx applies no environment proxy): naming the environment's
    proxy as its route would send the reader after the wrong machine.
    """
    if hasattr(client.settings, "proxy"):
        chosen = getattr(client.settings, "proxy", None)
        return (_proxy_location(str(chosen)) if chosen else None), None
    return None, proxy_route(client.base_url)


def route(client: Client) -> Check:
    """How the client reaches the server: TLS or not, through a proxy or direct."""
    url = httpx.URL(client.base_url)
    proxy, ignored = _client_proxy(client)
    via = f"through the proxy {proxy}" if proxy else "direct (no proxy)"
    if url.scheme == "https":
        if client.settings.verify is False:
            check = Check(
                "route",
                "warn",
                f"https, certificate NOT verified, {via}",
                "verify=False accepts any certificate: pass a CA bundle (verify=path) instead",
            )
        else:
            check = Check("route", "ok", f"https, certificate verified, {via}")
    elif url.host in _LOOPBACK:
        check = Check("route", "ok", f"plain http to this machine, {via}")
    else:
        check = Check(
            "route",
            "warn",
            f"plain http to {url.host}, {via}",
            "passwords and tokens cross the network readable: use the server's https:// URL",
        )
    if ignored is None:
        return check
    hint = (
        f"the environment names the proxy {ignored}, which this client does not use: it "
        "connects directly (unset the variable, or make sure the direct route is allowed)"
    )
    return Check("route", "warn", check.message, f"{check.hint}; {hint}" if check.hint else hint)


def server(
    client: Client, now: Callable[[], float] = time.time
) -> tuple[Check, httpx.Response | None, float]:
    """`/healthz` and `/ready`; the `/healthz` answer for the clock check, and our clock when
    it arrived (`/ready` may take long: the retry layer waits out a starting server's 503s)."""
    http: httpx.Client = client._http
    received = 0.0
    try:
        health = http.get("/healthz", auth=None)
        received = now()
        ready = http.get("/ready", auth=None)
    except MonGARSError as error:  # the retry layer's typed errors
        return _unreachable(client, error), None, received
    except httpx.HTTPError as error:
        return _unreachable(client, error), None, received
    if health.status_code != 200:
        return (
            Check(
                "server",
                "fail",
                f"/healthz answered {health.status_code}",
                "the server is up but unhealthy, or this URL is not a monGARS server: "
                "check --base-url and the server's logs",
            ),
            health,
            received,
        )
    if ready.status_code != 200:
        return (
            Check(
                "server",
                "warn",
                f"/healthz answers 200, /ready answered {ready.status_code}",
                "the server is up but not ready yet (starting, or a dependency is down)",
            ),
            health,
            received,
        )
    ok = Check("server", "ok", f"{client.base_url}: /healthz and /ready answer 200")
    return ok, health, received


def _unreachable(client: Client, error: Exception) -> Check:
    return Check(
        "server",
        "fail",
        f"cannot reach {client.base_url}: {redact(str(error)) or type(error).__name__}",
        "check that the server runs, that --base-url (MONGARS_BASE_URL) is right, and the proxy",
    )


def clock(response: httpx.Response, now: Callable[[], float] = time.time) -> Check:
    """The server's `Date` header against our clock (`now()`: when the answer arrived): tokens
    expire by the server's."""
    header = response.headers.get("date")
    if not header:
        return Check(
            "clock",
            "warn",
            "the server sends no Date header: clock skew not measured",
            "make sure both clocks follow NTP: tokens expire by the server's clock",
        )
    try:
        server_time = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError):
        return Check("clock", "warn", f"unreadable Date header {header!r}", "")
    skew = now() - server_time
    # `Date` has whole seconds: up to one second of difference is no skew at all.
    shown = f"our clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the server's"
    if abs(skew) < SKEW_WARN:
        return Check("clock", "ok", f"in step with the server (within {SKEW_WARN:.0f} s)")
    hint = "synchronise this machine's clock (NTP): tokens expire by the server's clock"
    return Check("clock", "warn" if abs(skew) < SKEW_FAIL else "fail", shown, hint)


def login(client: Client) -> Check:
    """Log in with the configured credentials, or look at the configured token."""
    credentials = client.settings.credentials
    if credentials is not None:
        try:
            token = client.login(*credentials)
        except AuthenticationError:
            return Check(
                "login",
                "fail",
                f"the server refused the login of {credentials[0]}",
                "check MONGARS_USERNAME and MONGARS_PASSWORD",
            )
        except APIStatusError as error:
            return Check("login", "fail", f"login failed: {error}", "see the server's logs")
        except MonGARSError as error:  # the connection dropped or timed out, a malformed answer
            return Check(
                "login",
                "fail",
                f"login failed: {redact(str(error)) or type(error).__name__}",
                "the login is a POST and is not retried: run the doctor again; if it persists, "
                "see the server's logs and the route (proxy, load balancer)",
            )
        return Check("login", "ok", f"logged in as {token.subject or credentials[0]}{_ttl(token)}")
    configured = client.token
    if configured is None:
        return Check(
            "login",
            "warn",
            "no credentials configured: login and stream not checked",
            "set MONGARS_USERNAME and MONGARS_PASSWORD (or MONGARS_TOKEN), or `mongars login "
            "--save`",
        )
    remaining = configured.expires_in()
    if remaining is not None and remaining <= 0:
        return Check(
            "login",
            "fail",
            "the configured token has expired",
            "log in again (`mongars login --save`) or set MONGARS_USERNAME and MONGARS_PASSWORD",
        )
    subject = configured.subject or "an account"
    return Check("login", "ok", f"token for {subject}{_ttl(configured)}")


def _ttl(token: Token) -> str:
    remaining = token.expires_in()
    return "" if remaining is None else f" (token valid {remaining / 60:.0f} more min)"


def stream(client: Client) -> Check:
    """A WebSocket ticket, then the handshake with the configured `Origin`.

    One attempt: a stream's own policy reconnects up to 10 times with backoff (minutes), which
    is right for a service and wrong for a diagnosis. A 403 is still tried with a fresh ticket
    once, which is how the stream tells a refused origin from a stale ticket.
    """
    from mongars_client.streaming import StreamOptions, default_origin

    origin = client.settings.origin or default_origin(client.base_url)
    try:
        client.ws_ticket()
        with client.stream(options=StreamOptions(max_reconnects=0)):
            pass
    except OriginRefusedError:
        return Check(
            "stream",
            "fail",
            f"the server refused the WebSocket handshake from origin {origin} (403)",
            "this origin is not in the server's allow-list: pass --origin (origin= in code) with "
            "one it allows, or ask for this one to be added",
        )
    except AuthenticationError:
        return Check("stream", "fail", "the ticket was refused: not logged in", "fix the login")
    except MonGARSError as error:
        return Check("stream", "fail", f"the stream failed: {error}", "see the server's logs")
    return Check("stream", "ok", f"ticket issued, handshake accepted (origin {origin})")


def compatibility(client: Client) -> Check:
    """`client.check_compatibility()` as one line."""
    try:
        report = client.check_compatibility()
    except MonGARSError as error:
        return Check("spec", "fail", f"cannot fetch the server's spec: {error}", "")
    if report.status == "compatible":
        return Check("spec", "ok", f"{report.detail} (spec {report.sdk_spec_version})")
    if report.status == "server_newer":
        return Check(
            "spec",
            "warn",
            report.detail,
            "everything this SDK does works; `make update-spec FROM=<server URL>` to use more",
        )
    if report.status == "unknown":
        return Check("spec", "warn", report.detail, "compatibility not checked")
    first = report.changes[:3]
    shown = "; ".join(f"{c.operation or 'the API'}: {c.describe()}" for c in first)
    more = f" (and {len(report.changes) - len(first)} more)" if len(report.changes) > 3 else ""
    return Check(
        "spec",
        "fail",
        f"incompatible: {shown}{more}",
        "use an SDK version generated for this server (`make update-spec FROM=<server URL>`)",
    )


def diagnose(client: Client, *, now: Callable[[], float] = time.time) -> list[Check]:
    """Every check, in order; stops after the server check when the server cannot be reached.

    No line shows a password: the base URL's user information (`https://user:pw@host`) is
    taken out of every message and hint, as `redact` takes out tokens and tickets.
    """
    return [_scrubbed(check, client.base_url) for check in _diagnose(client, now)]


def _diagnose(client: Client, now: Callable[[], float]) -> list[Check]:
    checks = [route(client)]
    check, health, received = server(client, now)
    checks.append(check)
    if health is None:
        return checks
    checks.append(clock(health, lambda: received))
    checks.append(login(client))
    if client.token is not None:
        checks.append(stream(client))
    try:
        checks.append(compatibility(client))
    except APIConnectionError as error:  # pragma: no cover - the server went away mid-way
        checks.append(Check("spec", "fail", f"cannot reach the server: {error}", ""))
    return checks


def _scrubbed(check: Check, base_url: str) -> Check:
    authority = base_url.partition("://")[2].split("/", 1)[0]
    userinfo = authority.rpartition("@")[0]

    def scrub(text: str) -> str:
        if userinfo:
            text = text.replace(f"{userinfo}@", "")
            password = userinfo.partition(":")[2]
            for shown in {password, unquote(password)} - {""}:
                text = text.replace(shown, MASK)
        return redact(text)

    return Check(check.name, check.status, scrub(check.message), scrub(check.hint))

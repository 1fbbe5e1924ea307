"""The session layer: one `httpx.Auth` through which every request goes, generated endpoints too.

It adds the bearer token to the operations the spec protects (the others go out bare, and never
wait for a login); logs in before the token expires when it knows the credentials; on a 401 logs
in again once and replays the request; makes concurrent requests that meet an expired token share
a single login, and its failure as well as its success; after a login refused with a 401, fails
fast for `LOGIN_COOLDOWN` seconds instead of hammering `/token` (servers lock accounts for that);
bounds the wait for the login, the login and the replay by the call's timeout (the request's
`mongars.deadline` extension, which the transport honours too); and, since it sees every final
answer, turns error statuses into the typed errors of `mongars_client.errors`.
"""

from __future__ import annotations

import logging
import re
import time
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from typing import Protocol

import httpx

from mongars_client import _otel as otel
from mongars_client._bridge import iterate_sync
from mongars_client._redact import pin_secret, release_secret_later, unpin_secret
from mongars_client._token import Token, http_date
from mongars_client._transport import DEADLINE, call_timeout, parse_retry_after
from mongars_client.errors import (
    APITimeoutError,
    MonGARSError,
    ResponseValidationError,
    error_for_response,
)

logger = logging.getLogger("mongars_client")

LoginRequestFactory = Callable[[str, str], httpx.Request]

# Seconds during which a login refused with a 401 is not tried again with the same credentials.
LOGIN_COOLDOWN = 10.0


class LoginLock(Protocol):
    """The lock logins are made under: a thread lock or an asyncio one (see `_bridge`)."""

    async def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock; False when `timeout` seconds passed first."""

    def release(self) -> None:
        """Give the lock back."""


class AnonymousOperations:
    """Which requests the spec lets through without credentials (`mongars_api.security`).

    `base_path` is the base URL's path: a request's path is matched with it taken off.
    """

    def __init__(self, base_path: str) -> None:
        self._base_path = base_path.rstrip("/")
        self._exact: frozenset[tuple[str, str]] | None = None
        # Path templates by method: most calls' method has none (`client_overhead_*`).
        self._templates: dict[str, list[re.Pattern[str]]] = {}

    def _load(self) -> frozenset[tuple[str, str]]:
        # On the first request, not at import: the generated package loads when first needed.
        from mongars_api.security import ANONYMOUS_OPERATIONS

        exact = {(m, p) for m, p in ANONYMOUS_OPERATIONS if "{" not in p}
        for method, template in ANONYMOUS_OPERATIONS:
            if "{" in template:
                pattern = re.compile(re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(template)))
                self._templates.setdefault(method, []).append(pattern)
        self._exact = frozenset(exact)
        return self._exact

    def match(self, method: str, path: str) -> bool:
        """Whether a request of `method` to `path` (the URL's, decoded) is one of these."""
        exact = self._exact if self._exact is not None else self._load()
        if not path.startswith(self._base_path):
            return False
        path = path[len(self._base_path) :]
        if (method, path) in exact:
            return True
        patterns = self._templates.get(method)
        return patterns is not None and any(p.fullmatch(path) for p in patterns)


def raise_for_status(response: httpx.Response) -> None:
    """Raise the typed error for a 4xx/5xx answer."""
    if response.status_code >= 400:
        raise error_for_response(response, retry_after=parse_retry_after(response.headers))


def json_problem(headers: Mapping[str, str], content: bytes) -> str | None:
    """Why a success body cannot be the API's JSON, or None: another declared Content-Type (a
    proxy's or captive portal's page), or bytes that are not UTF-8 (Python's JSON decoder lets an
    encoded lone surrogate through, and that text would fail later, in the caller's hands)."""
    if not content:
        return None
    content_type = headers.get("content-type")  # httpx's headers ignore case
    # Runs on every answer: the usual `application/json` is recognised without parsing.
    if content_type is not None and not content_type.startswith("application/json"):
        media = content_type.split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            return f"is {media or 'untyped'}, not JSON"
    if not content.isascii():  # ASCII is UTF-8; only other bytes need decoding to be checked
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as error:
            return f"is not valid UTF-8 (byte {error.start})"
    return None


def token_from_login(response: httpx.Response) -> Token:
    """The `Token` in a login answer, or the error it carries; its lifetime is counted on the
    server's clock (the answer's `Date`, unless the JWT has an `iat`)."""
    raise_for_status(response)
    problem = json_problem(response.headers, response.content)
    try:
        body = None if problem else response.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to decode
        problem = "is not JSON"
    if problem is not None:
        raise ResponseValidationError.for_response(f"the login answer {problem}", response)
    try:
        token = Token.from_login_body(body)
    except ResponseValidationError as error:  # JSON, but not a token: say which answer it was
        raise ResponseValidationError.for_response(str(error), response) from None
    return token.issued_by_server_at(http_date(response.headers.get("date")))


def _release_pins(pins: list[str]) -> None:
    # A finalizer: the collector may run it while this thread is inside `redact`.
    for secret in pins:
        release_secret_later(secret)


class SessionAuth(httpx.Auth):
    """Bearer token, automatic login and re-login, and error statuses as exceptions."""

    def __init__(
        self,
        *,
        login_request: LoginRequestFactory,
        login_path: str,
        lock: LoginLock,
        read_body: Callable[[httpx.Response], Awaitable[bytes]],
        token: Token | None = None,
        credentials: tuple[str, str] | None = None,
        password_paths: frozenset[str] = frozenset(),
        check_transport: Callable[[], None] = lambda: None,
        anonymous: AnonymousOperations | None = None,
        total_timeout: float | None = None,
    ) -> None:
        self._login_request = login_request
        self._login_path = login_path
        # Requests to these paths carry a password: `check_transport` raises before one leaves
        # over plain HTTP to another machine, whichever way it was made (`call()` included).
        self._password_paths = password_paths | {login_path}
        self._check_transport = check_transport
        self._anonymous = anonymous if anonymous is not None else AnonymousOperations("")
        self._total_timeout = total_timeout
        self._lock = lock
        self._read_body = read_body
        # Login attempts finished, and the last one's answer when it failed (None after a
        # success): a caller that waited for the lock while a login ran shares its outcome
        # instead of trying again. Kept as the answer, so each caller raises an error of its own.
        self._attempts = 0
        self._failed_login: httpx.Response | None = None
        self._failed_at = 0.0
        # The password and token in use stay masked in logs until replaced or this object goes.
        self._pins: list[str] = []
        weakref.finalize(self, _release_pins, self._pins)
        self._token: Token | None = None
        self._credentials: tuple[str, str] | None = None
        self.token = token
        self.credentials = credentials

    def _repin(self, old: str | None, new: str | None) -> None:
        if old == new:
            return
        if new:
            pin_secret(new)
            self._pins.append(new)
        if old and old in self._pins:
            self._pins.remove(old)
            unpin_secret(old)

    @property
    def token(self) -> Token | None:
        """The current token, or None before the first login."""
        return self._token

    @token.setter
    def token(self, value: Token | None) -> None:
        old = self._token
        self._repin(old.access_token if old else None, value.access_token if value else None)
        self._token = value

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(username, password) used to log in again, or None for a bare token."""
        return self._credentials

    @credentials.setter
    def credentials(self, value: tuple[str, str] | None) -> None:
        old = self._credentials
        self._repin(old[1] if old else None, value[1] if value else None)
        self._credentials = value
        if value != old:  # new credentials deserve a try: the cool-down was for the old ones
            self._failed_login = None

    def logged_in(self, token: Token, credentials: tuple[str, str]) -> None:
        """Take the token of a login made outside the flow (`client.login`): it ends the
        cool-down of an earlier refused login, whatever the credentials."""
        self.token = token
        self.credentials = credentials
        self._failed_login = None

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """httpx's entry point for the blocking client."""
        return iterate_sync(self._flow(request))

    def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """httpx's entry point for the asyncio client."""
        return self._flow(request)

    async def _read(self, response: httpx.Response) -> httpx.Response:
        # httpx reads bodies for an Auth only in the flows we override: read them here.
        await self._read_body(response)
        return response

    def _deadline(self, request: httpx.Request) -> float | None:
        # Fixed here, the first layer to see the call, so that it spans the wait for the login
        # lock, the login and the replay; the transport bounds each attempt by it.
        deadline: float | None = request.extensions.get(DEADLINE)
        if deadline is None:
            total = call_timeout(self._total_timeout)
            if total is not None:
                deadline = time.monotonic() + total
                request.extensions[DEADLINE] = deadline
        return deadline

    async def _acquire(self, request: httpx.Request, deadline: float | None) -> None:
        timeout = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        if not await self._lock.acquire(timeout):
            origin = f"{request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
            raise APITimeoutError(
                f"{request.method} {request.url.path} to {origin} timed out waiting for the "
                "login another call is making",
                method=request.method,
                url=origin + request.url.path,
            )

    def _raise_shared_failure(self, attempts_seen: int) -> None:
        failed = self._failed_login
        if failed is None:
            return
        # The login this call waited for failed: its error is this call's too. Or the server
        # refused these credentials moments ago: do not insist (accounts get locked for that).
        cooling = failed.status_code == 401 and time.monotonic() - self._failed_at < LOGIN_COOLDOWN
        if self._attempts != attempts_seen or cooling:
            token_from_login(failed)  # raises that login's error again, a new one for this call

    async def _flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        path = request.url.path  # decoded anew by each read of it (`client_overhead_*`)
        if path in self._password_paths:
            self._check_transport()
        if path == self._login_path or self._anonymous.match(request.method, path):
            # No login, no bearer: a readiness probe must not fail on a credentials problem.
            response = await self._read((yield request))
            raise_for_status(response)
            return
        deadline = self._deadline(request)
        token = self.token
        for replay in (False, True):
            credentials = self.credentials
            if credentials is not None and (replay or token is None or token.needs_refresh()):
                attempts_seen = self._attempts
                await self._acquire(request, deadline)
                try:
                    # Single flight: whoever takes the lock first logs in; the requests that
                    # waited behind it find a newer token and use that one, or its error.
                    if self.token is token:
                        self._raise_shared_failure(attempts_seen)
                        self._check_transport()
                        login = self._login_request(*credentials)
                        if deadline is not None:
                            login.extensions[DEADLINE] = deadline
                        logger.info("logging in as %s", credentials[0])
                        with otel.relogin(rejected=replay):
                            answer = await self._read((yield login))
                            self._attempts += 1
                            try:
                                self.token = token_from_login(answer)
                            except MonGARSError:
                                self._failed_login, self._failed_at = answer, time.monotonic()
                                raise
                            self._failed_login = None
                finally:
                    self._lock.release()
                token = self.token
            if token is not None:
                request.headers["Authorization"] = token.authorization
            response = await self._read((yield request))
            if response.status_code != 401 or self.credentials is None:
                break
        raise_for_status(response)

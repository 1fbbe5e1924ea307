"""The session layer: one `httpx.Auth` through which every request goes, generated endpoints too.

It adds the bearer token; logs in before the token expires when it knows the credentials; on a
401 logs in again once and replays the request; makes concurrent requests that meet an expired
token share a single login; and, since it sees every final answer, turns error statuses into the
typed errors of `mongars_client.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator, Mapping
from contextlib import AbstractAsyncContextManager

import httpx

from mongars_client import _otel as otel
from mongars_client._bridge import iterate_sync
from mongars_client._redact import register_secret
from mongars_client._token import Token
from mongars_client._transport import parse_retry_after
from mongars_client.errors import ResponseValidationError, error_for_response

logger = logging.getLogger("mongars_client")

LoginRequestFactory = Callable[[str, str], httpx.Request]


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
    """The `Token` in a login answer, or the error it carries."""
    raise_for_status(response)
    problem = json_problem(response.headers, response.content)
    try:
        body = None if problem else response.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deep to decode
        problem = "is not JSON"
    if problem is not None:
        raise ResponseValidationError(
            f"the login answer {problem}",
            status_code=response.status_code,
            method="POST",
            path="/token",
        )
    return Token.from_login_body(body)


class SessionAuth(httpx.Auth):
    """Bearer token, automatic login and re-login, and error statuses as exceptions."""

    def __init__(
        self,
        *,
        login_request: LoginRequestFactory,
        login_path: str,
        lock: AbstractAsyncContextManager[object],
        read_body: Callable[[httpx.Response], Awaitable[bytes]],
        token: Token | None = None,
        credentials: tuple[str, str] | None = None,
        password_paths: frozenset[str] = frozenset(),
        check_transport: Callable[[], None] = lambda: None,
    ) -> None:
        self._login_request = login_request
        self._login_path = login_path
        # Requests to these paths carry a password: `check_transport` raises before one leaves
        # over plain HTTP to another machine, whichever way it was made (`call()` included).
        self._password_paths = password_paths | {login_path}
        self._check_transport = check_transport
        self._lock = lock
        self._read_body = read_body
        self.token = token
        self.credentials = credentials
        self.logins = 0

    @property
    def credentials(self) -> tuple[str, str] | None:
        """(username, password) used to log in again, or None for a bare token."""
        return self._credentials

    @credentials.setter
    def credentials(self, value: tuple[str, str] | None) -> None:
        if value is not None:
            register_secret(value[1])
        self._credentials = value

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

    async def _flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        if request.url.path in self._password_paths:
            self._check_transport()
        if request.url.path == self._login_path:
            response = await self._read((yield request))
            raise_for_status(response)
            return
        token = self.token
        for replay in (False, True):
            credentials = self.credentials
            if credentials is not None and (replay or token is None or token.needs_refresh()):
                async with self._lock:
                    # Single flight: whoever takes the lock first logs in; the requests that
                    # waited behind it find a newer token and use that one.
                    if self.token is token:
                        self._check_transport()
                        logger.info("logging in as %s", credentials[0])
                        with otel.relogin(rejected=replay):
                            login = await self._read((yield self._login_request(*credentials)))
                            self.token = token_from_login(login)
                        self.logins += 1
                token = self.token
            if token is not None:
                request.headers["Authorization"] = token.authorization
            response = await self._read((yield request))
            if response.status_code != 401 or self.credentials is None:
                break
        raise_for_status(response)

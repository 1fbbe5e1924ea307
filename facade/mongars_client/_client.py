"""`Client` and `AsyncClient`: one implementation (`_Operations`), run two ways (see `_bridge`)."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import os
import re
import ssl
import types
import typing
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    NoReturn,
    ParamSpec,
    Protocol,
    Self,
    TypeVar,
    overload,
)

import httpx

from mongars_client import _otel as otel
from mongars_client._auth import (
    AnonymousOperations,
    LoginLock,
    SessionAuth,
    json_problem,
    token_from_login,
)
from mongars_client._bridge import AsyncClosing, AsyncioLock, BlockingLock, Closing, run_sync
from mongars_client._config import (
    NOT_GIVEN,
    NotGiven,
    Settings,
    check_count,
    check_seconds,
    resolve_settings,
)
from mongars_client._redact import register_secret
from mongars_client._token import Token
from mongars_client._transport import (
    AsyncClientTransport,
    AsyncRetryTransport,
    ClientTransport,
    RetryPolicy,
    RetryTransport,
    async_http_transport,
    blocking_http_transport,
    call_options,
    connection_error,
)
from mongars_client._version import __version__
from mongars_client.errors import (
    APIConnectionError,
    ConfigurationError,
    InvalidInputError,
    MonGARSError,
    ResponseValidationError,
)

# The generated package, the streaming module (and websockets) and asyncio are imported where
# they are first needed, not here: a service that imports and builds a client pays for httpx
# and this module only, and for the generated endpoint and models at its first call of them.
if TYPE_CHECKING:
    from mongars_api import AuthenticatedClient
    from mongars_api.models import (
        ChatResponse,
        HTTPValidationError,
        MemoryItem,
        SystemHealthzResponse,
        UsersRegisterResponse,
        WSTicketResponse,
    )
    from mongars_client.compat import CompatibilityReport
    from mongars_client.streaming import (
        AsyncChatStream,
        AsyncEventStream,
        ChatStream,
        EventStream,
        StreamOptions,
        _Session,
        _Socket,
    )

P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
H = TypeVar("H", httpx.Client, httpx.AsyncClient)
ES = TypeVar("ES", "EventStream", "AsyncEventStream")
CS = TypeVar("CS", "ChatStream", "AsyncChatStream")

LOGIN_PATH = "/token"
# The other operations whose requests carry a password (see SessionAuth's password_paths);
# `/api/v1/auth/login` is the newer servers' JSON login.
PASSWORD_PATHS = (
    "/api/v1/user/register",
    "/api/v1/user/register/admin",
    "/api/v1/user/change-password",
    "/api/v1/auth/login",
)
MAX_MESSAGE_LENGTH = 1000
MAX_SESSION_ID_LENGTH = 100
MAX_USERNAME_LENGTH = 150
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9_-]+$")
# What the generated parsers raise on a body that is not the spec's; RecursionError is JSON
# nested deeper than Python's decoder goes.
_PARSE_FAILURES = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)
# Endpoint URLs remembered per client (see `_Operations._url`); the spec has a couple of dozen.
_MAX_CACHED_URLS = 256


class _IO(Protocol):
    """How `_Operations` reaches the server: blocking or asyncio, same interface."""

    @property
    def http(self) -> httpx.Client | httpx.AsyncClient:
        """The httpx client that builds and sends the requests."""

    async def send(self, request: httpx.Request) -> httpx.Response: ...

    async def send_anonymous(self, request: httpx.Request) -> httpx.Response:
        """`send` without the client's auth: for public documents such as the spec."""

    async def read_body(self, response: httpx.Response) -> bytes: ...


class _BlockingIO:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    async def send(self, request: httpx.Request) -> httpx.Response:
        return self.http.send(request)

    async def send_anonymous(self, request: httpx.Request) -> httpx.Response:
        return self.http.send(request, auth=None)

    async def read_body(self, response: httpx.Response) -> bytes:
        return response.read()


class _AsyncIO:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def send(self, request: httpx.Request) -> httpx.Response:
        return await self.http.send(request)

    async def send_anonymous(self, request: httpx.Request) -> httpx.Response:
        return await self.http.send(request, auth=None)

    async def read_body(self, response: httpx.Response) -> bytes:
        return await response.aread()


def _endpoint_name(endpoint: ModuleType) -> str:
    return endpoint.__name__.removeprefix("mongars_api.api.")


# Shared: a nullcontext holds no state. About 1 µs a call less (`client_overhead_*`).
_NO_OVERRIDES = contextlib.nullcontext()


def _call_options(
    max_retries: int | None, timeout: float | None
) -> contextlib.AbstractContextManager[None]:
    """One call's overrides, refused as the client's own settings would be when nonsense."""
    if max_retries is None and timeout is None:
        return _NO_OVERRIDES  # the usual case, without a generator's context manager
    if max_retries is not None:
        check_count("max_retries", max_retries)
    if timeout is not None:
        check_seconds("timeout", timeout)
    return call_options(max_retries, timeout)


def _require_text(name: str, value: object, *, max_length: int | None = None) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} must be a string, not {type(value).__name__}")
    if not value.strip():
        raise InvalidInputError(f"{name} must not be empty or blank")
    if max_length is not None and len(value) > max_length:
        raise InvalidInputError(
            f"{name} is {len(value)} characters long; the API accepts {max_length} at most"
        )
    return value


class Endpoint(Protocol[P, T_co]):
    """A generated endpoint module, `mongars_api.api.<group>.<operation>`, as `call` sees it.

    Its `_get_kwargs` gives the arguments `call` takes and its `sync` the answer's type, so
    `client.call(chat, body=ChatRequest(...))` is checked and typed `ChatResponse`.
    """

    @property
    def _get_kwargs(self) -> Callable[P, dict[str, Any]]: ...

    @property
    def sync(self) -> Callable[..., T_co | HTTPValidationError | None]: ...


@functools.cache
def _parameters(endpoint: ModuleType) -> tuple[inspect.Signature, dict[str, tuple[type, ...]]]:
    """The signature of an endpoint's arguments, and the classes each argument may be."""
    signature = inspect.signature(endpoint._get_kwargs)
    return signature, {
        name: classes
        for name, parameter in signature.parameters.items()
        if (classes := _classes(parameter.annotation))
    }


def _classes(annotation: object) -> tuple[type, ...]:
    """The runtime classes an annotation admits, or () when a check could not say."""
    if annotation is typing.Any or annotation is object:
        return ()  # anything goes (and isinstance() refuses `Any` with a TypeError of its own)
    if isinstance(annotation, type):
        return (annotation, int) if annotation is float else (annotation,)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        found: list[type] = []
        for member in typing.get_args(annotation):
            classes = _classes(member)
            if not classes:
                return ()
            found += classes
        return tuple(found)
    return (origin,) if isinstance(origin, type) else ()


def _check_arguments(endpoint: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> ModuleType:
    """Raise `TypeError` for arguments the endpoint does not take, before anything is sent."""
    if not isinstance(endpoint, ModuleType) or not hasattr(endpoint, "_get_kwargs"):
        raise TypeError(f"call() takes a generated endpoint module, not {endpoint!r}")
    name = _endpoint_name(endpoint)
    signature, classes = _parameters(endpoint)
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{name} takes {_describe(signature)}: {error}") from None
    for argument, value in kwargs.items():
        allowed = classes.get(argument)
        if allowed and not isinstance(value, allowed):
            names = " or ".join(c.__name__ for c in allowed)
            raise TypeError(
                f"{name}: {argument} must be {names}, not {type(value).__name__}"
                + (" (build the generated model)" if isinstance(value, dict) else "")
            )
    return endpoint


def _describe(signature: inspect.Signature) -> str:
    names = list(signature.parameters)
    return "no arguments" if not names else "the arguments " + ", ".join(names)


class _Operations:
    """What the clients do, written once. Each public coroutine becomes a method of both clients."""

    def __init__(
        self,
        settings: Settings,
        auth: SessionAuth,
        io: _IO,
        build_login: Callable[[str, str], httpx.Request],
        api: Callable[[], AuthenticatedClient],
    ) -> None:
        self._settings = settings
        self._auth = auth
        self._io = io
        self._build_login = build_login
        self._api = api
        self._urls: dict[str, httpx.URL] = {}
        self.closed = False

    def _url(self, path: str) -> httpx.URL:
        # httpx parses a relative URL and joins it to the base URL on every request, a quarter
        # of a chat's client-side cost (`client_overhead_*`); an endpoint's URL never changes.
        url = self._urls.get(path)
        if url is None:
            url = self._io.http.build_request("GET", path).url
            if len(self._urls) < _MAX_CACHED_URLS:
                self._urls[path] = url
        return url

    async def _send(self, request: httpx.Request) -> httpx.Response:
        self._check_open()
        try:
            return await self._io.send(request)
        except MonGARSError:
            raise
        except httpx.TransportError as error:
            raise connection_error(error, request, 1) from error
        except httpx.HTTPError as error:
            raise APIConnectionError(
                f"{request.method} {request.url.path} failed: {error}"
            ) from error

    async def _call(
        self, endpoint: ModuleType, expected: type[T] | tuple[type, ...], **kwargs: Any
    ) -> Any:
        name = _endpoint_name(endpoint)
        return await otel.call(name, kwargs, self._request(name, endpoint, expected, **kwargs))

    async def _request(
        self, name: str, endpoint: ModuleType, expected: type[T] | tuple[type, ...], **kwargs: Any
    ) -> Any:
        self._check_open()
        # What the generated `sync_detailed`/`asyncio_detailed` do, with the request built here
        # (on the cached URL) and sent through the blocking or asyncio I/O. Three steps, three
        # kinds of fault: the caller's arguments, the exchange, the server's answer.
        try:
            request_kwargs = endpoint._get_kwargs(**kwargs)
        except _PARSE_FAILURES as error:
            raise TypeError(
                f"{name} cannot take these arguments: {type(error).__name__}: {error}"
            ) from error
        request_kwargs["url"] = self._url(request_kwargs["url"])
        request = self._io.http.build_request(**request_kwargs)
        try:
            answer = await self._io.send(request)
        except MonGARSError:
            raise
        except httpx.DecodingError as error:
            raise ResponseValidationError(
                f"the answer of {name} could not be decoded: {error}",
                method=request.method,
                path=request.url.path,
            ) from error
        except httpx.HTTPError as error:
            raise APIConnectionError(f"{name} failed: {error}") from error
        try:
            response = endpoint._build_response(client=self._api(), response=answer)
        except _PARSE_FAILURES as error:
            raise ResponseValidationError.for_response(
                f"the answer of {name} does not match the API: {type(error).__name__}: {error}",
                answer,
            ) from error
        problem = json_problem(response.headers, response.content)
        if problem is not None:
            raise ResponseValidationError.for_response(f"the answer of {name} {problem}", answer)
        # None: a status the spec does not document for this operation (a 3xx from a proxy ...).
        if response.parsed is None or not isinstance(response.parsed, expected):
            raise ResponseValidationError.for_response(
                f"the answer of {name} (status {int(response.status_code)}) is not the API's",
                answer,
            )
        return response.parsed

    def _check_open(self) -> None:
        if self.closed:
            raise MonGARSError("this client is closed; create a new one")

    async def login(self, username: str, password: str) -> Token:
        """Log in with the OAuth2 password flow and remember the credentials for re-login.

        Returns the `Token`; later calls carry it, and the client logs in again by itself shortly
        before it expires or when the server rejects it. Raises `AuthenticationError` for a wrong
        username or password, and `InsecureTransportError` before sending credentials over plain
        `http://` to another machine (unless the client was made with `allow_insecure_http=True`).
        """
        _require_text("username", username)
        _require_text("password", password)
        register_secret(password)
        self._settings.check_credentials_transport()
        login = self._login_token(self._build_login(username, password))
        token: Token = await otel.call(otel.LOGIN_OPERATION, None, login, login=True)
        self._auth.logged_in(token, (username, password))
        return token

    async def _login_token(self, request: httpx.Request) -> Token:
        # One coroutine for the login's span: an answer that holds no token is a failed login.
        return token_from_login(await self._send(request))

    async def register(self, username: str, password: str) -> UsersRegisterResponse:
        """Create an account (registration is open: no login needed).

        The username takes letters, digits, `_` and `-` (150 at most) and the password at least 8
        characters: anything else raises `InvalidInputError` before sending. An existing username
        raises `ConflictError`.
        """
        _require_text("username", username, max_length=MAX_USERNAME_LENGTH)
        if not _USERNAME.match(username):
            raise InvalidInputError("username may contain only letters, digits, '_' and '-'")
        if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
            raise InvalidInputError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
        register_secret(password)
        self._settings.check_credentials_transport()
        from mongars_api.api.users import register as register_endpoint
        from mongars_api.models import UserRegistration, UsersRegisterResponse

        body = UserRegistration(username=username, password=password)
        result: UsersRegisterResponse = await self._call(
            register_endpoint, UsersRegisterResponse, body=body
        )
        return result

    async def chat(
        self,
        message: str,
        *,
        session_id: str | None = None,
        allowed_actions: list[str] | None = None,
        approval_token: str | None = None,
        token_ref: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> ChatResponse:
        """Send a chat message and return the answer (`reply.response` is its text).

        `message` must hold 1 to 1000 characters and not be blank (`InvalidInputError`
        otherwise, before sending). The server allows one chat per second per user; a 429 is
        absorbed by waiting and retrying. `max_retries` and `timeout` override the client's
        settings for this call.
        """
        _require_text("message", message, max_length=MAX_MESSAGE_LENGTH)
        if session_id is not None:
            _require_text("session_id", session_id, max_length=MAX_SESSION_ID_LENGTH)
        register_secret(approval_token)
        from mongars_api.api.conversation import chat as chat_endpoint
        from mongars_api.models import ChatRequest, ChatResponse
        from mongars_api.types import UNSET

        body = ChatRequest(
            message=message,
            session_id=UNSET if session_id is None else session_id,
            allowed_actions=UNSET if allowed_actions is None else list(allowed_actions),
            approval_token=UNSET if approval_token is None else approval_token,
            token_ref=UNSET if token_ref is None else token_ref,
        )
        with _call_options(max_retries, timeout):
            result: ChatResponse = await self._call(chat_endpoint, ChatResponse, body=body)
        return result

    async def history(
        self,
        *,
        limit: int = 10,
        user_id: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> list[MemoryItem]:
        """The most recent exchanges of the logged-in user, newest first.

        `user_id` defaults to the logged-in user (the server only serves the caller's own
        history; another user's raises `PermissionDeniedError`).
        """
        if user_id is None:
            user_id = self._subject()
        from mongars_api.api.conversation import history as history_endpoint
        from mongars_api.models import MemoryItem

        with _call_options(max_retries, timeout):
            items: list[MemoryItem] = await self._call(
                history_endpoint, list, user_id=user_id, limit=limit
            )
        if not all(isinstance(item, MemoryItem) for item in items):
            raise ResponseValidationError(
                "the answer of conversation.history is not a list of items"
            )
        return items

    async def health(self) -> SystemHealthzResponse:
        """The server's liveness probe (`GET /healthz`, no login needed)."""
        from mongars_api.api.system import healthz as healthz_endpoint
        from mongars_api.models import SystemHealthzResponse

        result: SystemHealthzResponse = await self._call(healthz_endpoint, SystemHealthzResponse)
        return result

    async def ws_ticket(self) -> WSTicketResponse:
        """A short-lived ticket for the WebSocket stream (`client.stream()` fetches its own)."""
        from mongars_api.api.auth import issue_ws_ticket as ticket_endpoint
        from mongars_api.models import WSTicketResponse

        result: WSTicketResponse = await self._call(ticket_endpoint, WSTicketResponse)
        register_secret(result.ticket)
        return result

    async def check_compatibility(self) -> CompatibilityReport:
        """Compare the server's `/openapi.json` with the spec this SDK was generated from.

        Returns a `CompatibilityReport` whose `status` is `compatible`, `server_newer` (only
        additions this SDK does not know), `incompatible` (with the breaking differences, each
        naming the operation and the field) or `unknown` (the server does not publish a spec
        this SDK can read). Raises `APIConnectionError` when the server cannot be reached.
        """
        from mongars_client import compat

        self._check_open()
        # Anonymous: the spec is public, and a login (or a failing one) must not decide it.
        request = self._io.http.build_request("GET", self._url(compat.SPEC_PATH))
        try:
            response = await self._io.send_anonymous(request)
            body = await self._io.read_body(response)
        except MonGARSError:
            raise
        except httpx.TransportError as error:
            raise connection_error(error, request, 1) from error
        except httpx.HTTPError as error:
            raise APIConnectionError(f"GET {compat.SPEC_PATH} failed: {error}") from error
        return compat.from_answer(
            response.status_code, response.headers.get("content-type", ""), body
        )

    async def call(self, endpoint: object, /, *args: Any, **kwargs: Any) -> Any:
        """See `Client.call`: the arguments are checked against the module before sending."""
        module = _check_arguments(endpoint, args, kwargs)
        return await self._call(module, object, **kwargs)

    def _subject(self) -> str:
        token = self._auth.token
        if token is not None and token.subject:
            return token.subject
        if self._auth.credentials is not None:
            return self._auth.credentials[0]
        raise InvalidInputError(
            "history() reads the logged-in user's history: log in first (client.login, or "
            "credentials or a token given to the client), or pass user_id=..."
        )


def _run_blocking(
    operations: _Operations, operation: Callable[..., Coroutine[Any, Any, Any]]
) -> Callable[..., Any]:
    def blocking(*args: Any, **kwargs: Any) -> Any:
        return run_sync(operation(operations, *args, **kwargs))

    return blocking


def _run_async(
    operations: _Operations, operation: Callable[..., Coroutine[Any, Any, Any]]
) -> Callable[..., Any]:
    return functools.partial(operation, operations)


@functools.cache
def _shared_api_class() -> type[AuthenticatedClient]:
    # Built on first use: the generated package (and attrs) load only when needed.
    from mongars_api import AuthenticatedClient

    class SharedAuthenticatedClient(AuthenticatedClient):
        """The generated client on an SDK client's httpx client, which it never builds or closes.

        Left alone, the generated client closes the httpx client it was given at the end of a
        `with` block, and builds a bare one of its own (no auth, timeout nor retries) when
        asked for the flavour it was not given.
        """

        def _unbound(self) -> None:
            if self._client is None and self._async_client is None:
                raise RuntimeError(
                    "this copy of client.api has no connection: call the generated functions "
                    "with client.api itself"
                )

        # The generated ones change the httpx client in place (here: the SDK client's, for
        # every call of it) and return a copy without a connection: refused, before any change.
        def _refuse(self, method: str, option: str) -> NoReturn:
            raise RuntimeError(
                f"client.api.{method}() would change every call of this client (client.api uses "
                f"its connection pool): give {option} to the Client or AsyncClient instead"
            )

        def with_headers(self, headers: dict[str, str]) -> AuthenticatedClient:
            self._refuse("with_headers", "the headers to its http_client=")

        def with_cookies(self, cookies: dict[str, str]) -> AuthenticatedClient:
            self._refuse("with_cookies", "the cookies to its http_client=")

        def with_timeout(self, timeout: httpx.Timeout) -> AuthenticatedClient:
            self._refuse("with_timeout", "timeout= (or a call's own timeout=)")

        def get_httpx_client(self) -> httpx.Client:
            self._unbound()
            if self._client is None:
                raise RuntimeError(
                    "this api belongs to an asyncio AsyncClient: call the generated asyncio() or "
                    "asyncio_detailed() functions, or use a blocking Client's api for sync()"
                )
            return self._client

        def get_async_httpx_client(self) -> httpx.AsyncClient:
            self._unbound()
            if self._async_client is None:
                raise RuntimeError(
                    "this api belongs to a blocking Client: call the generated sync() or "
                    "sync_detailed() functions, or use an AsyncClient's api for asyncio()"
                )
            return self._async_client

        def __enter__(self) -> Self:
            self.get_httpx_client()
            return self

        def __exit__(self, *args: object, **kwargs: Any) -> None:
            """The SDK client owns the connection pool: closing it is its job."""

        async def __aenter__(self) -> Self:
            self.get_async_httpx_client()
            return self

        async def __aexit__(self, *args: object, **kwargs: Any) -> None:
            """The SDK client owns the connection pool: closing it is its job."""

    return SharedAuthenticatedClient


def _blocking_streams() -> tuple[type[EventStream], type[ChatStream]]:
    from mongars_client.streaming import ChatStream, EventStream

    return EventStream, ChatStream


def _asyncio_streams() -> tuple[type[AsyncEventStream], type[AsyncChatStream]]:
    from mongars_client.streaming import AsyncChatStream, AsyncEventStream

    return AsyncEventStream, AsyncChatStream


# A dataclass, not attrs (9 ms of import), and functions where a class would have to be imported
# at once: generated client, asyncio and streaming load when first needed (see the imports).
@dataclasses.dataclass(frozen=True)
class _Flavour:
    """All that differs between the blocking and the asyncio client: the classes doing the I/O."""

    http_client: type[Any]
    transport_type: type
    transport: Callable[..., Any]
    caller_transport: Callable[[Any], Any]
    retry_transport: Callable[..., Any]
    lock: Callable[[], LoginLock]
    io: Callable[[Any], _IO]
    bind_api: Callable[[AuthenticatedClient, Any], object]
    bind: Callable[[Any, Callable[..., Coroutine[Any, Any, Any]]], Callable[..., Any]]
    streams: Callable[[], tuple[type[Any], type[Any]]]


_BLOCKING = _Flavour(
    http_client=httpx.Client,
    transport_type=httpx.BaseTransport,
    transport=blocking_http_transport,
    caller_transport=ClientTransport,
    retry_transport=RetryTransport,
    lock=BlockingLock,
    io=_BlockingIO,
    bind_api=lambda api, http: api.set_httpx_client(http),
    bind=_run_blocking,
    streams=_blocking_streams,
)
_ASYNCIO = _Flavour(
    http_client=httpx.AsyncClient,
    transport_type=httpx.AsyncBaseTransport,
    transport=async_http_transport,
    caller_transport=AsyncClientTransport,
    retry_transport=AsyncRetryTransport,
    lock=AsyncioLock,
    io=_AsyncIO,
    bind_api=lambda api, http: api.set_async_httpx_client(http),
    bind=_run_async,
    streams=_asyncio_streams,
)


class _Operation(Generic[P, T]):
    """One operation of `_Operations`, as a method of both clients.

    Read on a `Client` it is a blocking function returning `T`; read on an `AsyncClient`, a
    function returning a coroutine of `T`. The method is built on first use and kept on the
    instance, so a call costs nothing more than calling the operation (`client_overhead_*`).
    """

    def __init__(
        self, operation: Callable[Concatenate[_Operations, P], Coroutine[Any, Any, T]]
    ) -> None:
        self._operation = operation
        self.__doc__ = operation.__doc__
        signature = inspect.signature(operation)
        self.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
        self._name = operation.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...

    @overload
    def __get__(self, instance: Client, owner: type) -> Callable[P, T]: ...

    @overload
    def __get__(
        self, instance: AsyncClient, owner: type
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, instance: _ClientBase[Any, Any, Any] | None, owner: type) -> Any:
        if instance is None:
            return self
        method = instance._flavour.bind(instance._operations, self._operation)
        method.__name__ = method.__qualname__ = self._name
        method.__doc__ = self.__doc__
        method.__signature__ = self.__signature__  # type: ignore[attr-defined]
        instance.__dict__[self._name] = method
        return method


class _ClientBase(Generic[H, ES, CS]):
    """Construction shared by both clients; subclasses supply the blocking or asyncio parts."""

    _flavour: _Flavour

    login = _Operation(_Operations.login)
    register = _Operation(_Operations.register)
    chat = _Operation(_Operations.chat)
    history = _Operation(_Operations.history)
    health = _Operation(_Operations.health)
    ws_ticket = _Operation(_Operations.ws_ticket)
    check_compatibility = _Operation(_Operations.check_compatibility)

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | None = None,
        max_retry_wait: float | None = None,
        retry_non_idempotent: bool = False,
        verify: bool | str | os.PathLike[str] | ssl.SSLContext | None = None,
        http_client: H | None = None,
        transport: httpx.BaseTransport | httpx.AsyncBaseTransport | None = None,
        origin: str | None = None,
        allow_insecure_http: bool = False,
        http2: bool = False,
        proxy: str | None = None,
        trust_env: bool = True,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ConfigurationError("pass http_client= or transport=, not both")
        wanted = self._flavour.http_client
        if http_client is not None and not isinstance(http_client, wanted):
            raise ConfigurationError(
                f"{type(self).__name__} needs an httpx.{wanted.__name__} as http_client, not "
                f"{type(http_client).__module__}.{type(http_client).__name__}"
            )
        if http_client is not None and base_url is None and http_client.base_url:
            base_url = str(http_client.base_url)
        settings = resolve_settings(
            base_url=base_url,
            token=token,
            username=username,
            password=password,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            verify=verify,
            origin=origin,
            allow_insecure_http=allow_insecure_http,
            proxy=proxy,
            trust_env=trust_env,
        )
        if settings.credentials is not None and settings.token is None:
            settings.check_credentials_transport()
        self._settings = settings
        self._owns_http = http_client is None
        policy = RetryPolicy(
            max_retries=settings.max_retries,
            max_retry_wait=settings.max_retry_wait,
            retry_non_idempotent=retry_non_idempotent,
        )
        headers = {"User-Agent": f"mongars-client/{__version__}"}
        flavour = self._flavour
        if transport is not None:
            if not isinstance(transport, flavour.transport_type):
                raise ConfigurationError(
                    f"{type(self).__name__} needs a transport of type "
                    f"{flavour.transport_type.__module__}.{flavour.transport_type.__name__}"
                )
            inner = transport
        elif http_client is not None:
            headers = {**http_client.headers, **headers}
            inner = flavour.caller_transport(http_client)
        else:
            if http2:
                import importlib.util  # only for this check: it loads importlib.resources

                if importlib.util.find_spec("h2") is None:
                    raise ConfigurationError(
                        "http2=True needs the h2 package: pip install 'mongars-client[http2]'"
                    )
            inner = flavour.transport(verify=settings.verify, http2=http2, proxy=settings.proxy)
        self._http: H = flavour.http_client(
            base_url=settings.base_url,
            transport=flavour.retry_transport(
                inner, policy, settings.total_timeout, own_sockets=transport is http_client is None
            ),
            timeout=settings.timeout,
            headers=headers,
        )
        self._api: AuthenticatedClient | None = None
        io = flavour.io(self._http)
        self._auth = SessionAuth(
            login_request=self._login_request,
            login_path=self._http.build_request("POST", LOGIN_PATH).url.path,
            lock=flavour.lock(),
            read_body=io.read_body,
            token=Token.from_access_token(settings.token) if settings.token else None,
            credentials=settings.credentials,
            password_paths=frozenset(
                self._http.build_request("POST", path).url.path for path in PASSWORD_PATHS
            ),
            check_transport=settings.check_credentials_transport,
            anonymous=AnonymousOperations(self._http.base_url.path),
            total_timeout=settings.total_timeout,
        )
        self._http.auth = self._auth
        self._operations = _Operations(
            settings, self._auth, io, self._login_request, lambda: self.api
        )

    @property
    def api(self) -> AuthenticatedClient:
        """The generated low-level client on this client's connection, auth, retries and errors.

        Error statuses raise `mongars_client.errors` (as this client's methods do) rather than
        coming back as a `Response`. `with client.api as api:` leaves this client's connection
        pool open (close the SDK client for that); and the generated `asyncio*` functions need an
        `AsyncClient`'s `api`, the `sync*` ones a `Client`'s (else `RuntimeError`, at once).
        """
        if self._api is None:
            # The generated client insists on a token of its own; ours travels in SessionAuth,
            # and this placeholder is never sent because its httpx client is set explicitly.
            api = _shared_api_class()(base_url=self._settings.base_url, token="")
            self._flavour.bind_api(api, self._http)
            self._api = api
        return self._api

    def _login_request(self, username: str, password: str) -> httpx.Request:
        from mongars_api.models import LoginForm

        form = LoginForm(username=username, password=password, grant_type="password")
        return self._http.build_request("POST", LOGIN_PATH, data=form.to_dict())

    def stream(self, *, origin: str | None = None, options: StreamOptions | None = None) -> ES:
        """This user's live events over the WebSocket, as a context manager to iterate in.

        `origin` overrides the `Origin` header (default: the client's `origin=`, else the base
        URL's); `options` tunes reconnection, buffering and keepalive (see `StreamOptions`).
        """
        from mongars_client.streaming import _DEFAULT_STREAM_OPTIONS, _Session

        chosen = options or _DEFAULT_STREAM_OPTIONS
        settings = self._settings

        async def ticket() -> str:
            return (await self._operations.ws_ticket()).ticket

        def session(socket: _Socket) -> _Session:
            return _Session(
                socket=socket, ticket=ticket, settings=settings, options=chosen, origin=origin
            )

        event_stream: ES = self._flavour.streams()[0](session, chosen)
        return event_stream

    def chat_stream(
        self,
        message: str,
        *,
        session_id: str | None = None,
        origin: str | None = None,
        options: StreamOptions | None = None,
    ) -> CS:
        """Send a chat and iterate over its answer's text as it arrives; then `.response`.

        The pieces come from the stream's `ResponseChunk` events when the server streams the
        answer, else the whole text arrives once; either way they add up to the HTTP answer's
        `response`. Input is checked as for `chat()`, before anything is sent.
        """
        _require_text("message", message, max_length=MAX_MESSAGE_LENGTH)
        events = self.stream(origin=origin, options=options)

        def send() -> Coroutine[Any, Any, ChatResponse]:
            return self._operations.chat(message, session_id=session_id)

        chat_stream: CS = self._flavour.streams()[1](events, message, send)
        return chat_stream

    @property
    def base_url(self) -> str:
        """The server's base URL."""
        return self._settings.base_url

    @property
    def token(self) -> Token | None:
        """The current token, or None before login (its repr never shows the secret)."""
        return self._auth.token

    @property
    def settings(self) -> Settings:
        """The resolved settings (arguments, then environment, then defaults)."""
        return self._settings

    def __repr__(self) -> str:
        subject = self._auth.token.subject if self._auth.token else None
        return f"{type(self).__name__}(base_url={self.base_url!r}, subject={subject!r})"


class Client(Closing, _ClientBase[httpx.Client, "EventStream", "ChatStream"]):
    """The blocking monGARS client. Thread-safe; use it as a context manager or call `close()`.

    with Client("https://mongars.example.com") as client:
        client.login("u1", "secret-password")
        print(client.chat("Hello").response)
    """

    _flavour = _BLOCKING

    def call(self, endpoint: Endpoint[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call any generated endpoint module with this client's auth, retries and errors.

        For example `client.call(list_peers)` or `client.call(chat, body=ChatRequest(...))`,
        typed from the module. Returns the parsed body of the success answer. Arguments the
        operation does not take, or of the wrong type (a dict where a model is expected), raise
        `TypeError` before anything is sent; error statuses raise `mongars_client.errors`, and
        only an answer that does not match the spec raises `ResponseValidationError`.
        """
        result: T = run_sync(self._operations.call(endpoint, *args, **kwargs))
        return result

    def close(self) -> None:
        """Close the connection pool (a caller's own `http_client` stays open)."""
        self._operations.closed = True
        if self._owns_http:
            self._http.close()


class AsyncClient(
    AsyncClosing, _ClientBase[httpx.AsyncClient, "AsyncEventStream", "AsyncChatStream"]
):
    """The asyncio monGARS client; use it with `async with` or call `aclose()`.

    async with AsyncClient("https://mongars.example.com") as client:
        await client.login("u1", "secret-password")
        print((await client.chat("Hello")).response)
    """

    _flavour = _ASYNCIO

    async def call(self, endpoint: Endpoint[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Call any generated endpoint module with this client's auth, retries and errors.

        As `Client.call`: typed from the module, the arguments checked before sending.
        """
        result: T = await self._operations.call(endpoint, *args, **kwargs)
        return result

    async def aclose(self) -> None:
        """Close the connection pool (a caller's own `http_client` stays open)."""
        self._operations.closed = True
        if self._owns_http:
            await self._http.aclose()

"""Every error the SDK raises: one hierarchy rooted at `MonGARSError`.

    MonGARSError
    ├── InvalidInputError (also a ValueError)    bad arguments, caught before any request
    ├── ConfigurationError (also a ValueError)   bad settings or environment variables
    ├── InsecureTransportError                   credentials about to cross plain HTTP
    ├── APIConnectionError                       the server could not be reached or dropped us
    │   └── APITimeoutError
    ├── APIStatusError                           the server answered with an error status
    │   ├── BadRequestError 400      ├── ConflictError 409
    │   ├── AuthenticationError 401  ├── UnprocessableEntityError 422
    │   ├── PermissionDeniedError 403├── RateLimitError 429
    │   ├── NotFoundError 404        └── InternalServerError 5xx
    ├── ResponseValidationError                  a success body that does not match the spec
    └── StreamError                              the WebSocket event stream failed
        ├── StreamClosedError                    closed for good (reconnects exhausted)
        └── StreamHandshakeError                 the server refused the WebSocket handshake
            └── OriginRefusedError (also PermissionDeniedError)

Messages name the request (method and path, never a query string, header or body) and the
server's own explanation; they never contain a password, token or ticket, and neither do the
attributes (`request` and `response` are secret-free copies). Every error survives `pickle` and
`copy.copy` with its message and attributes, so it can cross a process pool or a task queue.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any

import httpx

from mongars_client._redact import MASK, redact

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "FieldError",
    "InsecureTransportError",
    "InternalServerError",
    "InvalidInputError",
    "MonGARSError",
    "NotFoundError",
    "OriginRefusedError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "StreamClosedError",
    "StreamError",
    "StreamHandshakeError",
    "UnprocessableEntityError",
    "error_for_response",
]

_MAX_DETAIL = 500
# Bytes read past an excerpt's end, so that a secret that starts inside it is masked whole.
_SECRET_WINDOW = 8192
# Shows any parsed body in bounded space and depth: `str()` of a list nested a thousand deep
# would raise RecursionError while the error is being built.
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 6, _MAX_DETAIL, 100
_SHORT.maxlist = _SHORT.maxdict = _SHORT.maxtuple = 20


# Headers that carry a credential; their values never reach an error's `request`/`response`.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def _rebuild(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    """Unpickling: the error without running its `__init__` (the state is restored after)."""
    error = cls.__new__(cls, *args)
    error.args = args
    return error


class MonGARSError(Exception):
    """Base class of every error raised by mongars_client."""

    # `Exception` pickles as `cls(*args)`, which fails for keyword-only attributes; restore
    # the message and every attribute instead (the cause and traceback never travel).
    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args), dict(self.__dict__)


class InvalidInputError(MonGARSError, ValueError):
    """An argument the API would reject (empty message, message too long ...); nothing was sent."""


class ConfigurationError(MonGARSError, ValueError):
    """A client setting or `MONGARS_*` environment variable is missing or malformed."""


class InsecureTransportError(MonGARSError):
    """Credentials would be sent over plain `http://` to a host that is not this machine.

    Use `https://`, or pass `allow_insecure_http=True` if the network is trusted.
    """


class APIConnectionError(MonGARSError):
    """No HTTP answer: refused, reset, TLS failure, DNS ... (after the permitted retries)."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(redact(message))
        self.method = method
        self.url = url


class APITimeoutError(APIConnectionError):
    """The call did not complete within its timeout."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of a 422 answer: where (`loc`, such as `("body", "message")`) and what is wrong."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def __str__(self) -> str:
        return f"{'.'.join(str(part) for part in self.loc)}: {self.msg}"


class APIStatusError(MonGARSError):
    """The server answered with a 4xx or 5xx status.

    Attributes: `status_code`; `detail`, the server's explanation (its `detail` field, or the body's
    text); `request_id`, the `x-request-id` header when the server sends one; `method` and `path`
    of the request; `body`, the parsed JSON body (or None); `request` and `response`, copies of
    the `httpx.Request` (method, URL, headers; no body) and the `httpx.Response` (status, all
    headers, such as a 503's `Retry-After`, and body), with credentials masked as `***`.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        detail: Any = None,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: Any = None,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.status_code = status_code
        self.detail = detail
        self.request_id = request_id
        self.method = method
        self.path = path
        self.body = body
        self.request = request
        self.response = response


class BadRequestError(APIStatusError):
    """400: the server could not use the request."""


class AuthenticationError(APIStatusError):
    """401: no token, a bad or expired token, or wrong credentials."""


class PermissionDeniedError(APIStatusError):
    """403: authenticated but not allowed (admin-only route, another user's history ...)."""


class NotFoundError(APIStatusError):
    """404: no such route or resource."""


class ConflictError(APIStatusError):
    """409: the resource already exists (a username taken, for instance)."""


class UnprocessableEntityError(APIStatusError):
    """422: the server's validation refused the request; `errors` lists the fields."""

    @property
    def errors(self) -> list[FieldError]:
        """The field errors, when the server gave them as FastAPI's list (else empty)."""
        if not isinstance(self.detail, list):
            return []
        return [_field_error(item) for item in self.detail if isinstance(item, dict)]


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the wait the server asked for, in seconds.

    Raised once the client's own retries are used up, or at once when the server asks for a
    wait longer than the client's `max_retry_wait`.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class InternalServerError(APIStatusError):
    """5xx: the server (or a proxy in front of it) failed."""


class ResponseValidationError(MonGARSError):
    """A success answer whose body is not what the API specifies (not JSON, fields missing ...).

    Raised only for the server's answer, never for the caller's arguments (those raise
    `TypeError` or `InvalidInputError` before anything is sent). Attributes: `status_code`,
    `method` and `path` of the exchange, and `body_excerpt`, the start of the body as text
    (at most 500 characters, secrets masked), or None when unknown.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        body_excerpt: str | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.status_code = status_code
        self.method = method
        self.path = path
        self.body_excerpt = body_excerpt

    @classmethod
    def for_response(cls, message: str, response: httpx.Response) -> ResponseValidationError:
        """The error for `response` (whose body has been read), with its exchange and excerpt."""
        request = response.request
        return cls(
            message,
            status_code=response.status_code,
            method=request.method,
            path=request.url.path,
            body_excerpt=body_excerpt(response.content),
        )


class StreamError(MonGARSError):
    """The WebSocket event stream failed."""


class StreamClosedError(StreamError):
    """The stream closed and could not be reopened; `code` and `reason` are the last close's."""

    def __init__(self, message: str, *, code: int | None = None, reason: str = "") -> None:
        super().__init__(redact(message))
        self.code = code
        self.reason = reason


class StreamHandshakeError(StreamError):
    """The server refused to open the WebSocket (HTTP `status_code` on the handshake)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(redact(message))
        self.status_code = status_code


class OriginRefusedError(StreamHandshakeError, PermissionDeniedError):
    """The handshake stays refused with a fresh ticket and a valid token: the Origin is not allowed.

    Both a `StreamHandshakeError` and a `PermissionDeniedError` (HTTP 403).
    """

    def __init__(self, message: str, *, origin: str | None = None) -> None:
        PermissionDeniedError.__init__(self, message, status_code=403, detail="origin refused")
        self.origin = origin


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}

_HINTS: dict[type[APIStatusError], str] = {
    AuthenticationError: " (log in with client.login(), or pass a valid token or credentials)",
    RateLimitError: " (slow down: the server allows one chat per second per user)",
}


def body_excerpt(content: bytes) -> str:
    """The start of a body as text for an error: bounded, undecodable bytes replaced, no secret.

    Masked, then cut: the start of a secret cut in two is no longer the secret, and would be
    shown. The window read is wide enough for any secret begun within the excerpt to end in it.
    """
    window = content[: _MAX_DETAIL * 4 + _SECRET_WINDOW].decode("utf-8", "replace")
    return redact(window)[:_MAX_DETAIL]


def _safe_headers(headers: httpx.Headers) -> httpx.Headers:
    return httpx.Headers(
        [
            (name, MASK if name.lower() in _SECRET_HEADERS else redact(value))
            for name, value in headers.multi_items()
        ]
    )


def _safe_copies(response: httpx.Response) -> httpx.Response:
    """A detached copy of an error answer and of its request, without any credential.

    The request keeps its method, URL (secret query values masked) and headers, not its body
    (a login's or a registration's holds a password); the answer keeps status, headers and body
    (a 422 may echo a password it refused: known secrets are masked in it). Copies because the
    originals hold the connection's objects, which neither pickle nor belong in an error.
    """
    request = response.request
    url = request.url
    if url.password:  # a base URL's `user:password@` never reaches an error
        url = url.copy_with(username=url.username, password=MASK)
    safe_request = httpx.Request(
        request.method, redact(str(url)), headers=_safe_headers(request.headers)
    )
    content = response.content
    text = content.decode("utf-8", "replace")
    masked = redact(text)
    copy = httpx.Response(
        response.status_code,
        content=content if masked == text else masked.encode(),
        request=safe_request,
        extensions={"reason_phrase": response.reason_phrase.encode("ascii", "replace")},
    )
    # The headers are set once the body is in place: `content` is already decoded, and made
    # with a `Content-Encoding: gzip` header the copy would decode it a second time and fail.
    # So the copy is as httpx's own answer: the server's headers, the decoded body.
    copy.headers = _safe_headers(response.headers)
    return copy


def _text(value: Any) -> str:
    """`value` as text for a message, bounded whatever its size or depth."""
    return value[:_MAX_DETAIL] if isinstance(value, str) else _SHORT.repr(value)


def _field_error(item: dict[str, Any]) -> FieldError:
    loc = item.get("loc")
    return FieldError(
        loc=tuple(p for p in loc if isinstance(p, str | int)) if isinstance(loc, list) else (),
        msg=_text(item.get("msg", "")),
        type=_text(item.get("type", "")),
    )


def _detail_of(response: httpx.Response) -> tuple[Any, Any]:
    """(detail, parsed body) of an error answer, whatever shape the body has."""
    try:
        body = response.json()
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to decode
        return response.text.strip()[:_MAX_DETAIL] or response.reason_phrase, None
    if isinstance(body, dict) and "detail" in body:
        return body["detail"], body
    return body, body


def _describe(detail: Any) -> str:
    if isinstance(detail, list):
        fields = [str(_field_error(d)) for d in detail if isinstance(d, dict)]
        return "; ".join(fields) if fields else _text(detail)
    return _text(detail)


def error_for_response(
    response: httpx.Response, *, retry_after: float | None = None
) -> APIStatusError:
    """The typed error for an error answer (the body must have been read)."""
    status = response.status_code
    cls = _STATUS_CLASSES.get(status, InternalServerError if status >= 500 else APIStatusError)
    response = _safe_copies(response)
    detail, body = _detail_of(response)
    request = response.request
    method, path = request.method, request.url.path
    message = f"{status} {response.reason_phrase} from {method} {path}: {_describe(detail)}"
    if cls is AuthenticationError and path.endswith("/token"):
        message += " (check the username and password)"
    else:
        message += _HINTS.get(cls, "")
    fields: dict[str, Any] = {
        "status_code": status,
        "detail": detail,
        "request_id": response.headers.get("x-request-id"),
        "method": method,
        "path": path,
        "body": body,
        "request": request,
        "response": response,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **fields)
    return cls(message, **fields)

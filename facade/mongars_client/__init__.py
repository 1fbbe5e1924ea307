"""mongars-client: the Python SDK for the monGARS API.

    from mongars_client import Client

    with Client("https://mongars.example.com") as client:
        client.login("u1", "secret-password")
        print(client.chat("Summarise our latest incident report").response)

`Client` (blocking) and `AsyncClient` (asyncio) mirror each other method for method. Errors are
in `mongars_client.errors`; the generated low-level client is `client.api` (package `mongars_api`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mongars_client._version import __version__

if TYPE_CHECKING:
    from mongars_client._client import AsyncClient, Client
    from mongars_client._config import NOT_GIVEN, NotGiven
    from mongars_client._token import Token
    from mongars_client.errors import (
        APIConnectionError,
        APIStatusError,
        APITimeoutError,
        AuthenticationError,
        MonGARSError,
        PermissionDeniedError,
        RateLimitError,
        ResponseValidationError,
        StreamError,
    )

# Imported on first use: `import mongars_client` stays cheap (httpx and the generated models load
# only when a client is made).
_LAZY = {
    "Client": "mongars_client._client",
    "AsyncClient": "mongars_client._client",
    "Token": "mongars_client._token",
    "NOT_GIVEN": "mongars_client._config",
    "NotGiven": "mongars_client._config",
    "MonGARSError": "mongars_client.errors",
    "APIConnectionError": "mongars_client.errors",
    "APITimeoutError": "mongars_client.errors",
    "APIStatusError": "mongars_client.errors",
    "AuthenticationError": "mongars_client.errors",
    "PermissionDeniedError": "mongars_client.errors",
    "RateLimitError": "mongars_client.errors",
    "ResponseValidationError": "mongars_client.errors",
    "StreamError": "mongars_client.errors",
}

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "Client",
    "MonGARSError",
    "NotGiven",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "StreamError",
    "Token",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mongars_client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

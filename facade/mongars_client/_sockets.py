"""httpx transports whose sockets never wait past the running call's deadline.

httpx bounds each socket operation (connect, read, write) separately, and neither a blocking read
nor an anyio one can be cut short from outside without a timer per call: a server dripping its
answer a byte at a time, headers included, would hold a call for as long as it likes. These
transports are httpx's own, on connection pools whose network backends cap every wait at
`_transport.deadline_var`, the deadline of the attempt running in this thread or task.

With a caller's own `transport=` or `http_client=`, the deadline is checked between the chunks
of the body only: their sockets are theirs. Imported when a client is made (it needs httpcore).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from mongars_client._transport import deadline_var

# httpx's default limits.
_MAX_CONNECTIONS, _MAX_KEEPALIVE, _KEEPALIVE_EXPIRY = 100, 20, 5.0


def _capped(timeout: float | None) -> float | None:
    """A socket wait of `timeout` seconds, cut short at the running attempt's deadline."""
    deadline = deadline_var.get()
    if deadline is None:
        return timeout
    # At least a millisecond: a zero timeout would make a socket non-blocking, and the wait
    # would fail as an error instead of timing out.
    remaining = max(deadline - time.monotonic(), 0.001)
    return remaining if timeout is None else min(timeout, remaining)


class _Wrapping:
    """What both deadline streams share: the stream they wrap."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        # The pool asks every idle connection whether it is readable each time it assigns a
        # request: the wrapped stream answers directly, without a frame of ours per question.
        self.get_extra_info = stream.get_extra_info


class _DeadlineStream(_Wrapping, httpcore.NetworkStream):
    """A blocking connection whose reads and writes never wait past the call's deadline."""

    _stream: httpcore.NetworkStream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _capped(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _capped(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        secured = self._stream.start_tls(ssl_context, server_hostname, _capped(timeout))
        return _DeadlineStream(secured)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's blocking sockets, as `_DeadlineStream`s."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _capped(timeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _AsyncDeadlineStream(_Wrapping, httpcore.AsyncNetworkStream):
    """An asyncio connection whose reads and writes never wait past the call's deadline."""

    _stream: httpcore.AsyncNetworkStream

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, _capped(timeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, _capped(timeout))

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        secured = await self._stream.start_tls(ssl_context, server_hostname, _capped(timeout))
        return _AsyncDeadlineStream(secured)


class _AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio sockets (what it uses under asyncio), as `_AsyncDeadlineStream`s."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(
            host, port, _capped(timeout), local_address, socket_options
        )
        return _AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def _pool_options(verify: ssl.SSLContext | bool, http2: bool) -> dict[str, Any]:
    """httpx's settings for a connection pool (its default limits)."""
    return {
        "ssl_context": httpx.create_ssl_context(verify=verify),
        "max_connections": _MAX_CONNECTIONS,
        "max_keepalive_connections": _MAX_KEEPALIVE,
        "keepalive_expiry": _KEEPALIVE_EXPIRY,
        "http1": True,
        "http2": http2,
    }


class DeadlineHTTPTransport(httpx.HTTPTransport):
    """`httpx.HTTPTransport` (which keeps only its pool), on `_DeadlineBackend` sockets."""

    def __init__(self, *, verify: ssl.SSLContext | bool, http2: bool) -> None:
        # Not httpx's __init__: it would build a pool, and an SSL context (milliseconds of CA
        # loading), only for them to be replaced.
        self._pool = httpcore.ConnectionPool(
            **_pool_options(verify, http2), network_backend=_DeadlineBackend()
        )


class AsyncDeadlineHTTPTransport(httpx.AsyncHTTPTransport):
    """`httpx.AsyncHTTPTransport` (which keeps only its pool), on `_AsyncDeadlineBackend`."""

    def __init__(self, *, verify: ssl.SSLContext | bool, http2: bool) -> None:
        # As DeadlineHTTPTransport's.
        self._pool = httpcore.AsyncConnectionPool(
            **_pool_options(verify, http2), network_backend=_AsyncDeadlineBackend()
        )

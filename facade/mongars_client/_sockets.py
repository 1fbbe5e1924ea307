"""The clients' own HTTP transports, on public httpx and httpcore APIs only.

How the whole-call deadline holds, for both clients (the one place that explains it):
httpx bounds each socket operation separately, so a server dripping its answer a byte at a time,
headers included, could otherwise hold a call for as long as it likes.
- The asyncio client cancels the task of an attempt past its deadline (`_transport._AsyncExchange`,
  within 50 ms): that stops the call wherever it waits, and httpcore closes what the task held.
  Only that task ends, so the other calls multiplexed on one HTTP/2 connection go on.
  Per-operation timeouts are therefore not cut to the time left (but connect and pool waits):
  httpcore takes any read timeout on an HTTP/2 connection as the end of that connection.
- The blocking client cannot be cancelled from outside, so its sockets cap every wait at
  `_transport.deadline_var`, the deadline of the attempt running in this thread (httpcore's
  public `network_backend=`). (httpcore's blocking HTTP/2 connection is not safe to share between
  threads anyway, encode/httpx#3072: concurrent HTTP/2 calls belong to the asyncio client.)
- With a caller's own `transport=` or `http_client=`, whose sockets are theirs, every socket wait
  is cut to the time left when the attempt starts, and the deadline is checked between the chunks
  of the answer (`_transport._Body`); the asyncio client also cancels at the deadline.

Both pools' sockets (httpcore's `network_backend=`) also count the bytes each connection
receives, for the keep-alive resend (`_transport._Probe`): a byte in on a request's connection
during its attempt means the server saw it.

Closing a transport closes every socket it opened (`_Opened`), and it opens none after that.
httpcore's pool only closes the connections it lists; a call still running in another thread
(the blocking event stream's reader, left behind by a bounded close()) would otherwise resend on
a fresh connection the closed pool no longer lists, a socket nobody closes.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ssl
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from socket import SHUT_RDWR
from typing import Any

import httpcore
import httpx

from mongars_client._transport import CountingStream, deadline_var, request_sent
from mongars_client.errors import ConfigurationError, MonGARSError

# httpx's default limits.
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)


def _capped(timeout: float | None, expired: type[httpcore.TimeoutException]) -> float | None:
    """A socket wait of `timeout` seconds, cut short at the running attempt's deadline; raises
    `expired` once that has passed (a server answering every read at once would never time out)."""
    deadline = deadline_var.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    # A zero timeout would make a socket non-blocking: the wait would fail as an error instead.
    if remaining <= 0:
        raise expired("the call's timeout ran out")
    return remaining if timeout is None else min(timeout, remaining)


class _Opened:
    """The sockets of one transport not closed yet; once it is closed, no more (see above).

    A lock, because the blocking client's calls come from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._streams: set[Any] = set()
        self.closed = False

    def add(self, stream: Any, replacing: Any = None) -> bool:
        """Count `stream` in (`replacing` out: TLS took over its socket); False once closed,
        and then the caller closes it and fails with `refused()`."""
        with self._lock:
            self._streams.discard(replacing)
            if self.closed:
                return False
            self._streams.add(stream)
            return True

    def discard(self, stream: Any) -> None:
        # No lock: set.discard is atomic, and a stream closed by the garbage collector (inside
        # `left()`'s allocation, say) would otherwise wait on a lock its own thread holds.
        self._streams.discard(stream)

    def close(self) -> None:
        """Refuse new sockets from now on."""
        with self._lock:
            self.closed = True

    def left(self) -> list[Any]:
        """The sockets still open, to close once the pool has closed what it lists."""
        with self._lock:
            return list(self._streams)

    def received_so_far(self) -> dict[CountingStream, int]:
        """The bytes each idle socket has received, when an attempt begins (`_Probe`)."""
        # list(): a copy made in one step, so other threads' sockets may come and go meanwhile.
        return {s: s.received for s in list(self._streams) if s.in_flight == 0}


def _refused() -> MonGARSError:
    return MonGARSError("this client is closed; create a new one")


class _DeadlineStream(httpcore.NetworkStream):
    """A blocking connection whose reads and writes never wait past the call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, opened: _Opened) -> None:
        self._stream = stream
        self._opened = opened
        # For the keep-alive resend (`_transport._Probe`): bytes received, and the attempts
        # using it. Threads share a connection only over HTTP/1.1, one request at a time: a
        # count that drifts there only ever rules out resends.
        self.received = 0
        self.in_flight = 0

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)

    # ssl raises ValueError on a socket that close() or shutdown() in another thread (the
    # transport's close, see above) left "closed or unwrapped": a failed read or write all the same.

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            data = self._stream.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))
        except ValueError as error:
            if not self._opened.closed:
                raise
            raise httpcore.ReadError(str(error)) from error
        self.received += len(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        request_sent(self)
        try:
            self._stream.write(buffer, _capped(timeout, httpcore.WriteTimeout))
        except ValueError as error:
            if not self._opened.closed:
                raise
            raise httpcore.WriteError(str(error)) from error

    def close(self) -> None:
        self._opened.discard(self)
        if self._opened.closed:
            # The transport is closing: a call in another thread may be blocked reading this
            # socket. shutdown() wakes it (and the server sees the close at once); close() alone
            # would leave it waiting for the server's answer.
            with contextlib.suppress(OSError):
                connected = self._stream.get_extra_info("socket")
                if connected is not None:
                    connected.shutdown(SHUT_RDWR)
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        try:
            secured = self._stream.start_tls(
                ssl_context, server_hostname, _capped(timeout, httpcore.ConnectTimeout)
            )
        except BaseException:
            self.close()
            raise
        stream = _DeadlineStream(secured, self._opened)
        if not self._opened.add(stream, replacing=self):
            stream.close()
            raise _refused()
        return stream


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's blocking sockets, as `_DeadlineStream`s."""

    def __init__(self, opened: _Opened) -> None:
        self._backend = httpcore.SyncBackend()
        self._opened = opened

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if self._opened.closed:
            raise _refused()
        stream = _DeadlineStream(
            self._backend.connect_tcp(
                host, port, _capped(timeout, httpcore.ConnectTimeout), local_address, socket_options
            ),
            self._opened,
        )
        if not self._opened.add(stream):  # the transport closed while this one connected
            stream.close()
            raise _refused()
        return stream

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _as_httpx(error: Exception) -> Exception:
    """httpx's exception for one of httpcore's: they have the same names (most specific first)."""
    for kind in type(error).__mro__:
        core = kind.__module__.partition(".")[0] == "httpcore"
        ours = getattr(httpx, kind.__name__, None) if core else None
        if isinstance(ours, type) and issubclass(ours, httpx.TransportError):
            mapped: Exception = ours(str(error))
            mapped.__cause__ = error
            return mapped
    return error


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._response.iter_stream()
        except Exception as error:
            raise _as_httpx(error) from error

    def close(self) -> None:
        self._response.close()


def _pool_options(verify: ssl.SSLContext | bool, http2: bool, proxy: str | None) -> dict[str, Any]:
    """What both httpcore pools are given, as `httpx.HTTPTransport` would give them."""
    return {
        "ssl_context": httpx.create_ssl_context(verify=verify),
        "proxy": None if proxy is None else _core_proxy(proxy),
        "max_connections": _LIMITS.max_connections,
        "max_keepalive_connections": _LIMITS.max_keepalive_connections,
        "keepalive_expiry": _LIMITS.keepalive_expiry,
        "http2": http2,
    }


class DeadlineHTTPTransport(httpx.BaseTransport):
    """What `httpx.HTTPTransport` does, on a pool of `_DeadlineBackend` sockets."""

    def __init__(
        self, *, verify: ssl.SSLContext | bool, http2: bool, proxy: str | None = None
    ) -> None:
        self._opened = _Opened()
        self._connections = httpcore.ConnectionPool(
            **_pool_options(verify, http2, proxy), network_backend=_DeadlineBackend(self._opened)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the pool; httpcore's failures become httpx's."""
        assert isinstance(request.stream, httpx.SyncByteStream)
        try:
            response = self._connections.handle_request(_core_request(request))
        except Exception as error:
            raise _as_httpx(error) from error
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response),
            extensions=response.extensions,
        )

    def received_so_far(self) -> dict[CountingStream, int]:
        """The bytes each of its idle sockets has received (for the keep-alive resend)."""
        return self._opened.received_so_far()

    def close(self) -> None:
        """Close every socket this transport opened, pooled or not, and refuse new ones."""
        self._opened.close()
        self._connections.close()
        for stream in self._opened.left():  # opened by a call the pool no longer lists
            with contextlib.suppress(OSError):
                stream.close()


def _core_request(request: httpx.Request) -> httpcore.Request:
    url = request.url
    return httpcore.Request(
        method=request.method,
        url=httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
        ),
        headers=request.headers.raw,
        content=request.stream,
        extensions=request.extensions,
    )


def _core_proxy(url: str) -> httpcore.Proxy:
    # httpx.Proxy takes the credentials out of the URL (httpcore sends them as Basic auth).
    proxy = httpx.Proxy(url)
    # httpcore's SOCKS connections import socksio on first use: say so now, and how to fix it.
    if proxy.url.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise ConfigurationError(
            "a socks5:// proxy needs the socksio package (and python-socks for the event "
            "stream): pip install socksio python-socks"
        )
    return httpcore.Proxy(
        url=httpcore.URL(
            scheme=proxy.url.raw_scheme,
            host=proxy.url.raw_host,
            port=proxy.url.port,
            target=proxy.url.raw_path,
        ),
        auth=proxy.raw_auth,
        headers=proxy.headers.raw,
    )


class _WatchedAsyncStream(httpcore.AsyncNetworkStream):
    """An asyncio connection that counts the bytes it receives (`_Probe`); the deadline is a
    cancellation (see the docstring), so its waits are left as they are."""

    def __init__(self, stream: httpcore.AsyncNetworkStream, opened: _Opened) -> None:
        self._stream = stream
        self._opened = opened
        # For the keep-alive resend (`_transport._Probe`): bytes received, and the attempts
        # using it. Threads share a connection only over HTTP/1.1, one request at a time: a
        # count that drifts there only ever rules out resends.
        self.received = 0
        self.in_flight = 0

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = await self._stream.read(max_bytes, timeout)
        self.received += len(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        request_sent(self)
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        self._opened.discard(self)
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            secured = await self._stream.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            await self.aclose()
            raise
        stream = _WatchedAsyncStream(secured, self._opened)
        if not self._opened.add(stream, replacing=self):
            await stream.aclose()
            raise _refused()
        return stream


class _WatchedAsyncBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio sockets, as `_WatchedAsyncStream`s."""

    def __init__(self, opened: _Opened) -> None:
        self._backend = httpcore.AnyIOBackend()
        self._opened = opened

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._opened.closed:
            raise _refused()
        stream = _WatchedAsyncStream(
            await self._backend.connect_tcp(host, port, timeout, local_address, socket_options),
            self._opened,
        )
        if not self._opened.add(stream):  # the transport closed while this one connected
            await stream.aclose()
            raise _refused()
        return stream

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _AsyncResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except Exception as error:
            raise _as_httpx(error) from error

    async def aclose(self) -> None:
        await self._response.aclose()


class WatchedAsyncHTTPTransport(httpx.AsyncBaseTransport):
    """What `httpx.AsyncHTTPTransport` does, on a pool of `_WatchedAsyncBackend` sockets."""

    def __init__(
        self, *, verify: ssl.SSLContext | bool, http2: bool, proxy: str | None = None
    ) -> None:
        self._opened = _Opened()
        self._connections = httpcore.AsyncConnectionPool(
            **_pool_options(verify, http2, proxy),
            network_backend=_WatchedAsyncBackend(self._opened),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send `request` through the pool; httpcore's failures become httpx's."""
        assert isinstance(request.stream, httpx.AsyncByteStream)
        try:
            response = await self._connections.handle_async_request(_core_request(request))
        except Exception as error:
            raise _as_httpx(error) from error
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_AsyncResponseStream(response),
            extensions=response.extensions,
        )

    def received_so_far(self) -> dict[CountingStream, int]:
        """The bytes each of its idle sockets has received (for the keep-alive resend)."""
        return self._opened.received_so_far()

    async def aclose(self) -> None:
        """Close every socket this transport opened, pooled or not, and refuse new ones."""
        self._opened.close()
        await self._connections.aclose()
        for stream in self._opened.left():  # opened by a call the pool no longer lists
            with contextlib.suppress(Exception):
                await stream.aclose()

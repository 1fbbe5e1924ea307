"""A forward proxy on loopback, as egress proxies work: absolute-URI requests and CONNECT tunnels.

Written here rather than taken from the package index: the tests need to see exactly which
requests went through it (`seen`), to require credentials, and to be sure that it reaches only
loopback addresses and resolves no name but `localhost`. Each absolute-URI request is forwarded
on a connection of its own with `Connection: close`, so every request is seen; a CONNECT tunnel
(HTTPS, WebSocket) is piped both ways, seen once as `("CONNECT", "host:port")`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress

import httpx

from tests.reliability.loopback_server import LoopbackServer


class ForwardProxy(LoopbackServer):
    """Use as a context manager; `url` is its address, `seen` what it forwarded."""

    # ValueError: a target that is not loopback, or a request it cannot parse.
    _quiet_errors = (OSError, asyncio.IncompleteReadError, ValueError)

    def __init__(self, *, credentials: tuple[str, str] | None = None) -> None:
        super().__init__(thread_name="forward-proxy")
        self._expected = None
        if credentials is not None:
            raw = base64.b64encode(":".join(credentials).encode()).decode()  # noqa: RUF100
            self._expected = f"Basic {raw}"
        self.seen: list[tuple[str, str]] = []

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")[:-2]
        method, target, version = request_line.split(" ")
        headers = [line.split(":", 1) for line in header_lines]
        given = {name.strip().lower(): value.strip() for name, value in headers}
        if self._expected is not None and given.get("proxy-authorization") != self._expected:
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream_reader, upstream_writer = await _open(host, int(port))
            self.seen.append(("CONNECT", target))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = httpx.URL(target)
            upstream_reader, upstream_writer = await _open(url.host, url.port or 80)
            self.seen.append((method, target))
            kept = [
                f"{name}:{value}"
                for name, value in headers
                if name.strip().lower() not in {"connection", "proxy-authorization", "keep-alive"}
            ]
            path = url.raw_path.decode("ascii")
            lines = [f"{method} {path} {version}", *kept, "Connection: close", "", ""]
            upstream_writer.write("\r\n".join(lines).encode("latin-1"))
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()


async def _open(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if host != "localhost" and not ipaddress.ip_address(host.strip("[]")).is_loopback:
        raise ValueError(f"this proxy reaches loopback addresses only, not {host}")
    return await asyncio.open_connection(host.strip("[]"), port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

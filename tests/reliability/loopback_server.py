"""A test server on 127.0.0.1 with its own event loop in a thread, so that blocking `Client`
calls in the test's thread and `AsyncClient` calls on the test's own loop can both reach it.

A subclass defines `_handle`, what it does with one connection. Stopping cancels the connections
still open, so that a handler waiting on a client that keeps its connection cannot hold the test.
"""

from __future__ import annotations

import abc
import asyncio
import threading
from types import TracebackType
from typing import ClassVar, Self


class LoopbackServer(abc.ABC):
    """Use as a context manager; `url` is its address once entered."""

    # Errors that end a connection quietly rather than logged by asyncio as a failure: each
    # subclass names the ones its tests cause on purpose (a peer that leaves mid-request, ...).
    _quiet_errors: ClassVar[tuple[type[BaseException], ...]] = ()

    def __init__(self, *, thread_name: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=thread_name)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        start = asyncio.start_server(self._accept, "127.0.0.1", 0)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.sleep(0)  # one more turn of the loop: the closed transports let go

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._handle(reader, writer)
        except self._quiet_errors:
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    @abc.abstractmethod
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection; it is closed when this returns or raises."""

"""One implementation for the blocking and the asyncio clients.

Every decision (building requests, retrying, refreshing the token, mapping answers to results
and errors) is written once, as coroutines that reach the network only through an I/O object.
The asyncio client hands them an I/O object whose methods await real sockets. The blocking client
hands them one whose `async def` methods block and return without ever suspending, and runs the
coroutine to completion with a single `send(None)`: no event loop, no thread, no copy of the logic.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncGenerator, Coroutine, Generator
from typing import Any, Self, TypeVar

T = TypeVar("T")
Y = TypeVar("Y")
S = TypeVar("S")


class SuspendedError(RuntimeError):
    """A coroutine run by `run_sync` tried to wait for an event loop (a bug in an I/O object)."""


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends, in the calling thread, and return its result."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    coroutine.close()
    raise SuspendedError("blocking I/O awaited something that needs an event loop")


def iterate_sync(generator: AsyncGenerator[Y, S]) -> Generator[Y, S, None]:
    """A plain generator that steps a never-suspending async generator, passing sent values on."""
    reply: Any = None
    try:
        while True:
            try:
                generator.asend(reply).send(None)
            except StopIteration as yielded:
                reply = yield yielded.value
            except StopAsyncIteration:
                return
            else:
                raise SuspendedError("blocking I/O awaited something that needs an event loop")
    finally:
        # Run the async generator's cleanup (`finally`, `async with`) now, in this thread.
        with contextlib.suppress(StopIteration):
            generator.aclose().send(None)


class BlockingLock:
    """A `threading.Lock` for the blocking client's coroutines: `acquire` blocks, never suspends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    async def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock; False when `timeout` seconds passed first (None: no limit)."""
        return self._lock.acquire(timeout=-1 if timeout is None else timeout)

    def release(self) -> None:
        """Give the lock back."""
        self._lock.release()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()


class AsyncioLock:
    """An `asyncio.Lock` with the interface of `BlockingLock`, for the asyncio client."""

    def __init__(self) -> None:
        import asyncio  # here: the blocking client never needs asyncio

        self._asyncio = asyncio
        self._lock = asyncio.Lock()

    async def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock; False when `timeout` seconds passed first (None: no limit)."""
        try:
            async with self._asyncio.timeout(timeout):
                await self._lock.acquire()
        except TimeoutError:
            return False
        return True

    def release(self) -> None:
        """Give the lock back."""
        self._lock.release()


class Closing:
    """`with` support for a blocking object that has a `close()`."""

    def close(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClosing:
    """`async with` support for an asyncio object that has an `aclose()`."""

    __slots__ = ()

    async def aclose(self) -> None:
        """Release what the object holds."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

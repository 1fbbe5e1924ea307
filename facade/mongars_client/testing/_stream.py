"""The event stream: `/ws/chat/?t=<ticket>`, its envelopes, heartbeat, acks and per-socket queue."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any, Final

from starlette.websockets import WebSocket

from mongars_client.testing._state import State

# Queue markers telling the sender to close instead of sending a frame.
_OVERLOADED: Final = 1013  # the consumer is too slow for the queue
_NORMAL: Final = 1000  # the client asked to close, and the close defect is switched off


def event(event_type: str, user: str, data: Any, *, ts: float) -> str:
    """An event envelope: `{"id", "type", "ts", "user", "data"}`."""
    return json.dumps(
        {"id": str(uuid.uuid4()), "type": event_type, "ts": ts, "user": user, "data": data}
    )


def control(frame_id: Any, frame_type: str, payload: Any) -> str:
    """A control frame: `{"id", "type", "payload"}` (pings and acks)."""
    return json.dumps({"id": frame_id, "type": frame_type, "payload": payload})


def ack_for(text: str) -> tuple[str, dict[str, Any] | None]:
    """The ack the server sends for a client frame, and the frame when it was a valid envelope."""
    try:
        frame = json.loads(text)
    except ValueError:
        return control(None, "ack", {"status": "error", "detail": "invalid_json"}), None
    if not isinstance(frame, dict):
        return control(None, "ack", {"status": "error", "detail": "invalid_envelope"}), None
    frame_id = frame.get("id")
    if frame_id in (None, ""):
        return control(None, "ack", {"status": "error", "detail": "missing_id"}), None
    frame_type = frame.get("type")
    if not frame_type:
        return control(frame_id, "ack", {"status": "error", "detail": "missing_type"}), None
    # A heartbeat answer is acked without a detail; every other frame names its type.
    payload = {"status": "ok"} if frame_type == "pong" else {"status": "ok", "detail": frame_type}
    return control(frame_id, "ack", payload), frame


class Stream:
    """One open socket: a bounded queue drained by a single sender task, and its heartbeat."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        queue_size: int,
        abort: Callable[[], None],
    ) -> None:
        self.websocket = websocket
        # Items: one frame, a close code, or a burst (a tuple of frames sent back to back).
        self.queue: asyncio.Queue[str | int | tuple[str, ...]] = asyncio.Queue(maxsize=queue_size)
        self._abort = abort
        self.closed_by_server = False
        self._overloaded = False
        self._pending_pings: set[str] = set()
        self._last_pong = asyncio.get_running_loop().time()

    def offer(self, frame: str | int | tuple[str, ...]) -> bool:
        """Queue a frame; when the queue is full, drop the backlog and close with 1013 instead.

        False when the frame was not queued.
        """
        if self._overloaded:
            return False
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._overloaded = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(_OVERLOADED)
            return False
        return True

    def drop(self) -> None:
        """Abort the TCP connection: the client gets no close frame (it sees 1006)."""
        self.closed_by_server = True
        self._abort()

    async def send_forever(self) -> None:
        """The only writer of this socket, so frames never interleave."""
        while True:
            frame = await self.queue.get()
            if isinstance(frame, int):
                self.closed_by_server = True
                await self.websocket.send({"type": "websocket.close", "code": frame})
                return
            for text in (frame,) if isinstance(frame, str) else frame:
                await self.websocket.send({"type": "websocket.send", "text": text})

    async def heartbeat(self, interval: float, timeout: float) -> None:
        """Ping every `interval`; drop the socket once no pong came for `timeout`."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(interval)
            if loop.time() - self._last_pong >= timeout:
                self.drop()
                return
            ping_id = str(uuid.uuid4())
            self._pending_pings.add(ping_id)
            self.offer(control(ping_id, "ping", None))

    def received(self, text: str, *, close_defect: bool) -> None:
        """Answer one client frame."""
        ack, frame = ack_for(text)
        self.offer(ack)
        if frame is None:
            return
        if frame["type"] == "pong" and frame["id"] in self._pending_pings:
            self._pending_pings.clear()
            self._last_pong = asyncio.get_running_loop().time()
        elif frame["type"] == "close" and not close_defect:
            self.offer(_NORMAL)


class Hub:
    """Every open stream by user; events are published to all of a user's streams."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.streams: dict[str, set[Stream]] = {}
        # Close codes and reasons clients sent (server-initiated closes are not listed).
        self.client_closes: list[tuple[int, str]] = []

    def publish(self, user: str, event_type: str, data: Any) -> int:
        """Queue one event on each of `user`'s streams; how many queued it."""
        frame = event(event_type, user, data, ts=self.state.now())
        return sum(stream.offer(frame) for stream in list(self.streams.get(user, ())))

    def burst(self, user: str, event_type: str, count: int) -> int:
        """Queue `count` events on each of `user`'s streams as one item, sent back to back.

        For the benchmark of the client's receive path: one queue slot however large the burst,
        so `ws_queue_size` does not end it with 1013, and every frame is built before the first
        is sent. Returns how many streams queued it.
        """
        now = self.state.now()
        frames = tuple(event(event_type, user, {"n": n}, ts=now) for n in range(count))
        return sum(stream.offer(frames) for stream in list(self.streams.get(user, ())))

    def drop_all(self) -> None:
        """Abort every open stream's connection."""
        for streams in list(self.streams.values()):
            for stream in list(streams):
                stream.drop()

    async def serve(
        self, websocket: WebSocket, abort: Callable[[], None], *, close_with: int | None = None
    ) -> None:
        """The `/ws/chat/` endpoint: check origin and ticket, then stream until the socket ends.

        `close_with`: a close code sent right after the greeting events (a fault to reproduce).
        """
        settings = self.state.settings
        origin = websocket.headers.get("origin")
        user = self.state.ticket_user(websocket.query_params.get("t", ""))
        if origin not in settings.allowed_origins or user is None:
            # Refused before the handshake completes: uvicorn answers HTTP 403, which is all the
            # real server's clients see of its 4401/4403 close codes.
            await websocket.close(code=4403 if user is not None else 4401)
            return
        await websocket.accept()
        stream = Stream(websocket, queue_size=settings.ws_queue_size, abort=abort)
        self.streams.setdefault(user, set()).add(stream)
        now = self.state.now()
        stream.offer(event("ws.connected", user, {"origin": origin}, ts=now))
        stream.offer(event("history.snapshot", user, {"items": self.state.snapshot(user)}, ts=now))
        if close_with is not None:
            stream.offer(close_with)
        tasks = [
            asyncio.create_task(stream.send_forever()),
            asyncio.create_task(
                stream.heartbeat(settings.heartbeat_interval, settings.heartbeat_timeout)
            ),
        ]
        try:
            await self._receive_until_closed(stream)
        finally:
            self.streams[user].discard(stream)
            for task in tasks:
                task.cancel()
            # The sender may also have failed with the socket, when the client vanished mid-send.
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _receive_until_closed(self, stream: Stream) -> None:
        close_defect = self.state.settings.ignore_close_message
        while True:
            message = await stream.websocket.receive()
            if message["type"] == "websocket.disconnect":
                if not stream.closed_by_server:
                    self.client_closes.append(
                        (message.get("code", 1005), message.get("reason", ""))
                    )
                return
            text = message.get("text")
            if text is None:
                text = message.get("bytes", b"").decode("utf-8", errors="replace")
            stream.received(text, close_defect=close_defect)

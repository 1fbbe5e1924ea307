"""Switches that make the simulator misbehave on purpose, in one place the server consults."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["fail", "reset", "malformed", "close"]


@dataclass
class Rule:
    """A pending fault: the next `remaining` matching requests get it."""

    kind: FaultKind
    remaining: int
    path: str | None
    status: int = 503
    retry_after: float | None = None

    def matches(self, kind: FaultKind, path: str) -> bool:
        """Whether this rule applies to a request of `path`."""
        return self.kind == kind and self.path in (None, path)


class Faults:
    """Faults to inject, shared by every connection of one simulator (thread-safe).

    Each `*_next` call queues a rule; a request takes the first rule that matches it, and the rule
    is used up after `count` requests. `path` is an exact request path without its query string
    (`"/api/v1/conversation/chat"`); None matches every request, WebSocket handshakes included.
    """

    def __init__(self, drop_websockets: Callable[[], None]) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._latency = 0.0
        self._path_latency: dict[str, float] = {}
        self._model_down = False
        self._drop_websockets = drop_websockets

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Answer the next `count` matching requests with `status` instead of serving them.

        The body is `{"detail": <reason phrase>}`, with a `Retry-After: <seconds>` header when
        `retry_after` is given. A 500 is the real server's unhandled error instead: a `text/plain`
        `Internal Server Error`, after which the server closes the keep-alive connection.
        """
        self._add(Rule("fail", count, path, status, retry_after))

    def reset_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Close the TCP connection of the next `count` matching requests without any answer.

        The client sees a dropped connection (httpx: `RemoteProtocolError`), never a status;
        `Simulator.requests` records these requests with status 0.
        """
        self._add(Rule("reset", count, path))

    def malformed_next(self, count: int = 1, *, path: str | None = None) -> None:
        """Serve the next `count` matching successful JSON answers with a body that breaks the spec.

        The request is handled (its effects happen) and the status stays 2xx, but the JSON document
        changes type: an object is sent as a one-element array holding it, an array as an object
        `{"items": [...]}`. Every response schema of the API is an object or an array, so the body
        no longer validates. Non-2xx answers pass through and do not use the rule up.
        """
        self._add(Rule("malformed", count, path))

    def close_streams_next(self, count: int = 1, *, code: int = 1013) -> None:
        """Accept the next `count` WebSocket connections, then close each with `code` at once.

        As an overloaded or restarting server does: the client gets `ws.connected` and the
        `history.snapshot` first, then the close frame (1011, 1012, 1013 "try again later").
        """
        self._add(Rule("close", count, None, code))

    def latency(self, seconds: float, *, path: str | None = None) -> None:
        """Delay every request by `seconds` before it is served, until cleared (0 to stop).

        With `path` (exact, without the query string), only the requests of that path: a slow
        `/token`, for example. A path's own latency replaces the general one for it.
        """
        with self._lock:
            if path is None:
                self._latency = seconds
            elif seconds > 0:
                self._path_latency[path] = seconds
            else:
                self._path_latency.pop(path, None)

    def model_down(self, down: bool = True) -> None:
        """Make the model backend unavailable, until cleared.

        As on the real server: chat still answers 200 with the fallback text and `confidence` 0.0,
        `/llm/chat` answers 502, and `/llm/health` reports `unhealthy`.
        """
        with self._lock:
            self._model_down = down

    def drop_websockets(self) -> None:
        """Abort every open WebSocket's TCP connection, without a close frame (clients see 1006)."""
        self._drop_websockets()

    def clear(self) -> None:
        """Forget every pending rule, the latency and the model outage."""
        with self._lock:
            self._rules.clear()
            self._latency = 0.0
            self._path_latency.clear()
            self._model_down = False

    # What the server asks
    def _add(self, rule: Rule) -> None:
        if rule.remaining < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._rules.append(rule)

    def take(self, kind: FaultKind, path: str) -> Rule | None:
        """The first pending rule of `kind` for `path`, counting this request against it."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(kind, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule
        return None

    @property
    def current_latency(self) -> float:
        """Seconds every request is delayed by."""
        with self._lock:
            return self._latency

    def latency_for(self, path: str) -> float:
        """Seconds a request of `path` is delayed by."""
        with self._lock:
            return self._path_latency.get(path, self._latency)

    @property
    def is_model_down(self) -> bool:
        """Whether the model backend is unavailable."""
        with self._lock:
            return self._model_down

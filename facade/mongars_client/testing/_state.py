"""What the simulated server knows: settings, accounts, tokens, history, peers and its clock.

Only the server's event loop touches a `State`; the `Simulator` hands its calls to that loop.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from mongars_client.testing import _jwt, _tickets
from mongars_client.testing._replies import iso

# How long a history entry is kept, for `expires_at` (the server forgets old exchanges).
HISTORY_RETENTION_SECONDS = 7 * 24 * 3600.0
SNAPSHOT_SIZE = 10


@dataclass(frozen=True)
class Settings:
    """The switches a `Simulator` was built with (see its docstring)."""

    token_ttl: float = 3600.0
    ticket_ttl: int = 45
    heartbeat_interval: float = 20.0
    heartbeat_timeout: float = 60.0
    chat_rate_limit: float | None = 1.0
    stream_chunks: bool = False
    chunk_interval: float = 0.0
    admin_bootstrap: bool = False
    stale_history: bool = True
    ignore_close_message: bool = True
    ws_queue_size: int = 256
    allowed_origins: frozenset[str] = frozenset()


@dataclass
class _Account:
    password_hash: bytes
    admin: bool


@dataclass
class State:
    """The server's memory, all in-process, gone when the simulator stops."""

    settings: Settings
    jwt_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    ticket_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    peers: dict[str, None] = field(default_factory=dict)  # ordered set of peer URLs
    telemetry: dict[str, dict[str, Any]] = field(default_factory=dict)  # latest per scheduler
    _salt: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    _accounts: dict[str, _Account] = field(default_factory=dict)
    _history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # oldest first
    _history_seen: dict[str, int] = field(default_factory=dict)
    _last_chat: dict[str, float] = field(default_factory=dict)
    _issued_tokens: set[str] = field(default_factory=set)
    _expired_tokens: set[str] = field(default_factory=set)
    _clock_offset: float = 0.0

    # The clock: wall time, plus whatever a test skipped with `advance_time`.
    def now(self) -> float:
        """The server's current unix time."""
        return time.time() + self._clock_offset

    def advance_time(self, seconds: float) -> None:
        """Move the server's clock forward (tokens, tickets and the chat limit follow it)."""
        self._clock_offset += seconds

    # Accounts
    def _hash(self, password: str) -> bytes:
        return hashlib.sha256(self._salt + password.encode()).digest()

    def add_account(self, username: str, password: str, *, admin: bool = False) -> bool:
        """Create an account; False when the name is taken."""
        if username in self._accounts:
            return False
        self._accounts[username] = _Account(self._hash(password), admin)
        return True

    def is_admin(self, username: str) -> bool:
        """Whether `username` is an administrator."""
        return self._accounts[username].admin

    def has_admin(self) -> bool:
        """Whether any administrator account exists."""
        return any(account.admin for account in self._accounts.values())

    def usernames(self) -> list[str]:
        """Every registered username, sorted."""
        return sorted(self._accounts)

    def check_password(self, username: str, password: str) -> bool:
        """Whether `password` is `username`'s password (False for unknown users)."""
        account = self._accounts.get(username)
        return account is not None and hmac.compare_digest(
            account.password_hash, self._hash(password)
        )

    def set_password(self, username: str, password: str) -> None:
        """Replace `username`'s password."""
        self._accounts[username].password_hash = self._hash(password)

    # Bearer tokens
    def issue_token(self, username: str) -> str:
        """A JWT for `username` with exactly the server's claims: `sub`, `admin`, float `exp`."""
        exp = self.now() + self.settings.token_ttl
        if exp.is_integer():  # the server's `exp` always has a fractional part
            exp += 0.5
        claims = {"sub": username, "admin": self.is_admin(username), "exp": exp}
        token = _jwt.encode(claims, self.jwt_secret)
        self._issued_tokens.add(token)
        return token

    def authenticate(self, token: str) -> dict[str, Any]:
        """The claims of a token the server accepts, or `_jwt.TokenError`."""
        claims = _jwt.decode(token, self.jwt_secret, now=self.now())
        if token in self._expired_tokens:
            raise _jwt.TokenError(_jwt.EXPIRED)
        return claims

    def expire_tokens(self) -> None:
        """Every token issued so far now fails as expired; later ones are unaffected."""
        self._expired_tokens |= self._issued_tokens
        self._issued_tokens = set()

    # WebSocket tickets
    def issue_ticket(self, username: str) -> str:
        """A signed ticket for `username`'s event stream."""
        return _tickets.issue(username, self.ticket_secret, now=self.now())

    def ticket_user(self, ticket: str) -> str | None:
        """Who a ticket was issued to, while it is valid."""
        return _tickets.verify(
            ticket, self.ticket_secret, ttl=self.settings.ticket_ttl, now=self.now()
        )

    # Chat and history
    def allow_chat(self, username: str) -> bool:
        """The one-chat-per-interval limit: True, and the slot is taken, when a chat may go on."""
        interval = self.settings.chat_rate_limit
        now = self.now()
        if interval and now - self._last_chat.get(username, float("-inf")) < interval:
            return False
        self._last_chat[username] = now
        return True

    def record_exchange(self, username: str, query: str, response: str, timestamp: float) -> None:
        """Store one exchange in `username`'s history."""
        self._history.setdefault(username, []).append(
            {
                "user_id": username,
                "query": query,
                "response": response,
                "timestamp": iso(timestamp),
                "expires_at": iso(timestamp + HISTORY_RETENTION_SECONDS),
            }
        )

    def read_history(self, username: str, limit: int) -> list[dict[str, Any]]:
        """What `GET /conversation/history` answers: newest first, at most `limit` items.

        With `stale_history` (the server's defect), the first read fixes what later reads see.
        """
        items = self._history.get(username, [])
        if self.settings.stale_history:
            items = items[: self._history_seen.setdefault(username, len(items))]
        return items[::-1][:limit]

    def snapshot(self, username: str) -> list[dict[str, Any]]:
        """The `history.snapshot` items sent when a stream opens: the latest exchanges."""
        items = self._history.get(username, [])[::-1][:SNAPSHOT_SIZE]
        return [{k: item[k] for k in ("query", "response", "timestamp")} for item in items]

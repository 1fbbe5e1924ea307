"""`Token`: the typed result of a login, which the spec leaves as an untyped object.

When to log in again is judged on the server's clock, never the local one: a client whose clock
is hours off would otherwise see every fresh token as expired (and log in before each call) or
keep using expired ones. The token's lifetime is `exp` minus the server's time of issue (the
JWT's `iat` when it has one, else the login answer's `Date` header), counted down on the local
monotonic clock from the moment the token arrived.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import email.utils
import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mongars_client._redact import MASK, register_secret
from mongars_client.errors import ResponseValidationError

# Refresh this long before `exp`, or a tenth of the token's lifetime when that is shorter.
REFRESH_MARGIN = 30.0
# What may go into the `Authorization` header: visible ASCII, no space (a JWT and "bearer" are).
# A CR/LF, a space or a non-ASCII character from a broken server would make every later request
# fail in the HTTP library, far from the login that let it in.
_HEADER_SAFE = re.compile(r"[!-~]+")


def _unix_time(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def http_date(value: str | None) -> float | None:
    """The unix time of an HTTP `Date` header, or None when absent or malformed."""
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _claims(access_token: str) -> dict[str, Any]:
    """The JWT's payload, read without verifying it (only the server can, and it will)."""
    try:
        payload = access_token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


# A dataclass rather than attrs: attrs costs 9 ms of import, and this is on `Client`'s import path.
@dataclass(frozen=True, slots=True, repr=False)
class Token:
    """A bearer token and what its JWT says: `subject` (the username) and `expires_at` (UTC).

    `repr()` and `str()` never show `access_token`.
    """

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_at: datetime | None = None
    subject: str | None = None
    admin: bool | None = None
    obtained_at: float = field(default_factory=time.time, compare=False)
    issued_at: float | None = field(default=None, compare=False)
    """The server's unix time when the token was issued (`iat`, or the login answer's `Date`);
    None when unknown (a token given as a string), and the local clock then stands in for it."""
    received_at: float = field(default_factory=time.monotonic, compare=False, repr=False)

    def __post_init__(self) -> None:
        register_secret(self.access_token)

    @classmethod
    def from_access_token(cls, access_token: str, token_type: str = "bearer") -> Token:  # noqa: S107
        """A `Token` whose subject and expiry are read from the JWT (None when it is opaque)."""
        claims = _claims(access_token)
        exp, sub, admin = _unix_time(claims.get("exp")), claims.get("sub"), claims.get("admin")
        expires_at = None
        if exp is not None:
            try:
                expires_at = datetime.fromtimestamp(exp, tz=UTC)
            except (OverflowError, OSError, ValueError):
                expires_at = None
        return cls(
            access_token=access_token,
            token_type=token_type,
            expires_at=expires_at,
            subject=sub if isinstance(sub, str) else None,
            admin=admin if isinstance(admin, bool) else None,
        )

    def issued_by_server_at(self, server_time: float | None) -> Token:
        """This token as just received from a login: its lifetime counted from the JWT's `iat`,
        else from `server_time` (the login answer's `Date`), on the local monotonic clock.

        An issue time at or after `exp` is not trusted. Only for a token that has just arrived:
        one read from a string or a file keeps the local clock, as nothing tells when the server
        issued it relative to now.
        """
        if self.expires_at is None:
            return self
        expiry = self.expires_at.timestamp()
        for issued in (_unix_time(_claims(self.access_token).get("iat")), server_time):
            # A time of issue at or after the expiry is not the server's clock (an `iat` in
            # milliseconds, a `Date` set by a proxy whose clock is off): taken as such, every
            # call would log in first. The next candidate, else the local clock, stands in.
            if issued is not None and issued < expiry:
                return dataclasses.replace(self, issued_at=issued)
        return self

    @classmethod
    def from_login_body(cls, body: Any) -> Token:
        """Parse the body of `POST /token`; `ResponseValidationError` when it is not a token."""
        access_token = body.get("access_token") if isinstance(body, dict) else None
        token_type = body.get("token_type", "bearer") if isinstance(body, dict) else None
        if not isinstance(access_token, str) or not access_token or not isinstance(token_type, str):
            raise ResponseValidationError(
                "the login answer has no access_token string", method="POST", path="/token"
            )
        register_secret(access_token)
        if not (_HEADER_SAFE.fullmatch(access_token) and _HEADER_SAFE.fullmatch(token_type)):
            raise ResponseValidationError(
                "the login answer's token cannot be sent in an Authorization header (it holds "
                "spaces, control or non-ASCII characters)",
                method="POST",
                path="/token",
            )
        return cls.from_access_token(access_token, token_type)

    @property
    def authorization(self) -> str:
        """The `Authorization` header value."""
        scheme = "Bearer" if self.token_type.lower() == "bearer" else self.token_type
        return f"{scheme} {self.access_token}"

    def expires_in(self, now: float | None = None) -> float | None:
        """Seconds until expiry (negative once expired), or None when the JWT has no `exp`.

        Without `now`, judged on the server's clock when the issue time is known (see the module
        docstring); with `now` (a unix time), against that local time.
        """
        if self.expires_at is None:
            return None
        if now is None and self.issued_at is not None:
            elapsed = time.monotonic() - self.received_at
            return self.expires_at.timestamp() - self.issued_at - elapsed
        return self.expires_at.timestamp() - (time.time() if now is None else now)

    def needs_refresh(self, now: float | None = None) -> bool:
        """True when the token expires within the refresh margin."""
        remaining = self.expires_in(now)
        if remaining is None or self.expires_at is None:
            return False
        issued = self.obtained_at if self.issued_at is None else self.issued_at
        lifetime = self.expires_at.timestamp() - issued
        return remaining <= min(REFRESH_MARGIN, max(lifetime, 0.0) / 10)

    def __repr__(self) -> str:
        expires = self.expires_at.isoformat() if self.expires_at else None
        return (
            f"Token(access_token='{MASK}', token_type={self.token_type!r}, "
            f"subject={self.subject!r}, expires_at={expires!r})"
        )

    __str__ = __repr__

"""WebSocket tickets: `<b64url(user)>.<unix ts>.<hmac>`, reusable until they expire."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

# Tickets stay valid this long past their TTL, as the server allows for clock skew.
CLOCK_SKEW_SECONDS = 5


def _mac(message: str, secret: bytes) -> str:
    return hmac.new(secret, message.encode("ascii"), hashlib.sha256).hexdigest()


def issue(username: str, secret: bytes, *, now: float) -> str:
    """A ticket for `username`, stamped with the current unix second."""
    user = base64.urlsafe_b64encode(username.encode()).rstrip(b"=").decode("ascii")
    message = f"{user}.{int(now)}"
    return f"{message}.{_mac(message, secret)}"


def verify(ticket: str, secret: bytes, *, ttl: float, now: float) -> str | None:
    """The username a valid, unexpired ticket names; None for anything else."""
    parts = ticket.split(".")
    # compare_digest refuses non-ASCII text: such a ticket is forged anyway.
    if len(parts) != 3 or not ticket.isascii():
        return None
    user, stamp, mac = parts
    if not hmac.compare_digest(mac, _mac(f"{user}.{stamp}", secret)):
        return None
    if not stamp.isdigit() or int(stamp) + ttl + CLOCK_SKEW_SECONDS < now:
        return None
    try:
        return base64.urlsafe_b64decode(user + "=" * (-len(user) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None

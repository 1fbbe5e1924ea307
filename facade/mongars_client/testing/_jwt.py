"""HS256 JSON Web Tokens, as the monGARS server issues them, with the standard library only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}


class TokenError(Exception):
    """A bearer token was refused; `detail` is the server's exact error text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# The real server's texts for each refusal (PROTOCOL.md, "Bearer errors").
MISSING_SUBJECT = "Invalid token: missing subject"
EXPIRED = "Invalid token: Token verification failed: Signature has expired."
BAD_SIGNATURE = "Invalid token: Token verification failed: Signature verification failed."


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _sign(signing_input: str, secret: bytes) -> str:
    return _b64encode(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def encode(claims: Mapping[str, Any], secret: bytes) -> str:
    """A compact HS256 JWT carrying `claims`."""
    signing_input = f"{_b64encode(_json(_HEADER))}.{_b64encode(_json(claims))}"
    return f"{signing_input}.{_sign(signing_input, secret)}"


def decode(token: str, secret: bytes, *, now: float) -> dict[str, Any]:
    """The claims of a valid token, or `TokenError` with the server's detail.

    Checks in the order the server does: structure, signature, expiry, subject.
    """
    parts = token.split(".")
    # compare_digest refuses non-ASCII text: such a token is malformed anyway.
    if len(parts) != 3 or not token.isascii():
        raise TokenError(MISSING_SUBJECT)
    header_b64, claims_b64, signature = parts
    try:
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(claims_b64))
    except (ValueError, UnicodeDecodeError):
        raise TokenError(MISSING_SUBJECT) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenError(MISSING_SUBJECT)
    expected = _sign(f"{header_b64}.{claims_b64}", secret)
    if header.get("alg") != "HS256" or not hmac.compare_digest(signature, expected):
        raise TokenError(BAD_SIGNATURE)
    exp = claims.get("exp")
    if isinstance(exp, int | float) and exp <= now:
        raise TokenError(EXPIRED)
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenError(MISSING_SUBJECT)
    return claims

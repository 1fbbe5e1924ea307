"""Keep passwords, tokens and tickets out of logs, reprs and exception messages.

Two nets: the exact secret values this process has handled (registered as the clients see them),
and patterns for secrets we never saw (any bearer header, JWT, `t=`/`token=` query parameter or
`"access_token": ...` JSON field). A logging filter applies both to our logger and to the loggers
of the libraries we drive (httpx and httpcore log URLs; websockets logs the `?t=<ticket>` URL).
"""

from __future__ import annotations

import collections
import logging
import re
import threading

MASK = "***"
_MAX_REMEMBERED = 512

# After "bearer ", a credential; `_mask_bearer` leaves a plain short word ("the bearer token was
# rejected") as written.
_BEARER = re.compile(r"(?i)\b(bearer\s+)([^\s\"',;]+)")
_PROSE_WORD = re.compile(r"[A-Za-z]{1,19}[.!?:)]*")
_PATTERNS = (
    re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*"),
    re.compile(
        r"(?i)([?&](?:t|ticket|token|access_token|password|client_secret|approval_token)=)[^&\s\"'#]+"
    ),
    re.compile(
        r"(?i)([\"'](?:access_token|password|new_password|old_password|ticket|token|client_secret"
        r"|approval_token)[\"']\s*:\s*[\"'])[^\"']*"
    ),
)

# Loggers whose records can carry a URL or header of ours. Filters on a logger only see records
# created on that very logger, not on its children, hence every leaf is named.
_LOGGERS = (
    "mongars_client",
    "mongars_client.stream",
    "mongars_client.testing",
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    # h2's header codec logs every header it encodes or decodes, Authorization included.
    "hpack.hpack",
    "websockets",
    "websockets.client",
    "websockets.server",
)

# Every secret seen, oldest first; the oldest age out beyond _MAX_REMEMBERED (tickets, old tokens).
_secrets: dict[str, None] = {}
# Secrets in use (a client's password, its current token), with how many holders pin each: never
# aged out, however many tickets a long-lived process issues.
_pinned: dict[str, int] = {}
_lock = threading.Lock()
# The garbage collector runs finalizers at any allocation, including one made while this thread
# holds `_lock`, and a finalizer may log (a stream closed by the collector) or give a secret
# back: waiting on `_lock` there would wait forever. So `redact` reads `_masked`, a snapshot the
# writers replace under the lock, and finalizers queue their releases in `_released` for the
# next writer to apply.
_masked: tuple[str, ...] = ()
_released: collections.deque[str] = collections.deque()


# Shorter values are left to the patterns: masking every "wrong" or "admin" in every message
# would garble the text, and the API refuses passwords shorter than this anyway.
MIN_SECRET_LENGTH = 8


def register_secret(value: str | None) -> None:
    """Remember a secret so that `redact` masks it wherever it turns up (short values ignored)."""
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    with _lock:
        _unpin_released()
        _secrets.pop(value, None)  # seen again: the newest, last to age out
        _secrets[value] = None
        while len(_secrets) > _MAX_REMEMBERED:
            del _secrets[next(iter(_secrets))]
        _publish()


def pin_secret(value: str | None) -> None:
    """Register a secret in use and keep masking it until `unpin_secret` (counted per holder)."""
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    register_secret(value)
    with _lock:
        _unpin_released()
        _pinned[value] = _pinned.get(value, 0) + 1
        _publish()


def unpin_secret(value: str | None) -> None:
    """One holder no longer uses `value`: it may age out like any other secret seen."""
    if not value:
        return
    with _lock:
        _unpin_released()
        _unpin(value)
        _publish()


def release_secret_later(value: str) -> None:
    """`unpin_secret` for a finalizer: safe wherever the collector runs it (see `_released`)."""
    _released.append(value)


def _unpin(value: str) -> None:
    holders = _pinned.get(value, 0) - 1
    if holders > 0:
        _pinned[value] = holders
    else:
        _pinned.pop(value, None)


def _unpin_released() -> None:
    """Apply the queued releases; the caller holds `_lock`."""
    while _released:
        _unpin(_released.popleft())


def _publish() -> None:
    """Replace `redact`'s snapshot; the caller holds `_lock`."""
    global _masked
    _masked = (*_secrets, *_pinned)


def _mask_bearer(match: re.Match[str]) -> str:
    value = match.group(2)
    if _PROSE_WORD.fullmatch(value):  # a word of prose, not a credential: keep it
        return match.group(0)
    return match.group(1) + MASK


def redact(text: str) -> str:
    """`text` with every known secret and every secret-looking pattern replaced by `***`."""
    if not text:
        return text
    known = [s for s in _masked if s in text]  # no lock: see `_masked`
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _BEARER.sub(_mask_bearer, text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites a record's message and traceback through `redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; never drops a record."""
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the filter to every logger that may see our secrets (idempotent)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


install_log_redaction()

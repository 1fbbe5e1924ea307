"""The login `mongars login --save` keeps for later commands: one file, readable by its owner only.

The file holds the server's base URL and the token (never the password). Later commands use it
for that server only, so a token is never sent to another one.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path

import attrs

from mongars_client._redact import register_secret
from mongars_client._token import Token
from mongars_client.errors import ConfigurationError

FILE_NAME = "token.json"
FILE_MODE = 0o600
DIR_MODE = 0o700


def config_dir() -> Path:
    """Where the CLI keeps its files: `$XDG_CONFIG_HOME/mongars`, `~/.config/mongars`, or
    `%APPDATA%\\mongars` on Windows."""
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "mongars"


def token_path() -> Path:
    """The saved login's file."""
    return config_dir() / FILE_NAME


@attrs.frozen
class SavedLogin:
    """A token saved for one server."""

    base_url: str
    token: Token
    path: Path


def save(base_url: str, token: Token, path: Path | None = None) -> Path:
    """Write the login to `path` (default `token_path()`), mode 0600, replacing any earlier one."""
    path = path or token_path()
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    document = {
        "base_url": base_url,
        "access_token": token.access_token,
        "token_type": token.token_type,
    }
    # Created 0600 from the start (a chmod after writing would leave a moment of wider access),
    # then renamed over the old file, so a reader never sees half a file.
    descriptor, temporary = tempfile.mkstemp(prefix=".token-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            if hasattr(os, "fchmod"):
                os.fchmod(file.fileno(), FILE_MODE)
            json.dump(document, file)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


def load(path: Path | None = None) -> SavedLogin | None:
    """The saved login, or None when there is none; `ConfigurationError` when it is unusable."""
    path = path or token_path()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ConfigurationError(f"cannot read the saved login {path}: {error.strerror}") from None
    if sys.platform != "win32" and stat.S_IMODE(mode) & 0o077:
        raise ConfigurationError(
            f"the saved login {path} is readable by other users (mode "
            f"{stat.S_IMODE(mode):04o}): run `chmod 600 {path}`, or delete it and log in again"
        )
    try:
        document = json.loads(text)
        base_url, access_token = document["base_url"], document["access_token"]
        token_type = document.get("token_type", "bearer")
        if not all(isinstance(value, str) for value in (base_url, access_token, token_type)):
            raise TypeError("not strings")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ConfigurationError(
            f"the saved login {path} is damaged: delete it and run `mongars login --save`"
        ) from None
    register_secret(access_token)
    return SavedLogin(base_url, Token.from_access_token(access_token, token_type), path)

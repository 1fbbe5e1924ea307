"""Fixtures every test package may use."""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mongars_client import _redact

# pytester runs a test session inside a test: how the secret-capture fixture below is tested.
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
PUBLISHED_SPEC = SHARED / "monGARS" / "openapi-2025-11-23.json"
OLDER_SPEC = SHARED / "monGARS" / "openapi-2025-10-17.json"


def shared_file(path: Path) -> Path:
    """`path` inside ../shared, or skip the test: users' machines do not have ../shared."""
    if not path.is_file():
        pytest.skip(f"{path} is absent: ../shared exists only in the project's workspace and CI")
    return path


@pytest.fixture
def our_spec() -> dict[str, Any]:
    """Our openapi.json, parsed."""
    spec: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())
    return spec


@pytest.fixture
def published_spec() -> dict[str, Any]:
    """The newest spec the server published (skips when ../shared is absent)."""
    spec: dict[str, Any] = json.loads(shared_file(PUBLISHED_SPEC).read_text())
    return spec


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio only: the SDK targets asyncio."""
    return "asyncio"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run every `async def` test on asyncio through anyio's plugin, without marking each one."""
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.anyio)


# --- No secret in any log record -----------------------------------------------------------------
# Every test runs with the root logger at DEBUG and a handler that keeps the text of each record,
# from every logger and thread. At the end of the test, a record containing a password, token or
# ticket that the test used fails it. "Used" means: registered by the SDK (every password, token,
# ticket and approval token it handles goes through `mongars_client._redact.register_secret`), or
# issued or accepted by a simulator (passwords of its accounts, the JWTs and tickets it hands out),
# so raw-httpx tests of the simulator are covered as well as SDK tests.
# As `register_secret`: shorter values would match ordinary text.
MIN_SECRET_LENGTH = _redact.MIN_SECRET_LENGTH
_used_secrets: set[str] = set()


class _RecordingSecrets(dict[str, None]):
    """The SDK's registry of secrets, noting every value registered (again) during a test."""

    def __setitem__(self, key: str, value: None) -> None:
        _used_secrets.add(key)
        super().__setitem__(key, value)


def _note_result(method: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        secret = method(*args, **kwargs)
        _used_secrets.add(secret)
        return secret

    return wrapper


def _note_password(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, username: str, password: str, *args: Any, **kwargs: Any) -> Any:
        _used_secrets.add(password)
        return method(self, username, password, *args, **kwargs)

    return wrapper


@pytest.fixture(scope="session", autouse=True)
def _learn_secrets() -> Iterator[None]:
    """Hook the places secrets are born, once for the session (see `_no_secret_in_logs`)."""
    patch = pytest.MonkeyPatch()
    # `register_secret` stores into this module global by name, so a recording dict sees every
    # call, whichever module imported the function.
    patch.setattr(_redact, "_secrets", _RecordingSecrets(_redact._secrets))
    try:
        from mongars_client.testing._state import State
    except ImportError:  # no simulator extra: only the SDK's secrets are watched
        pass
    else:
        patch.setattr(State, "issue_token", _note_result(State.issue_token))
        patch.setattr(State, "issue_ticket", _note_result(State.issue_ticket))
        patch.setattr(State, "add_account", _note_password(State.add_account))
        patch.setattr(State, "set_password", _note_password(State.set_password))
    yield
    patch.undo()


class _LogText(logging.Handler):
    """Keeps the text of every record: message, traceback and stack, after the filters ran."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep both raw
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and not record.exc_text:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        elif record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        self.texts.append(f"{record.name}: {text}")


@pytest.fixture(autouse=True)
def _no_secret_in_logs(_learn_secrets: None) -> Iterator[None]:
    """Fail the test if any log record, at any level, from any logger, shows a secret it used."""
    _used_secrets.clear()
    handler = _LogText()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    secrets = {s for s in _used_secrets if len(s) >= MIN_SECRET_LENGTH}
    logged = "\n".join(handler.texts)
    found = sorted((s for s in secrets if s in logged), key=len, reverse=True)
    if found:
        leaks = [line for line in handler.texts if any(s in line for s in found)]
        for secret in found:  # the report itself must not show them
            leaks = [line.replace(secret, _redact.MASK) for line in leaks]
        shown = "\n".join(line[:300] for line in leaks[:10])
        pytest.fail(f"{len(leaks)} log record(s) show a secret this test used:\n{shown}")


# --- No proxy from the machine's environment ---------------------------------------------------
# The clients follow HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and NO_PROXY as httpx does; the tests'
# servers are on loopback, and a test that wants a proxy sets one itself.
_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "MONGARS_PROXY")


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)

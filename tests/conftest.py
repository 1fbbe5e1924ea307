"""Fixtures every test package may use."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest

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

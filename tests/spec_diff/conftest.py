"""Fixtures of the spec_diff tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_git_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop GIT_* variables (set when tests run from a git hook): the git commands of these
    tests must reach their temporary repositories, not the repository of the hook."""
    for name in [n for n in os.environ if n.startswith("GIT_")]:
        monkeypatch.delenv(name)

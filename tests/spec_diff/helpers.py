"""Helpers for the spec_diff tests: mutate a copy of the newest spec and classify the change."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scripts import spec_diff
from tests.conftest import ROOT

Spec = dict[str, Any]
Mutation = Callable[[Spec], object]


# Our openapi.json: the newest published spec on the wire, in our prose, so that these tests
# also run where ../shared is absent. `classify` copies it before any change.
NEWEST: Spec = json.loads((ROOT / "openapi.json").read_text())


def schema(spec: Spec, name: str) -> dict[str, Any]:
    """`components.schemas[name]` of `spec`."""
    found: dict[str, Any] = spec["components"]["schemas"][name]
    return found


def operation(spec: Spec, path: str, method: str = "post") -> dict[str, Any]:
    """The operation at `method path` of `spec`."""
    found: dict[str, Any] = spec["paths"][path][method]
    return found


def classify(
    mutate: Mutation, prepare: Mutation | None = None
) -> tuple[spec_diff.Report, list[spec_diff.Change]]:
    """Diff the newest spec (after `prepare`, if given) against a copy changed by `mutate`;
    returns the report and those of its changes that are not documentation-only."""
    old = copy.deepcopy(NEWEST)
    if prepare is not None:
        prepare(old)
    new = copy.deepcopy(old)
    mutate(new)
    report = spec_diff.diff(old, new)
    wire = [c for c in report.changes if c.severity is not spec_diff.Severity.DOCUMENTATION]
    return report, wire


def single(changes: list[spec_diff.Change], operation_name: str) -> spec_diff.Change:
    """The one change reported for `operation_name` (fails with the list otherwise)."""
    found = [c for c in changes if c.operation == operation_name]
    assert len(found) == 1, [c.as_dict() for c in changes]
    return found[0]


GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.com"]
GIT_IDENTITY += ["-c", "commit.gpgsign=false"]


def git(repo: Path, *args: str) -> None:
    """Run git in `repo` as a throwaway identity, failing the test if git fails."""
    subprocess.run(["git", *GIT_IDENTITY, *args], cwd=repo, check=True, capture_output=True)

"""The two specs the server published (../shared/monGARS): 2025-10-17, then 2025-11-23."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import spec_diff
from tests.conftest import OLDER_SPEC, PUBLISHED_SPEC, shared_file

ADDED_OPERATIONS = {
    ("llm.chat", "$.paths['/llm/chat'].post"),
    ("llm.health", "$.paths['/llm/health'].get"),
    ("llm.approve", "$.paths['/llm/security/approve'].post"),
}
CHAT_REQUEST_FIELDS = {
    f"$.components.schemas.ChatRequest.properties.{field}"
    for field in ("allowed_actions", "approval_token", "token_ref")
}


def published() -> tuple[Path, Path]:
    return shared_file(OLDER_SPEC), shared_file(PUBLISHED_SPEC)


def test_older_to_newer_only_adds() -> None:
    older, newer = published()
    report = spec_diff.diff(spec_diff.load(older), spec_diff.load(newer))
    assert not report.breaking
    assert (report.verdict, report.bump) == ("non-breaking", "minor")
    assert all(c.addition and c.section == "Added" for c in report.changes)
    operations = {(c.operation, c.path) for c in report.changes if c.kind == "operation-added"}
    assert operations == ADDED_OPERATIONS
    fields = [c for c in report.changes if c.kind == "optional-added"]
    assert {c.path for c in fields} == CHAT_REQUEST_FIELDS
    assert {c.operation for c in fields} == {"conversation.chat"}
    assert len(report.changes) == len(operations) + len(fields)
    markdown = report.markdown("older", "newer")
    assert "## `llm.chat`: POST /llm/chat" in markdown
    assert "request body field `approval_token`: added, optional" in markdown


def test_newer_to_older_breaks_by_removing_operations() -> None:
    older, newer = published()
    report = spec_diff.diff(spec_diff.load(newer), spec_diff.load(older))
    assert report.breaking
    assert (report.verdict, report.bump) == ("breaking", "major")
    assert all(c.severity is spec_diff.Severity.BREAKING for c in report.changes)
    removed = {(c.operation, c.path) for c in report.changes if c.kind == "operation-removed"}
    assert removed == ADDED_OPERATIONS
    fields = {c.path for c in report.changes if c.kind == "field-removed"}
    assert fields == CHAT_REQUEST_FIELDS


@pytest.mark.parametrize(("direction", "status"), [("older-to-newer", 0), ("newer-to-older", 1)])
def test_the_command_fails_on_breaking_only_when_asked(
    direction: str, status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    older, newer = published()
    old, new = (older, newer) if direction == "older-to-newer" else (newer, older)
    assert spec_diff.main([str(old), str(new), "--fail-on-breaking"]) == status
    assert spec_diff.main([str(old), str(new)]) == 0
    capsys.readouterr()
    assert spec_diff.main([str(old), str(new), "--json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["breaking"] is bool(status)
    assert as_json["old"] == {"file": str(old), "version": "0.1.0"}

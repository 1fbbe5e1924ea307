"""Versions and changelog entries (scripts/release.py), without running the generator."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from scripts import release
from tests.conftest import ROOT
from tests.spec_diff.helpers import Spec, classify, git, operation, schema


@pytest.mark.parametrize(
    ("version", "level", "expected"),
    [
        ("0.1.0", "major", "1.0.0"),
        ("0.1.0", "minor", "0.2.0"),
        ("0.1.0", "patch", "0.1.1"),
        ("1.4.2", "minor", "1.5.0"),
        ("1.4.2", "major", "2.0.0"),
    ],
)
def test_bump_version(version: str, level: str, expected: str) -> None:
    assert release.bump_version(version, level) == expected


def test_only_plain_semantic_versions_are_bumped() -> None:
    with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
        release.bump_version("1.0.0rc1", "patch")


def test_the_version_lives_in_one_line_of_version_py() -> None:
    source = (ROOT / release.VERSION_FILE).read_text()
    current = release.read_version(source)
    rewritten = release.write_version(source, "9.8.7")
    assert release.read_version(rewritten) == "9.8.7"
    assert rewritten.replace('"9.8.7"', f'"{current}"') == source
    assert 'path = "facade/mongars_client/_version.py"' in (ROOT / "pyproject.toml").read_text()


def test_the_committed_changelog_starts_at_the_current_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    version = release.read_version((ROOT / release.VERSION_FILE).read_text())
    assert changelog.startswith(release.CHANGELOG_HEADER)
    assert f"\n## {version} - " in changelog


def test_a_changelog_entry_lists_the_changes_by_section() -> None:
    def several(spec: Spec) -> None:
        spec["paths"].pop("/ready")
        schema(spec, "ChatResponse")["properties"]["model"] = {"type": "string"}
        schema(spec, "ChatRequest")["properties"]["message"]["maxLength"] = 2000
        operation(spec, "/healthz", "get")["summary"] = "Is it up?"

    report, _ = classify(several)
    entry = release.changelog_entry("1.0.0", date(2026, 1, 2), "0.2.0", report)
    assert entry.startswith("## 1.0.0 - 2026-01-02\n\nSpec `info.version` 0.2.0. Major version: ")
    sections = [line for line in entry.splitlines() if line.startswith("### ")]
    assert sections == ["### Breaking", "### Added", "### Changed", "### Documentation"]
    assert "- `system.ready`: operation removed: GET /ready" in entry
    assert "- `conversation.chat`: response 200 field `model`: added" in entry
    assert "- `conversation.chat`: request body field `message`: maxLength raised" in entry
    assert "- `system.healthz`: summary changed" in entry


def test_update_changelog_replaces_the_entries_written_since_the_last_commit() -> None:
    committed = release.CHANGELOG_HEADER + "\n## 0.1.0 - 2026-01-01\n\nFirst.\n"
    first = release.update_changelog(committed, "## 0.2.0 - 2026-01-02\n\nMinor.\n", "0.1.0")
    assert first == release.CHANGELOG_HEADER + (
        "\n## 0.2.0 - 2026-01-02\n\nMinor.\n\n## 0.1.0 - 2026-01-01\n\nFirst.\n"
    )
    again = release.update_changelog(first, "## 0.2.0 - 2026-01-02\n\nMinor.\n", "0.1.0")
    assert again == first
    major = release.update_changelog(first, "## 1.0.0 - 2026-01-03\n\nMajor.\n", "0.1.0")
    assert "## 0.2.0" not in major
    assert major.index("## 1.0.0") < major.index("## 0.1.0")


def test_update_changelog_keeps_the_unreleased_section_on_top() -> None:
    unreleased = "## Unreleased\n\n### Added\n\n- A hand-written line.\n"
    committed = release.CHANGELOG_HEADER + f"\n{unreleased}\n## 0.1.0 - 2026-01-01\n\nFirst.\n"
    updated = release.update_changelog(committed, "## 0.2.0 - 2026-01-02\n\nMinor.\n", "0.1.0")
    assert updated == release.CHANGELOG_HEADER + (
        f"\n{unreleased}\n## 0.2.0 - 2026-01-02\n\nMinor.\n\n## 0.1.0 - 2026-01-01\n\nFirst.\n"
    )
    assert release.update_changelog(updated, "## 0.2.0 - 2026-01-02\n\nMinor.\n", "0.1.0") == (
        updated
    )


def test_update_changelog_creates_the_file_with_its_header() -> None:
    created = release.update_changelog("", "## 0.1.1 - 2026-01-02\n\nPatch.\n", "0.1.0")
    assert created == release.CHANGELOG_HEADER + "\n## 0.1.1 - 2026-01-02\n\nPatch.\n"


def test_the_release_date_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764590400")
    assert release.release_date() == date(2025, 12, 1)


def minimal_repo(repo: Path) -> Path:
    """The files the step reads, in `repo` (not yet a git repository)."""
    shutil.copy2(ROOT / "openapi.json", repo / "openapi.json")
    (repo / release.VERSION_FILE).parent.mkdir(parents=True)
    shutil.copy2(ROOT / release.VERSION_FILE, repo / release.VERSION_FILE)
    return repo


def test_the_step_is_skipped_with_a_note_outside_a_git_repository(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = minimal_repo(tmp_path)
    release.record_spec_change(repo)
    err = capsys.readouterr().err
    assert err.startswith("note: no spec change report: no commit to compare with")
    assert err.count("\n") == 1
    assert not (repo / "CHANGELOG.md").exists()


def test_the_step_is_skipped_with_a_note_when_git_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release.shutil, "which", lambda name: None)
    release.record_spec_change(minimal_repo(tmp_path))
    assert capsys.readouterr().err == "note: no spec change report: git is not available\n"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_step_is_skipped_with_a_note_when_head_has_no_spec(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = minimal_repo(tmp_path)
    git(repo, "init", "-q")
    git(repo, "add", str(release.VERSION_FILE))
    git(repo, "commit", "-q", "-m", "first commit, without the spec")
    spec = json.loads((repo / "openapi.json").read_text())
    spec["paths"].pop("/ready")
    (repo / "openapi.json").write_text(json.dumps(spec))
    release.record_spec_change(repo)
    expected = "note: no spec change report: HEAD has no openapi.json (first commit?)\n"
    assert capsys.readouterr().err == expected
    assert (repo / release.VERSION_FILE).read_bytes() == (ROOT / release.VERSION_FILE).read_bytes()

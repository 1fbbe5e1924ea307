"""Versions and changelog entries (scripts/release.py), without running the generator."""

from __future__ import annotations

import json
import re
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


# --- The SDK's own changes: the lines under `## Unreleased` -------------------------------------

UNRELEASED = """## Unreleased

### Added

- `timeout_total=`: a bound on a whole call,
  its waits included.

### Fixed

- Errors pickle.
"""
RELEASED = "## 0.1.0 - 2026-01-01\n\nFirst.\n"


def test_the_unreleased_lines_are_read_by_sub_heading() -> None:
    text = release.CHANGELOG_HEADER + "\n" + UNRELEASED + "\n" + RELEASED
    sdk = release.parse_unreleased(text)
    assert sdk.sections == {
        "Added": ["- `timeout_total=`: a bound on a whole call,\n  its waits included."],
        "Fixed": ["- Errors pickle."],
    }
    assert sdk.level == "minor"
    assert not release.parse_unreleased(release.CHANGELOG_HEADER + "\n" + RELEASED)


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        (["Fixed"], "patch"),
        (["Fixed", "Added"], "minor"),
        (["Added", "Changed"], "major"),
        (["Removed"], "major"),
        (["Breaking", "Fixed"], "major"),
        (["Documentation"], "patch"),
    ],
)
def test_the_kind_of_an_sdk_change_is_its_sub_heading(sections: list[str], expected: str) -> None:
    text = "## Unreleased\n\n" + "".join(f"### {s}\n\n- a change\n\n" for s in sections)
    assert release.parse_unreleased(text).level == expected


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ("### Improved\n\n- faster\n", "unknown sub-heading '### Improved'"),
        ("- a line before any sub-heading\n", "before any ### sub-heading"),
        ("### Fixed\n\nSome prose.\n", "is not a `- ` line"),
    ],
)
def test_an_unreadable_unreleased_section_is_refused(body: str, complaint: str) -> None:
    with pytest.raises(release.ChangelogError, match=re.escape(complaint)):
        release.parse_unreleased("## Unreleased\n\n" + body + "\n" + RELEASED)


@pytest.mark.parametrize(
    ("spec_edit", "sdk_sections", "level"),
    [
        (None, ["Fixed"], "patch"),
        (None, ["Added", "Fixed"], "minor"),
        (None, ["Changed"], "major"),
        ("add a field", ["Fixed"], "minor"),
        ("add a field", ["Removed"], "major"),
        ("remove an operation", ["Fixed"], "major"),
    ],
)
def test_the_version_moves_by_the_larger_of_the_spec_and_the_sdk(
    spec_edit: str | None, sdk_sections: list[str], level: str
) -> None:
    def edit(spec: Spec) -> None:
        if spec_edit == "add a field":
            schema(spec, "ChatResponse")["properties"]["model"] = {"type": "string"}
        elif spec_edit == "remove an operation":
            spec["paths"].pop("/ready")

    report = classify(edit)[0] if spec_edit else None
    sdk = release.Unreleased({name: [f"- {name.lower()} thing"] for name in sdk_sections})
    assert release.entry_level(report, sdk) == level
    entry = release.changelog_entry("1.0.0", date(2026, 1, 2), "0.2.0", report, sdk)
    assert f" {level.capitalize()} version: " in entry
    for name in sdk_sections:
        assert f"### {name}\n\n- {name.lower()} thing" in entry


def test_an_entry_of_sdk_changes_only_says_the_spec_is_unchanged() -> None:
    sdk = release.parse_unreleased(UNRELEASED)
    entry = release.changelog_entry("0.2.0", date(2026, 1, 2), "0.1.0", None, sdk)
    assert entry == (
        "## 0.2.0 - 2026-01-02\n\n"
        "Spec `info.version` 0.1.0, unchanged. Minor version: new in the SDK, nothing breaks.\n\n"
        "### Added\n\n- `timeout_total=`: a bound on a whole call,\n  its waits included.\n\n"
        "### Fixed\n\n- Errors pickle.\n"
    )


def test_sdk_lines_come_first_in_the_sections_they_share_with_the_spec() -> None:
    def add_field(spec: Spec) -> None:
        schema(spec, "ChatResponse")["properties"]["model"] = {"type": "string"}

    report, _ = classify(add_field)
    sdk = release.Unreleased({"Added": ["- `client.thing()`"], "Fixed": ["- a fix"]})
    entry = release.changelog_entry("0.2.0", date(2026, 1, 2), "0.2.0", report, sdk)
    assert "### Added\n\n- `client.thing()`\n- `conversation.chat`: response 200 field" in entry
    assert entry.index("### Added") < entry.index("### Fixed")
    assert "Minor version: additions, nothing breaks." in entry


def test_folding_empties_the_unreleased_section_and_keeps_its_heading() -> None:
    text = release.CHANGELOG_HEADER + "\n" + UNRELEASED + "\n" + RELEASED
    folded = release.update_changelog(text, "## 0.2.0 - 2026-01-02\n\nMinor.\n", "0.1.0")
    assert folded == release.CHANGELOG_HEADER + (
        "\n## Unreleased\n\n## 0.2.0 - 2026-01-02\n\nMinor.\n\n" + RELEASED
    )
    assert not release.parse_unreleased(folded)
    assert release.update_changelog(folded, "## 0.2.0 - 2026-01-02\n\nMinor.\n", "0.1.0") == folded


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_step_folds_the_unreleased_lines_into_the_next_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764590400")
    repo = minimal_repo(tmp_path)
    base = release.read_version((repo / release.VERSION_FILE).read_text())
    changelog = repo / "CHANGELOG.md"
    changelog.write_text(release.CHANGELOG_HEADER + "\n" + UNRELEASED + "\n" + RELEASED)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "SDK changes noted under Unreleased")

    # The spec is as committed; the Unreleased lines alone make a minor version.
    release.record_spec_change(repo)
    minor = release.bump_version(base, "minor")
    assert f"version {base} -> {minor} (minor, from ## Unreleased)" in capsys.readouterr().out
    assert release.read_version((repo / release.VERSION_FILE).read_text()) == minor
    folded = changelog.read_text()
    assert folded.startswith(
        release.CHANGELOG_HEADER + f"\n## Unreleased\n\n## {minor} - 2025-12-01\n\n"
        "Spec `info.version` 0.1.0, unchanged. Minor version: "
    )
    assert "### Added\n\n- `timeout_total=`: a bound on a whole call,\n  its waits included.\n" in (
        folded
    )
    assert folded.endswith(RELEASED)

    # Again before the commit: HEAD's lines are folded again, to the same bytes.
    release.record_spec_change(repo)
    assert changelog.read_text() == folded

    # A line noted after the first run joins the same entry, and moves the version from HEAD.
    changelog.write_text(folded.replace("## Unreleased\n", "## Unreleased\n\n### Changed\n\n- x\n"))
    release.record_spec_change(repo)
    major = release.bump_version(base, "major")
    assert release.read_version((repo / release.VERSION_FILE).read_text()) == major
    again = changelog.read_text()
    assert f"## {major} - 2025-12-01" in again and f"## {minor} -" not in again
    assert "### Changed\n\n- x\n" in again and "- Errors pickle." in again

    # Committed: nothing left under Unreleased, nothing to report.
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "release")
    capsys.readouterr()
    release.record_spec_change(repo)
    assert "nothing to report" in capsys.readouterr().err
    assert changelog.read_text() == again


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_step_stops_on_an_unreadable_unreleased_section(tmp_path: Path) -> None:
    repo = minimal_repo(tmp_path)
    (repo / "CHANGELOG.md").write_text("## Unreleased\n\n### Tweaked\n\n- x\n\n" + RELEASED)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    with pytest.raises(SystemExit, match="unknown sub-heading '### Tweaked'"):
        release.record_spec_change(repo)
    assert (repo / release.VERSION_FILE).read_bytes() == (ROOT / release.VERSION_FILE).read_bytes()


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_line_edited_or_removed_before_the_step_is_not_released_as_well(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764590400")
    repo = minimal_repo(tmp_path)
    base = release.read_version((repo / release.VERSION_FILE).read_text())
    changelog = repo / "CHANGELOG.md"
    committed = UNRELEASED.replace("- Errors pickle.", "- Errors pikle.\n- A change undone.")
    committed = committed.replace("### Fixed", "- Moved.\n\n### Fixed")
    changelog.write_text(release.CHANGELOG_HEADER + "\n" + committed + "\n" + RELEASED)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "SDK changes noted under Unreleased")

    # Before `make generate`: a typo fixed, a line taken back, an Added line dropped and
    # another moved to Fixed.
    edited = "## Unreleased\n\n### Fixed\n\n- Errors pickle.\n- Moved.\n"
    changelog.write_text(release.CHANGELOG_HEADER + "\n" + edited + "\n" + RELEASED)
    release.record_spec_change(repo)
    folded = changelog.read_text()
    assert "- Errors pickle." in folded
    assert "pikle" not in folded and "undone" not in folded and "timeout_total" not in folded
    assert "\n### Added\n" not in folded
    assert "### Fixed\n\n- Errors pickle.\n- Moved.\n" in folded
    patch = release.bump_version(base, "patch")
    assert release.read_version((repo / release.VERSION_FILE).read_text()) == patch

    # And again before the commit: the same bytes.
    release.record_spec_change(repo)
    assert changelog.read_text() == folded


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_an_unreadable_section_committed_then_corrected_is_folded(tmp_path: Path) -> None:
    repo = minimal_repo(tmp_path)
    base = release.read_version((repo / release.VERSION_FILE).read_text())
    changelog = repo / "CHANGELOG.md"
    changelog.write_text("## Unreleased\n\n### Tweaked\n\n- x\nstray prose\n\n" + RELEASED)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    # The step says what is wrong; once the working tree is put right, it goes on.
    with pytest.raises(SystemExit, match="unknown sub-heading '### Tweaked'"):
        release.record_spec_change(repo)
    changelog.write_text("## Unreleased\n\n### Fixed\n\n- x\n\n" + RELEASED)
    release.record_spec_change(repo)
    folded = changelog.read_text()
    assert "### Fixed\n\n- x\n" in folded and "Tweaked" not in folded
    patch = release.bump_version(base, "patch")
    assert release.read_version((repo / release.VERSION_FILE).read_text()) == patch
    release.record_spec_change(repo)
    assert changelog.read_text() == folded


@pytest.mark.parametrize("heading", ["## [Unreleased]", "## unreleased", "## Unreleased changes"])
def test_an_unreleased_heading_the_step_would_not_see_is_refused(heading: str) -> None:
    text = release.CHANGELOG_HEADER + f"\n{heading}\n\n### Fixed\n\n- x\n\n" + RELEASED
    with pytest.raises(release.ChangelogError, match="## Unreleased"):
        release.parse_unreleased(text)

"""`make generate` after a spec change: the report, the version bump and the changelog entry,
in a temporary copy of the repository that is a git repository of its own."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import release
from tests.conftest import ROOT
from tests.spec_diff.helpers import Spec, git

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

EPOCH = "1764590400"  # 2025-12-01: entries get a known date
DAY = "2025-12-01"
# The version committed in this repository, and where each kind of change takes it.
BASE = release.read_version((ROOT / release.VERSION_FILE).read_text())
MINOR = release.bump_version(BASE, "minor")
MAJOR_AFTER_MINOR = release.bump_version(MINOR, "major")
MAJOR = release.bump_version(BASE, "major")


def repository_copy(dest: Path) -> Path:
    """What `python -m scripts.regenerate` reads and writes, committed in a new repository."""
    for name in ("openapi.json", "openapi-python-client.toml", ".gitignore"):
        shutil.copy2(ROOT / name, dest / name)
    # The released entries only: the SDK's own Unreleased lines would move the version too
    # (tests/spec_diff/test_release.py folds those).
    changelog = release.without_unreleased((ROOT / "CHANGELOG.md").read_text())
    (dest / "CHANGELOG.md").write_text(changelog)
    ignore = shutil.ignore_patterns("__pycache__", ".regenerate-*")
    shutil.copytree(ROOT / "scripts", dest / "scripts", ignore=ignore)
    shutil.copytree(
        ROOT / "generated" / "mongars_api", dest / "generated" / "mongars_api", ignore=ignore
    )
    (dest / release.VERSION_FILE).parent.mkdir(parents=True)
    shutil.copy2(ROOT / release.VERSION_FILE, dest / release.VERSION_FILE)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "first commit")
    return dest


def regenerate(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.regenerate", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )


def edit_spec(repo: Path, *edits: str) -> None:
    """Apply named edits to the repository's openapi.json."""
    spec: Spec = json.loads((repo / "openapi.json").read_text())
    for edit in edits:
        if edit == "add a response field":  # non-breaking: an addition
            chat_response = spec["components"]["schemas"]["ChatResponse"]
            chat_response["properties"]["model"] = {"type": "string", "title": "Model"}
        elif edit == "remove an operation":  # breaking
            spec["paths"].pop("/ready")
    (repo / "openapi.json").write_text(json.dumps(spec, indent=2) + "\n")


def top(changelog: str) -> str:
    """The header and the `## Unreleased` section, if any: what a new version entry follows."""
    body = changelog[len(release.CHANGELOG_HEADER) :]
    unreleased = re.match(r"\n(## Unreleased\n.*?\n)(?=## )", body, re.DOTALL)
    return release.CHANGELOG_HEADER + "\n" + (unreleased.group(1) if unreleased else "")


def rest(changelog: str) -> str:
    """The entries after the new one."""
    return changelog[len(top(changelog)) :]


def version(repo: Path) -> str:
    return release.read_version((repo / release.VERSION_FILE).read_text())


def test_regenerating_bumps_the_version_and_writes_the_changelog_once(tmp_path: Path) -> None:
    repo = repository_copy(tmp_path)
    changelog = repo / "CHANGELOG.md"
    first_changelog = changelog.read_text()

    # Non-breaking: `--check` reports the stale package and changes nothing else.
    edit_spec(repo, "add a response field")
    checked = regenerate(repo, "--check")
    assert checked.returncode == 1
    assert (version(repo), changelog.read_text()) == (BASE, first_changelog)

    generated = regenerate(repo)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "**Verdict: non-breaking**" in generated.stdout
    assert "## `conversation.chat`: POST /api/v1/conversation/chat" in generated.stdout
    assert f"version {BASE} -> {MINOR} (minor" in generated.stdout
    assert version(repo) == MINOR
    minor_changelog = changelog.read_text()
    assert minor_changelog.startswith(top(first_changelog) + f"## {MINOR} - {DAY}\n")
    assert (
        "### Added\n\n- `conversation.chat`: response 200 field `model`: added\n" in minor_changelog
    )
    assert minor_changelog.endswith(rest(first_changelog))

    # Again before committing: same version, same bytes.
    again = regenerate(repo)
    assert again.returncode == 0, again.stderr
    assert (version(repo), changelog.read_text()) == (MINOR, minor_changelog)

    # Committed: HEAD holds the new spec, nothing to report.
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "spec: add ChatResponse.model")
    after_commit = regenerate(repo)
    assert after_commit.returncode == 0, after_commit.stderr
    assert f"nothing to report (version {MINOR})" in after_commit.stderr
    assert (version(repo), changelog.read_text()) == (MINOR, minor_changelog)

    # Breaking: major, on top of the committed minor version.
    edit_spec(repo, "remove an operation")
    breaking = regenerate(repo)
    assert breaking.returncode == 0, breaking.stdout + breaking.stderr
    assert "**Verdict: breaking**" in breaking.stdout
    assert version(repo) == MAJOR_AFTER_MINOR
    major_changelog = changelog.read_text()
    assert major_changelog.startswith(top(minor_changelog) + f"## {MAJOR_AFTER_MINOR} - {DAY}\n")
    assert "### Breaking\n\n- `system.ready`: operation removed: GET /ready\n" in major_changelog
    assert major_changelog.endswith(rest(minor_changelog))
    assert not (repo / "generated" / "mongars_api" / "api" / "system" / "ready.py").exists()


def test_a_further_edit_before_the_commit_is_versioned_from_head_again(tmp_path: Path) -> None:
    repo = repository_copy(tmp_path)
    edit_spec(repo, "remove an operation")
    assert regenerate(repo).returncode == 0
    assert version(repo) == MAJOR

    # Second thoughts before committing: the operation stays, a field is added instead.
    shutil.copy2(ROOT / "openapi.json", repo / "openapi.json")
    edit_spec(repo, "add a response field")
    result = regenerate(repo)
    assert result.returncode == 0, result.stderr
    assert version(repo) == MINOR
    headings = [
        line for line in (repo / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")
    ]
    committed = [
        line
        for line in release.without_unreleased((ROOT / "CHANGELOG.md").read_text()).splitlines()
        if line.startswith("## ")
    ]
    unreleased = [h for h in committed if h == "## Unreleased"]
    released = [h for h in committed if h != "## Unreleased"]
    assert headings == [*unreleased, f"## {MINOR} - {DAY}", *released]

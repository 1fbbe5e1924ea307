"""Step 5 of the regeneration: when `openapi.json` changed, report it, version it, log it.

The rule, which makes the step idempotent: the package version is the version committed in
HEAD, moved by what changed between HEAD's `openapi.json` and the working tree's (major for a
breaking change, minor for additions, patch otherwise), and CHANGELOG.md holds exactly one entry
for it. So a second `make generate` before the commit computes the same version and rewrites the
same entry instead of bumping again, a further edit of the spec before the commit re-derives both
from HEAD, and after the commit HEAD holds the new spec: nothing left to report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from scripts import spec_diff

SPEC = Path("openapi.json")
VERSION_FILE = Path("facade/mongars_client/_version.py")
CHANGELOG = Path("CHANGELOG.md")
CHANGELOG_HEADER = """# Changelog

Every version of mongars-client, newest first. `make generate` writes the entry of a version
whenever `openapi.json` changes: major for a breaking change, minor for additions, patch
otherwise (see "The server published a new spec" in the README). Each entry gives the date, the
spec's `info.version` and the changes, grouped as Breaking, Added, Changed and Documentation.
"""

_VERSION_LINE = re.compile(r'^__version__ = "([^"]*)"$', re.MULTILINE)
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_ENTRY = re.compile(r"^## (\S+)", re.MULTILINE)
_UNRELEASED = re.compile(r"^## Unreleased\s*$", re.MULTILINE | re.IGNORECASE)


class Skip(Exception):
    """Why the step cannot run here; the pipeline prints it as a one-line note and goes on."""


def committed(root: Path, relative: Path) -> str:
    """The text of `relative` as committed in HEAD of the repository at `root`."""
    if shutil.which("git") is None:
        raise Skip("git is not available")
    head = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if head.returncode != 0:
        raise Skip("no commit to compare with (not a git repository, or no commit yet)")
    shown = subprocess.run(
        ["git", "show", f"HEAD:./{relative.as_posix()}"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        raise Skip(f"HEAD has no {relative.as_posix()} (first commit?)")
    return shown.stdout


def parse_version(text: str) -> tuple[int, int, int]:
    """`(major, minor, patch)` of a `X.Y.Z` version; `ValueError` for anything else."""
    match = _SEMVER.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a MAJOR.MINOR.PATCH version")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def bump_version(version: str, level: str) -> str:
    """`version` moved by `level`: `major`, `minor` or `patch`."""
    major, minor, patch = parse_version(version)
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    if level == "patch":
        return f"{major}.{minor}.{patch + 1}"
    raise ValueError(f"unknown bump level {level!r}")


def read_version(source: str) -> str:
    """The `__version__` assigned in the text of `_version.py`."""
    match = _VERSION_LINE.search(source)
    if match is None:
        raise ValueError(f'no `__version__ = "..."` line in {VERSION_FILE}')
    return match.group(1)


def write_version(source: str, version: str) -> str:
    """The text of `_version.py` with `version` in its `__version__` line."""
    read_version(source)  # refuse a file we would not change
    return _VERSION_LINE.sub(f'__version__ = "{version}"', source, count=1)


def release_date() -> date:
    """Today, or the day of `SOURCE_DATE_EPOCH` when set (reproducible builds, tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()


def changelog_entry(version: str, day: date, spec_version: str, report: spec_diff.Report) -> str:
    """The CHANGELOG.md entry of `version`: date, spec version, changes by section."""
    reasons = {
        "major": "a change breaks clients generated from the previous spec",
        "minor": "additions, nothing breaks",
        "patch": "nothing breaks, nothing added",
    }
    level = report.bump or "patch"
    lines = [
        f"## {version} - {day.isoformat()}",
        "",
        f"Spec `info.version` {spec_version}. {level.capitalize()} version: {reasons[level]}.",
    ]
    for section in spec_diff.SECTIONS:
        in_section = [c for c in report.changes if c.section == section]
        changes = sorted(in_section, key=lambda c: c.operation)  # stable: spec order within
        if changes:
            lines += ["", f"### {section}", ""]
            lines += [
                f"- `{c.operation}`: {c.describe()}" if c.operation else f"- {c.describe()}"
                for c in changes
            ]
    if not report.changes:
        lines += ["", "No change that reaches the client (the spec's metadata only)."]
    return "\n".join(lines) + "\n"


def update_changelog(text: str, entry: str, base_version: str) -> str:
    """`text` with `entry` first (after `## Unreleased`, if any), after dropping the entries
    newer than `base_version`.

    Those entries can only come from an earlier run since the last commit: `entry` replaces
    them, so regenerating twice never leaves two entries for one release.
    """
    first = _ENTRY.search(text)
    header = (text[: first.start()] if first else text).rstrip() or CHANGELOG_HEADER.rstrip()
    entries = re.split(r"(?m)^(?=## )", text[first.start() :]) if first else []
    base = parse_version(base_version)
    # `## Unreleased` (the hand-written lines of changes not released yet) stays on top.
    unreleased = [e.rstrip() + "\n" for e in entries if _UNRELEASED.match(e)]
    kept = [
        e.rstrip() + "\n"
        for e in entries
        if e.strip() and not _UNRELEASED.match(e) and not _newer(e, base)
    ]
    return "\n".join([header + "\n", *unreleased, entry, *kept])


def _newer(entry: str, base: tuple[int, int, int]) -> bool:
    match = _ENTRY.match(entry)
    try:
        return match is not None and parse_version(match.group(1)) > base
    except ValueError:  # a heading we did not write: keep it
        return False


def record_spec_change(root: Path) -> None:
    """Step 5: compare `openapi.json` with HEAD's; when it differs, print the report, set the
    version to HEAD's moved by the changes, and write its CHANGELOG.md entry."""
    try:
        old_text = committed(root, SPEC)
        base_version = read_version(committed(root, VERSION_FILE))
        parse_version(base_version)
        old = json.loads(old_text)
    except (Skip, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"note: no spec change report: {exc}", file=sys.stderr)
        return
    new = json.loads((root / SPEC).read_text(encoding="utf-8"))
    version_path = root / VERSION_FILE
    current = read_version(version_path.read_text(encoding="utf-8"))
    if old == new:
        # Keep the working tree's version as it is: it may be a bump made by hand.
        differs = f"; HEAD has {base_version}" if current != base_version else ""
        print(
            f"note: openapi.json is as committed in HEAD: nothing to report "
            f"(version {current}{differs})",
            file=sys.stderr,
        )
        return
    try:
        report = spec_diff.diff(old, new)
    except ValueError as exc:
        print(f"note: no spec change report: {exc}", file=sys.stderr)
        return
    level = report.bump or "patch"
    version = bump_version(base_version, level)
    print(report.markdown(f"HEAD:{SPEC}", str(SPEC)))
    source = version_path.read_text(encoding="utf-8")
    version_path.write_text(write_version(source, version), encoding="utf-8")
    changelog_path = root / CHANGELOG
    text = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
    spec_version = str((new.get("info") or {}).get("version", "?"))
    entry = changelog_entry(version, release_date(), spec_version, report)
    changelog_path.write_text(update_changelog(text, entry, base_version), encoding="utf-8")
    print(
        f"version {base_version} -> {version} ({level}, from HEAD's spec); {CHANGELOG} has its "
        "entry: review both, then commit them with openapi.json and generated/"
    )

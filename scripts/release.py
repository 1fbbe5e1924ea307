"""Step 5 of the regeneration: when `openapi.json` or the SDK changed, report it, version it,
log it.

Two sources of change: the spec (HEAD's `openapi.json` against the working tree's: major for a
breaking change, minor for additions, patch otherwise), and the lines under `## Unreleased` in
CHANGELOG.md, where every user-visible change of the hand-written SDK is noted as it is made,
under a sub-heading that says its kind (`### Fixed`: patch, `### Added`: minor, `### Changed`,
`### Removed` or `### Breaking`: major; see `SDK_SECTIONS`).

The rule, which makes the step idempotent: the package version is the version committed in
HEAD, moved by the larger of the two, and CHANGELOG.md holds exactly one entry for it, which
takes the Unreleased lines of HEAD's CHANGELOG.md and of the working tree's (the section is
left empty). So a second `make generate` before the commit computes the same version and
rewrites the same entry instead of bumping again, a further edit before the commit re-derives
both from HEAD, and after the commit HEAD holds the new spec and no Unreleased line: nothing
left to report.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from scripts import spec_diff

SPEC = Path("openapi.json")
VERSION_FILE = Path("facade/mongars_client/_version.py")
CHANGELOG = Path("CHANGELOG.md")
CHANGELOG_HEADER = """# Changelog

Every version of mongars-client, newest first. A user-visible change of the SDK gets a line under
`## Unreleased` when it is made, in `### Added` (a minor version), `### Fixed` (patch) or
`### Changed`, `### Removed`, `### Breaking` (major). `make generate` folds those lines into the
next version's entry with the changes of `openapi.json` (major for a breaking change, minor for
additions, patch otherwise; see "The server published a new spec" in the README). Each entry
gives the date, the spec's `info.version` and the changes by section.
"""
UNRELEASED = "Unreleased"
# What each sub-heading of `## Unreleased` does to the version: a fix is a patch, a new option
# minor, a removed or changed public behaviour major.
SDK_SECTIONS = {
    "Breaking": "major",
    "Removed": "major",
    "Changed": "major",
    "Added": "minor",
    "Deprecated": "minor",
    "Fixed": "patch",
    "Security": "patch",
    "Documentation": "patch",
}
# The order of the sections in an entry (the spec's sections keep theirs within it).
ENTRY_SECTIONS = (
    "Breaking",
    "Removed",
    "Added",
    "Changed",
    "Deprecated",
    "Fixed",
    "Security",
    "Documentation",
)
_RANK = {"patch": 0, "minor": 1, "major": 2}

_VERSION_LINE = re.compile(r'^__version__ = "([^"]*)"$', re.MULTILINE)
_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_ENTRY = re.compile(r"^## (\S+)", re.MULTILINE)


class Skip(Exception):
    """Why the step cannot run here; the pipeline prints it as a one-line note and goes on."""


class ChangelogError(ValueError):
    """The `## Unreleased` section of CHANGELOG.md is not in the shape the step reads."""


@dataclass
class Unreleased:
    """The lines under `## Unreleased` by sub-heading: each a `- ` bullet and its wrapped lines."""

    sections: dict[str, list[str]] = field(default_factory=dict)

    @property
    def level(self) -> str | None:
        """The bump these lines ask for (`major`, `minor`, `patch`), None when there are none."""
        levels = [SDK_SECTIONS[name] for name, items in self.sections.items() if items]
        return max(levels, key=_RANK.__getitem__) if levels else None

    def __bool__(self) -> bool:
        return any(self.sections.values())

    def found_in(self, text: str) -> Unreleased:
        """These lines, keeping only those that `text` holds, whole, under the same `### `."""
        blocks: dict[str, str] = {}
        for match in re.finditer(r"(?ms)^### ([^\n]+)\n(.*?)(?=^##|\Z)", text):
            blocks[match[1].strip()] = blocks.get(match[1].strip(), "") + match[2]
        return Unreleased(
            {
                name: [
                    item
                    for item in items
                    if re.search(rf"(?m)^{re.escape(item)}$", blocks.get(name, ""))
                ]
                for name, items in self.sections.items()
            }
        )

    def merged(self, other: Unreleased) -> Unreleased:
        """These lines, then those of `other` not already here, section by section."""
        sections = {name: list(items) for name, items in self.sections.items()}
        for name, items in other.sections.items():
            mine = sections.setdefault(name, [])
            mine += [item for item in items if item not in mine]
        return Unreleased(sections)


def _unreleased_span(text: str) -> tuple[int, int, int] | None:
    """(start of the heading, start of its body, end of the section) of `## Unreleased`."""
    heading = re.search(rf"(?m)^## {UNRELEASED}[ \t]*$", text)
    if heading is None:
        return None
    following = _ENTRY.search(text, heading.end())
    end = following.start() if following else len(text)
    return heading.start(), heading.end(), end


def parse_unreleased(text: str, *, strict: bool = True) -> Unreleased:
    """The `## Unreleased` section of a CHANGELOG.md text (empty when it has none).

    `ChangelogError` for a sub-heading `SDK_SECTIONS` does not know, a bullet before any
    sub-heading, or a line that is neither a bullet nor the indented continuation of one: a
    change that would be versioned wrongly, or not at all, is refused rather than guessed.
    Not `strict`, such lines are left out instead (for HEAD's text, which the working tree's
    may have put right).
    """
    if strict:
        for heading in re.finditer(r"(?m)^## ([^\n]*)$", text):
            title = heading[1].strip()
            if title != UNRELEASED and not _SEMVER.match(title.split(" ")[0]):
                raise ChangelogError(
                    f"{heading[0].strip()!r} is neither `## {UNRELEASED}` nor a version's "
                    "entry: its lines would be left out of the next version"
                )
    span = _unreleased_span(text)
    if span is None:
        return Unreleased()
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text[span[1] : span[2]].splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("### "):
            name = line[4:].strip()
            if name not in SDK_SECTIONS:
                if not strict:
                    current = None
                    continue
                known = ", ".join(f"### {n}" for n in SDK_SECTIONS)
                raise ChangelogError(
                    f"## {UNRELEASED}: unknown sub-heading {line.strip()!r}; use one of {known}"
                )
            current = sections.setdefault(name, [])
        elif line.startswith("- "):
            if current is None:
                if not strict:
                    continue
                raise ChangelogError(
                    f"## {UNRELEASED}: {line.strip()!r} comes before any ### sub-heading "
                    "(### Added, ### Changed, ### Fixed ...), which says what kind of change it is"
                )
            current.append(line.rstrip())
        elif line[:1].isspace() and current:
            current[-1] += "\n" + line.rstrip()
        elif not strict:
            continue  # prose, or the continuation of a line left out
        else:
            raise ChangelogError(
                f"## {UNRELEASED}, line {number} of the section: {line.strip()!r} is not a `- ` "
                "line under a ### sub-heading"
            )
    return Unreleased(sections)


def without_unreleased(text: str, *, keep_heading: bool = False) -> str:
    """`text` without the `## Unreleased` section (or with its heading only)."""
    span = _unreleased_span(text)
    if span is None:
        return text
    kept = f"## {UNRELEASED}\n\n" if keep_heading else ""
    return text[: span[0]] + kept + text[span[2] :]


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


def entry_level(report: spec_diff.Report | None, sdk: Unreleased) -> str:
    """The larger of the spec's bump and the Unreleased lines'; `patch` when neither asks."""
    levels = [report.bump if report else None, sdk.level]
    return max((lv for lv in levels if lv), key=_RANK.__getitem__, default="patch")


def changelog_entry(
    version: str,
    day: date,
    spec_version: str,
    report: spec_diff.Report | None,
    sdk: Unreleased | None = None,
) -> str:
    """The CHANGELOG.md entry of `version`: date, spec version, changes by section.

    `report` is None when the spec did not change; `sdk` holds the Unreleased lines folded in,
    first in their sections, before the spec's changes.
    """
    sdk = sdk or Unreleased()
    spec_reasons = {
        "major": "a change breaks clients generated from the previous spec",
        "minor": "additions, nothing breaks",
        "patch": "nothing breaks, nothing added",
    }
    sdk_reasons = {
        "major": "a public behaviour of the SDK changed or was removed",
        "minor": "new in the SDK, nothing breaks",
        "patch": "fixes, nothing breaks, nothing added",
    }
    level = entry_level(report, sdk)
    spec_level = (report.bump if report else None) or "patch"
    reason = spec_reasons[level] if _RANK[spec_level] >= _RANK[level] and report else ""
    reason = reason or sdk_reasons[level]
    spec_line = f"Spec `info.version` {spec_version}" + ("" if report else ", unchanged")
    lines = [
        f"## {version} - {day.isoformat()}",
        "",
        f"{spec_line}. {level.capitalize()} version: {reason}.",
    ]
    changes_of_spec = report.changes if report else []
    for section in ENTRY_SECTIONS:
        in_section = [c for c in changes_of_spec if c.section == section]
        changes = sorted(in_section, key=lambda c: c.operation)  # stable: spec order within
        items = list(sdk.sections.get(section, []))
        items += [
            f"- `{c.operation}`: {c.describe()}" if c.operation else f"- {c.describe()}"
            for c in changes
        ]
        if items:
            lines += ["", f"### {section}", "", *items]
    if report is not None and not report.changes and not sdk:
        lines += ["", "No change that reaches the client (the spec's metadata only)."]
    return "\n".join(lines) + "\n"


def update_changelog(text: str, entry: str, base_version: str) -> str:
    """`text` with `entry` first (after `## Unreleased`, if any), after dropping the entries
    newer than `base_version`.

    Those entries can only come from an earlier run since the last commit: `entry` replaces
    them, so regenerating twice never leaves two entries for one release. An `## Unreleased`
    section stays first, emptied: `entry` holds its lines.
    """
    has_unreleased = _unreleased_span(text) is not None
    text = without_unreleased(text)
    first = _ENTRY.search(text)
    header = (text[: first.start()] if first else text).rstrip() or CHANGELOG_HEADER.rstrip()
    entries = re.split(r"(?m)^(?=## )", text[first.start() :]) if first else []
    base = parse_version(base_version)
    kept = [e.rstrip() + "\n" for e in entries if e.strip() and not _newer(e, base)]
    unreleased = [f"## {UNRELEASED}\n"] if has_unreleased else []
    return "\n".join([header + "\n", *unreleased, entry, *kept])


def _newer(entry: str, base: tuple[int, int, int]) -> bool:
    match = _ENTRY.match(entry)
    try:
        return match is not None and parse_version(match.group(1)) > base
    except ValueError:  # a heading we did not write: keep it
        return False


def _unreleased_of(root: Path, text: str) -> Unreleased:
    """The Unreleased lines of HEAD's CHANGELOG.md, then those only in the working tree's.

    HEAD's lines count only while the working tree still holds them (under Unreleased, or in
    the entry an earlier run folded them into): a line reworded, taken back or moved to another
    sub-heading before the step is not released as well, nor does it move the version.
    """
    try:
        in_head = committed(root, CHANGELOG)
    except Skip:  # no CHANGELOG.md in HEAD yet
        in_head = ""
    try:
        folded = without_unreleased(text)  # where an earlier run put them
        head = parse_unreleased(in_head, strict=False)  # only its lines found in `folded` count
        return head.found_in(folded).merged(parse_unreleased(text))
    except ChangelogError as exc:
        raise SystemExit(f"error: {CHANGELOG}: {exc}") from None


def record_spec_change(root: Path) -> None:
    """Step 5: compare `openapi.json` with HEAD's and read the Unreleased lines; when there is
    a change, print the report, set the version to HEAD's moved by the changes, and write its
    CHANGELOG.md entry. Exits with a message when the Unreleased section cannot be read."""
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
    changelog_path = root / CHANGELOG
    text = changelog_path.read_text(encoding="utf-8") if changelog_path.exists() else ""
    sdk = _unreleased_of(root, text)
    if old == new and not sdk:
        # Keep the working tree's version as it is: it may be a bump made by hand.
        differs = f"; HEAD has {base_version}" if current != base_version else ""
        print(
            f"note: openapi.json is as committed in HEAD and no line is under ## {UNRELEASED}: "
            f"nothing to report (version {current}{differs})",
            file=sys.stderr,
        )
        return
    report: spec_diff.Report | None = None
    if old != new:
        try:
            report = spec_diff.diff(old, new)
        except ValueError as exc:
            print(f"note: no spec change report: {exc}", file=sys.stderr)
            return
        print(report.markdown(f"HEAD:{SPEC}", str(SPEC)))
    level = entry_level(report, sdk)
    version = bump_version(base_version, level)
    source = version_path.read_text(encoding="utf-8")
    version_path.write_text(write_version(source, version), encoding="utf-8")
    spec_version = str((new.get("info") or {}).get("version", "?"))
    entry = changelog_entry(version, release_date(), spec_version, report, sdk)
    changelog_path.write_text(update_changelog(text, entry, base_version), encoding="utf-8")
    used = [name for name, given in (("HEAD's spec", report), (f"## {UNRELEASED}", sdk)) if given]
    print(
        f"version {base_version} -> {version} ({level}, from {' and '.join(used)}); {CHANGELOG} "
        "has its entry: review both, then commit them with openapi.json and generated/"
    )

"""Take a new spec from a running server or a file, end to end; or only say if it drifted.

    python -m scripts.update_spec FROM           # make update-spec FROM=<URL or path>
    python -m scripts.update_spec --drift FROM   # make spec-drift FROM=<URL or path>

FROM is a file, or the URL of a running server (its `/openapi.json` is fetched; a URL that
already ends in `.json` is fetched as it is).

The update reads and validates the spec, generates the package from it into a staging folder,
and only then changes the repository: it pins the name of every operation the mapping does not
name yet into `scripts/operations.toml` (the fallback name, written once so that it never
changes by itself later), writes `openapi.json` (the published document, key order kept,
indented as committed: servers serve it on one line), swaps the package in, and
prints the change report, bumps the version and writes the changelog entry (as `make generate`
does). A spec that cannot be fetched, is not JSON or is not valid OpenAPI changes nothing and
ends with a one-line error (exit 2).

The drift check compares FROM with `openapi.json` as a client sees them: exit 0 when they are
wire-equivalent (prose aside), 1 with the report otherwise, 2 when FROM cannot be read. A
scheduled CI job runs it against the production server.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scripts import naming, regenerate, release, spec_diff

FETCH_TIMEOUT = 30.0


class UpdateError(Exception):
    """Why nothing was changed: printed as one line."""


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def shown(source: str) -> str:
    """`source` as messages show it: a URL without its user information (`user:password@`),
    which CI logs must not keep."""
    scheme, sep, rest = source.partition("://")
    if not sep:
        return source
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def spec_url(source: str) -> str | None:
    """The URL to fetch for `source`, or None when `source` is a file."""
    if not source.startswith(("http://", "https://")):
        return None
    if source.split("?", 1)[0].endswith(".json"):
        return source
    return source.rstrip("/") + "/openapi.json"


def fetch(source: str) -> bytes:
    """The bytes of the spec at `source` (a URL or a path)."""
    url = spec_url(source)
    if url is None:
        try:
            return Path(source).read_bytes()
        except OSError as exc:
            raise UpdateError(f"cannot read {source}: {exc.strerror or exc}") from exc
    import httpx

    try:
        response = httpx.get(url, timeout=FETCH_TIMEOUT, follow_redirects=True)
    except httpx.InvalidURL as exc:  # not an httpx.HTTPError
        raise UpdateError(f"{shown(source)} is not a valid URL: {exc}") from exc
    except httpx.HTTPError as exc:
        raise UpdateError(f"cannot fetch {shown(url)}: {exc or type(exc).__name__}") from exc
    if response.status_code != 200:
        raise UpdateError(f"cannot fetch {shown(url)}: the server answered {response.status_code}")
    return response.content


def parse(raw: bytes, source: str) -> dict[str, Any]:
    """The spec in `raw`, validated as OpenAPI."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        spec = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UpdateError(f"{shown(source)} is not JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise UpdateError(f"{shown(source)} is not an OpenAPI document (not a JSON object)")
    try:
        validate(spec)
    except OpenAPIValidationError as exc:
        raise UpdateError(
            f"{shown(source)} is not a valid OpenAPI document: {exc.message}"
        ) from exc
    except Exception as exc:  # the validator raises others on documents far from OpenAPI
        raise UpdateError(f"{shown(source)} is not a valid OpenAPI document: {exc}") from exc
    return spec


def committed_form(spec: dict[str, Any]) -> bytes:
    """The bytes of `openapi.json` for `spec`: two-space indent, as the published files are."""
    return (json.dumps(spec, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def pin_names(names: Sequence[naming.OperationName], mapping_path: Path) -> list[str]:
    """Append the fallback names of `names` to the mapping; returns the lines written."""
    new = [n for n in names if not n.from_mapping]
    if not new:
        return []
    lines = [f'"{n.key}" = "{n.dotted}"' for n in new]
    text = mapping_path.read_text(encoding="utf-8")
    block = [
        "",
        "# Pinned by `make update-spec` (the fallback rule's names): rename them here, if needed,",
        "# before a release; once released, never.",
        *lines,
    ]
    mapping_path.write_text(text.rstrip("\n") + "\n" + "\n".join(block) + "\n", encoding="utf-8")
    return lines


def update(source: str) -> None:
    """`make update-spec FROM=source`."""
    spec = parse(fetch(source), source)
    raw = committed_form(spec)
    try:
        names = naming.name_operations(spec)
    except ValueError as exc:
        raise UpdateError(f"{shown(source)}: {exc}") from exc
    regenerate.BUILD.mkdir(exist_ok=True)
    regenerate.TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".regenerate-", dir=regenerate.TARGET.parent) as tmp:
        staged_spec = Path(tmp) / "openapi.json"
        staged_spec.write_bytes(raw)
        fresh = Path(tmp) / regenerate.PACKAGE
        try:
            regenerate.generate(staged_spec, fresh, regenerate.BUILD)
        except regenerate.RegenerationError as exc:
            raise UpdateError(_one_line(str(exc))) from exc
        # Nothing was changed so far; from here on, only writes of files we hold in memory.
        saved = {
            path: path.read_bytes() if path.exists() else None
            for path in (naming.MAPPING_PATH, regenerate.SPEC)
        }
        try:
            pinned = pin_names(names, naming.MAPPING_PATH)
            if {n.key: (n.group, n.name) for n in names}.items() - naming.load_mapping().items():
                raise UpdateError(f"{naming.MAPPING_PATH.name}: the pinned names did not read back")
            regenerate.SPEC.write_bytes(raw)
            regenerate.swap_in(fresh, regenerate.TARGET)
        except BaseException:
            for path, content in saved.items():
                if content is not None:
                    path.write_bytes(content)
            raise
    print(
        f"generated generated/{regenerate.PACKAGE} ({len(names)} operations) from {shown(source)}"
    )
    # Named again with the mapping as pinned: only stale entries are left to note.
    regenerate.report_names(naming.name_operations(spec), set(naming.load_mapping()))
    release.record_spec_change(regenerate.ROOT)
    if pinned:
        print(f"\npinned {len(pinned)} new operation name(s) in scripts/operations.toml, review:")
        for line in pinned:
            print(f"  {line}")


def drift(source: str) -> int:
    """`make spec-drift FROM=source`: 0 when wire-equivalent, 1 with the report otherwise."""
    theirs = parse(fetch(source), source)
    ours = json.loads(regenerate.SPEC.read_text(encoding="utf-8"))
    try:
        report = spec_diff.diff(ours, theirs)
    except ValueError as exc:
        raise UpdateError(f"{shown(source)}: {exc}") from exc
    wire = [c for c in report.changes if c.severity is not spec_diff.DOCUMENTATION]
    if not wire:
        print(f"no drift: {shown(source)} is wire-equivalent to openapi.json")
        return 0
    print(report.markdown("openapi.json", shown(source)), end="")
    print(
        f"\ndrift: {shown(source)} differs from openapi.json ({report.verdict}); `make update-spec`"
    )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.update_spec",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", help="a running server's URL, or the path of an OpenAPI file")
    parser.add_argument(
        "--drift", action="store_true", help="only compare with openapi.json (exit 1 if it drifted)"
    )
    args = parser.parse_args(argv)
    try:
        if args.drift:
            return drift(args.source)
        update(args.source)
    except UpdateError as exc:
        unchanged = "" if args.drift else "; nothing was changed"
        print(f"error: {_one_line(str(exc))}{unchanged}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

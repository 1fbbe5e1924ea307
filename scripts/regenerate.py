"""Rebuild `generated/mongars_api/` from `openapi.json` with openapi-python-client.

    python -m scripts.regenerate            # make generate
    python -m scripts.regenerate --check    # make check-generated: exit 1 with a diff if stale

Steps: validate the spec, normalise a copy under `build/` (our operation names, see naming.py),
run the generator (its post-hooks run ruff) into a staging folder under `build/`, add `py.typed`
and the spec with our operation names (package data for `check_compatibility()`), then swap
the staging folder in for `generated/mongars_api/`. `--check` compares instead of swapping.
The same inputs give the same bytes, so CI can insist on a clean `git status`.
Finally, when `openapi.json` differs from HEAD's, print the spec change report and set the version
and its CHANGELOG.md entry (release.py); `--check` never does.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scripts import naming, release

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.json"
GENERATOR_CONFIG = ROOT / "openapi-python-client.toml"
TEMPLATES = ROOT / "scripts" / "templates"
PACKAGE = "mongars_api"
TARGET = ROOT / "generated" / PACKAGE
BUILD = ROOT / "build"
# Package data of the generated package (see ship_spec), read by mongars_client.compat.
SHIPPED_SPEC = "openapi.json"
SHIPPED_NAMES = "operations.json"
MAX_DIFF_LINES = 60


class RegenerationError(Exception):
    """Something the person running the script has to fix; printed without a traceback."""


def load_spec(path: Path) -> dict[str, Any]:
    """Read and validate an OpenAPI document."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        spec: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RegenerationError(f"cannot read {path}: {exc}") from exc
    try:
        validate(spec)
    except OpenAPIValidationError as exc:
        raise RegenerationError(f"{path} is not a valid OpenAPI document: {exc.message}") from exc
    return spec


def generator_config() -> dict[str, Any]:
    """Our TOML settings in the shape of the generator's JSON config."""
    with GENERATOR_CONFIG.open("rb") as handle:
        return tomllib.load(handle)


def generate(spec_path: Path, out_dir: Path, work_dir: Path) -> list[naming.OperationName]:
    """Generate the package from `spec_path` into `out_dir` (which must not exist yet).

    `work_dir` receives the normalised spec and the generator's JSON config, for inspection.
    """
    spec = load_spec(spec_path)
    normalised, names = naming.normalise(spec)
    work_dir.mkdir(parents=True, exist_ok=True)
    normalised_path = work_dir / "openapi.normalised.json"
    normalised_path.write_text(json.dumps(normalised, indent=2, sort_keys=True) + "\n")
    config_path = work_dir / "openapi-python-client.json"
    config_path.write_text(json.dumps(generator_config(), indent=2, sort_keys=True) + "\n")

    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(normalised_path),
        "--config",
        str(config_path),
        "--meta",
        "none",
        "--output-path",
        str(out_dir),
        "--fail-on-warning",
    ]
    if TEMPLATES.is_dir():
        command += ["--custom-template-path", str(TEMPLATES)]
    # The post-hooks call `ruff` by name: put this interpreter's ruff first on PATH, so the hooks
    # run the pinned version rather than whatever the machine has (or silently nothing).
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0 or not (out_dir / "__init__.py").is_file():
        raise RegenerationError(f"openapi-python-client failed:\n{result.stdout}{result.stderr}")
    missing = [
        n.dotted for n in names if not (out_dir / "api" / n.group / f"{n.name}.py").is_file()
    ]
    if missing:
        raise RegenerationError(f"the generator did not keep these operation names: {missing}")
    (out_dir / "py.typed").write_text("")
    (out_dir / "security.py").write_text(security_module(normalised), encoding="utf-8")
    ship_spec(spec_path, names, out_dir)
    return names


def ship_spec(spec_path: Path, names: Sequence[naming.OperationName], out_dir: Path) -> None:
    """Put the spec and our operation names inside the package, for `check_compatibility()`.

    `openapi.json` is copied byte for byte (the regeneration still reads only the one at the
    root; `--check` sees a stale copy like any other generated file), and `operations.json`
    maps each `"METHOD /path"` to its `group.name`, so that reports speak the names users import.
    """
    shutil.copyfile(spec_path, out_dir / SHIPPED_SPEC)
    shipped = {n.key: n.dotted for n in names}
    (out_dir / SHIPPED_NAMES).write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")


HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def anonymous_operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path template) of each operation the spec lets through without credentials.

    An operation's own `security` wins over the document's; none at either level, an empty list,
    or an empty alternative (`{}`: credentials optional) means no login is needed. The generator
    only looks at the operation's own `security`, hence this table of ours.
    """
    default = spec.get("security") or []
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            requirements = operation.get("security", default) or []
            if not requirements or any(not requirement for requirement in requirements):
                found.append((method.upper(), path))
    return sorted(found)


def security_module(spec: dict[str, Any]) -> str:
    """The source of `mongars_api/security.py`, formatted as ruff formats it."""
    rows = "".join(
        f"        ({json.dumps(method)}, {json.dumps(path)}),\n"
        for method, path in anonymous_operations(spec)
    )
    table = f"frozenset(\n    {{\n{rows}    }}\n)" if rows else "frozenset()"
    return (
        '"""Which operations need no login: derived from the spec\'s `security` by the SDK\'s\n'
        "regeneration script (openapi-python-client reads an operation's own `security` only, not\n"
        'the document\'s default)."""\n\n'
        "# (HTTP method, path template) of every operation without a security requirement.\n"
        f"ANONYMOUS_OPERATIONS: frozenset[tuple[str, str]] = {table}\n"
    )


def report_names(names: Sequence[naming.OperationName], mapping_keys: set[str]) -> None:
    """Tell the user which operations need a name in the mapping, and which entries are stale."""
    fallen_back = [n for n in names if not n.from_mapping]
    if fallen_back:
        print(
            f"note: {len(fallen_back)} operation(s) are not in scripts/operations.toml and were "
            "named by the fallback rule; add them to the mapping to choose their names:",
            file=sys.stderr,
        )
        for n in fallen_back:
            print(f'  "{n.key}" = "{n.dotted}"', file=sys.stderr)
    stale = sorted(mapping_keys - {n.key for n in names})
    if stale:
        print(
            "note: scripts/operations.toml names operations the spec no longer has:",
            file=sys.stderr,
        )
        for key in stale:
            print(f"  {key}", file=sys.stderr)


def tree_files(root: Path) -> dict[str, Path]:
    """Every file below `root`, keyed by its POSIX path relative to `root` (caches skipped)."""
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def diff_trees(committed: Path, fresh: Path) -> list[str]:
    """Readable differences between the committed package and a fresh one; empty when equal."""
    label = f"generated/{PACKAGE}"
    old, new = tree_files(committed) if committed.exists() else {}, tree_files(fresh)
    lines: list[str] = []
    for rel in sorted(old.keys() | new.keys()):
        if rel not in new:
            lines.append(f"{label}/{rel}: not produced by the spec (delete it, or regenerate)")
        elif rel not in old:
            lines.append(f"{label}/{rel}: missing (the spec produces it)")
        elif old[rel].read_bytes() != new[rel].read_bytes():
            diff = list(
                difflib.unified_diff(
                    old[rel].read_text(errors="replace").splitlines(),
                    new[rel].read_text(errors="replace").splitlines(),
                    f"{label}/{rel} (committed)",
                    f"{label}/{rel} (from openapi.json)",
                    lineterm="",
                )
            )
            lines += diff[:MAX_DIFF_LINES]
            if len(diff) > MAX_DIFF_LINES:
                lines.append(f"... {len(diff) - MAX_DIFF_LINES} more diff lines in {rel}")
    return lines


def swap_in(fresh: Path, target: Path) -> None:
    """Replace `target` by `fresh` with two renames, so no half-written package is ever visible."""
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    fresh.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def record_spec_change(spec: Path, output: Path | None) -> None:
    """Step 5: report the spec change, bump the version, write the changelog entry.

    Only for a regeneration of the package from `openapi.json`: the version describes what
    `openapi.json` produces, not another spec (`--spec`) nor a copy elsewhere (`--output`).
    """
    if output is None and spec.resolve() == SPEC:
        release.record_spec_change(ROOT)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--check", action="store_true", help="compare with generated/ instead of replacing it"
    )
    parser.add_argument(
        "--spec", type=Path, default=SPEC, help="OpenAPI document (default: openapi.json)"
    )
    parser.add_argument(
        "--output", type=Path, help=f"write the package here instead of generated/{PACKAGE}"
    )
    args = parser.parse_args(argv)

    target = args.output.resolve() if args.output else TARGET
    BUILD.mkdir(exist_ok=True)
    # The staging folder sits next to its destination so that the final swap is a rename.
    staging_parent = target.parent if not args.check else BUILD
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".regenerate-", dir=staging_parent) as tmp:
        fresh = Path(tmp) / PACKAGE
        try:
            names = generate(args.spec, fresh, BUILD)
        except RegenerationError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        report_names(names, set(naming.load_mapping()))
        if args.check:
            differences = diff_trees(target, fresh)
            if differences:
                print("\n".join(differences))
                print(
                    f"\ngenerated/{PACKAGE} is not what {args.spec.name} produces: "
                    "run `make generate` and commit the result (never edit generated/ by hand).",
                    file=sys.stderr,
                )
                return 1
            print(f"generated/{PACKAGE} matches {args.spec.name} ({len(names)} operations)")
            return 0
        swap_in(fresh, target)
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    print(f"generated {shown} ({len(names)} operations)")
    record_spec_change(args.spec, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())

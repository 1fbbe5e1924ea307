"""Compare two OpenAPI documents as a client generated from them sees them.

    python -m scripts.spec_diff OLD NEW [--json] [--fail-on-breaking]   # make spec-diff OLD=...

The command-line front of `mongars_client.spec_diff` (the comparison ships inside the package,
for `Client.check_compatibility()` and `mongars doctor`); here operations carry the names of
`scripts/operations.toml`. Exit status: 0, or 1 with `--fail-on-breaking` when something breaks,
2 when a document cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mongars_client.spec_diff import (
    BREAKING,
    DOCUMENTATION,
    NON_BREAKING,
    SECTIONS,
    Change,
    Report,
    Severity,
    load,
)
from mongars_client.spec_diff import diff as _diff
from scripts import naming

__all__ = [
    "BREAKING",
    "DOCUMENTATION",
    "NON_BREAKING",
    "SECTIONS",
    "Change",
    "Report",
    "Severity",
    "diff",
    "load",
    "main",
]


def diff(
    old: dict[str, Any], new: dict[str, Any], mapping: Mapping[str, tuple[str, str]] | None = None
) -> Report:
    """`mongars_client.spec_diff.diff` with the names of `scripts/operations.toml` by default."""
    return _diff(old, new, naming.load_mapping() if mapping is None else mapping)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m scripts.spec_diff",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("old", type=Path, help="the previous OpenAPI document (JSON)")
    parser.add_argument("new", type=Path, help="the new OpenAPI document (JSON)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--fail-on-breaking", action="store_true", help="exit 1 when a change is breaking"
    )
    args = parser.parse_args(argv)
    try:
        report = diff(load(args.old), load(args.new))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(report.as_json(str(args.old), str(args.new)), indent=2, ensure_ascii=False)
        )
    else:
        print(report.markdown(str(args.old), str(args.new)), end="")
    return 1 if args.fail_on_breaking and report.breaking else 0


if __name__ == "__main__":
    sys.exit(main())

"""`regenerate`: seconds for the regeneration pipeline, and for its check mode.

`make generate` is timed as `python -m scripts.regenerate --output build/bench/...`: the same
steps (validate, normalise, openapi-python-client, ruff, swap in), aimed at a scratch folder so
that a benchmark never rewrites `generated/`, the version or the changelog. The check mode is
`make check-generated` itself. Both in fresh processes, as make runs them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench._stats import Figure

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 5.0


def _seconds(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "scripts.regenerate", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run(rounds: int) -> list[Figure]:
    """Both timings, `rounds` runs each, alternated."""
    output = ROOT / "build" / "bench" / "generated" / "mongars_api"
    generate: list[float] = []
    check: list[float] = []
    for _ in range(rounds):
        generate.append(_seconds("--output", str(output)))
        check.append(_seconds("--check"))
    return [
        Figure(
            name=name,
            unit="s",
            ours=statistics.median(samples),
            baseline=None,
            ratios=[],
            target=f"≤ {LIMIT:g} s",
            limit=LIMIT,
            absolute=True,
            samples_ours=samples,
        )
        for name, samples in (("regenerate", generate), ("regenerate_check", check))
    ]

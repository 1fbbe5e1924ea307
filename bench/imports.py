"""`import_time`: importing (and making) a client in fresh interpreters, against httpx.

What a service installs is `mongars-client` without extras, not our development environment
(where httpx finds click, rich and pygments and imports its command line with them). So each
interpreter runs isolated (`-I -S`) on a folder that links only the packages of the base
install (the requirements of `mongars-client`, followed recursively), plus `facade/` and
`generated/`, compiled first as an installed wheel would be. Only the statement is timed, not
the interpreter's start, which is the same for both sides.
"""

from __future__ import annotations

import compileall
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

from bench._stats import Figure, alternate, paired_figure

ROOT = Path(__file__).resolve().parent.parent
DISTRIBUTION = "mongars-client"
URL = "http://127.0.0.1:8000"

# (name, our statement, the baseline's statement)
PAIRS = (
    ("import_time", "import mongars_client", "import httpx"),
    ("import_time_client", "from mongars_client import Client", "import httpx"),
    (
        "import_time_client_made",
        f"from mongars_client import Client; Client({URL!r})",
        f"import httpx; httpx.Client(base_url={URL!r})",
    ),
)


def _requirements(name: str, seen: set[str]) -> None:
    """Add `name` and what it needs (no extras; markers for this interpreter) to `seen`."""
    key = name.lower().replace("_", "-")
    if key in seen:
        return
    seen.add(key)
    for line in metadata.distribution(name).requires or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            _requirements(requirement.name, seen)


def _top_level(name: str) -> set[str]:
    """The top-level packages and modules a distribution installed."""
    names = set()
    for file in metadata.distribution(name).files or []:
        first = file.parts[0]
        if first in {"..", "__pycache__"} or first.endswith((".dist-info", ".pth")):
            continue
        names.add(first)
    return names


def base_environment(folder: Path) -> Path:
    """A folder linking the base install's packages from this environment (rebuilt each run)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    needed: set[str] = set()
    _requirements(DISTRIBUTION, needed)
    site = Path(metadata.distribution("httpx").locate_file(""))
    for name in sorted(needed - {DISTRIBUTION}):
        for top in _top_level(name):
            (folder / top).symlink_to(site / top)
    return folder


def time_statement(paths: list[str], statement: str) -> float:
    """Milliseconds that `statement` takes in a fresh, isolated interpreter."""
    code = (
        f"import sys; sys.path[:0] = {paths!r}\n"
        "import time\n"
        "started = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - started)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "build",
    )
    return float(result.stdout) * 1000


def run(rounds: int) -> list[Figure]:
    """The three import figures; `rounds` fresh interpreters per statement and side."""
    for folder in ("facade", "generated"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    environment = base_environment(ROOT / "build" / "bench" / "base-install")
    paths = [str(environment), str(ROOT / "facade"), str(ROOT / "generated")]
    figures = []
    for name, ours, baseline in PAIRS:
        # One untimed run each: writes the bytecode of single-file modules, warms the disk cache.
        time_statement(paths, ours)
        time_statement(paths, baseline)
        mine, theirs = alternate(
            rounds,
            lambda s=ours: time_statement(paths, s),
            lambda s=baseline: time_statement(paths, s),
        )
        figures.append(
            paired_figure(
                name,
                "ms",
                mine,
                theirs,
                target="≤ 1.3",
                limit=1.3,
                detail={"statement": ours, "baseline_statement": baseline},
            )
        )
    return figures

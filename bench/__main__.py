"""`python -m bench [--quick] [--only NAME,...] [--out build/bench.json]`: run, print, record."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import imports, loopback, many_streams, otel, overhead, regenerate, stream
from bench._server import ServerProcess
from bench._stats import Figure

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "mongars-client",
    "httpx",
    "httpcore",
    "websockets",
    "attrs",
    "fastapi",
    "uvicorn",
    "openapi-python-client",
)
# Every figure `build/bench.json` holds, in the order of the table.
NAMES = (
    "client_overhead_sync",
    "client_overhead_async",
    "otel_overhead",
    "loopback_latency",
    "loopback_latency_p99",
    "import_time",
    "import_time_client",
    "import_time_client_made",
    "stream_throughput",
    "stream_throughput_sync",
    "concurrency",
    "many_streams_memory",
    "many_streams_cpu",
    "regenerate",
    "regenerate_check",
)


@dataclass(frozen=True)
class Sizes:
    """How much each benchmark does: the full run, or `--quick` for the smoke test."""

    overhead_rounds: int
    overhead_calls: int
    import_rounds: int
    latency_calls: int
    latency_chunks: int
    stream_rounds: int
    stream_events: int
    concurrency_rounds: int
    concurrent_calls: int
    many_rounds: int
    many_streams: int
    many_events: int
    regenerate_rounds: int


FULL = Sizes(
    overhead_rounds=21,
    overhead_calls=500,
    import_rounds=21,
    latency_calls=4000,
    latency_chunks=10,
    stream_rounds=6,
    stream_events=20_000,
    concurrency_rounds=10,
    concurrent_calls=500,
    many_rounds=4,
    many_streams=1000,
    many_events=20,
    regenerate_rounds=3,
)
QUICK = Sizes(
    overhead_rounds=2,
    overhead_calls=20,
    import_rounds=2,
    latency_calls=20,
    latency_chunks=2,
    stream_rounds=2,
    stream_events=200,
    concurrency_rounds=2,
    concurrent_calls=20,
    many_rounds=2,
    many_streams=20,
    many_events=5,
    regenerate_rounds=1,
)


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: metadata.version(name) for name in PACKAGES},
    }


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def benchmarks(sizes: Sizes) -> list[tuple[tuple[str, ...], Callable[[], list[Figure]]]]:
    """(names, run) for each benchmark, in table order; runs that need the server share it."""
    server = ServerProcess()

    def with_server(run: Callable[[ServerProcess], list[Figure]]) -> Callable[[], list[Figure]]:
        def started() -> list[Figure]:
            with server:
                return run(server)

        return started

    return [
        (
            ("client_overhead_sync",),
            lambda: [overhead.run_sync(sizes.overhead_rounds, sizes.overhead_calls)],
        ),
        (
            ("client_overhead_async",),
            lambda: [overhead.run_async(sizes.overhead_rounds, sizes.overhead_calls)],
        ),
        (
            ("otel_overhead",),
            with_server(lambda s: [otel.run(s, sizes.overhead_rounds, sizes.overhead_calls)]),
        ),
        (
            ("loopback_latency", "loopback_latency_p99"),
            with_server(
                lambda s: loopback.run_latency(s, sizes.latency_calls, sizes.latency_chunks)
            ),
        ),
        (
            ("import_time", "import_time_client", "import_time_client_made"),
            lambda: imports.run(sizes.import_rounds),
        ),
        (
            ("stream_throughput", "stream_throughput_sync"),
            with_server(
                lambda s: [
                    stream.run_async(s, sizes.stream_rounds, sizes.stream_events),
                    stream.run_sync(s, sizes.stream_rounds, sizes.stream_events),
                ]
            ),
        ),
        (
            ("concurrency",),
            with_server(
                lambda s: [
                    loopback.run_concurrency(s, sizes.concurrency_rounds, sizes.concurrent_calls)
                ]
            ),
        ),
        (
            ("many_streams_memory", "many_streams_cpu"),
            with_server(
                lambda s: many_streams.run(
                    s, sizes.many_rounds, sizes.many_streams, sizes.many_events
                )
            ),
        ),
        (("regenerate", "regenerate_check"), lambda: regenerate.run(sizes.regenerate_rounds)),
    ]


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def _rows(figures: Sequence[Figure]) -> list[tuple[str, ...]]:
    """Header and one row per figure (ratio: median over rounds, with its quartiles)."""
    rows = [("figure", "ours", "baseline", "ratio", "ratio IQR", "target", "met")]
    for figure in figures:
        quartiles = "—"
        if figure.ratios:
            data = figure.as_json()["ratio_spread"]
            quartiles = f"{data['p25']:.3f}..{data['p75']:.3f}"
        ratio = figure.ratio
        rows.append(
            (
                figure.name,
                f"{_number(figure.ours)} {figure.unit}",
                "—" if figure.baseline is None else f"{_number(figure.baseline)} {figure.unit}",
                "—" if ratio is None else f"{ratio:.3f}",
                quartiles,
                figure.target,
                "yes" if figure.met else "NO",
            )
        )
    return rows


def table(figures: Sequence[Figure]) -> str:
    """The figures as a fixed-width table."""
    rows = _rows(figures)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def markdown(figures: Sequence[Figure]) -> str:
    """The figures as a Markdown table, for the README."""
    header, *rows = _rows(figures)
    lines = [header, tuple("---" for _ in header), *((f"`{r[0]}`", *r[1:]) for r in rows)]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument("--only", help="comma-separated figure names (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when a figure misses its target"
    )
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    wanted = set(args.only.split(",")) if args.only else set(NAMES)
    unknown = wanted - set(NAMES)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")

    started, load_before = time.time(), _load()
    figures: list[Figure] = []
    for names, run in benchmarks(sizes):
        if wanted & set(names):
            print(f"measuring {', '.join(names)} ...", file=sys.stderr, flush=True)
            figures += [figure for figure in run() if figure.name in wanted]
    record: dict[str, Any] = {figure.name: figure.as_json() for figure in figures}
    record["machine"] = machine()
    record["run"] = {
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "mode": "quick" if args.quick else "full",
        "seconds": round(time.time() - started, 1),
        "load_average_before": load_before,
        "load_average_after": _load(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")

    print(table(figures))
    if args.markdown:
        print(f"\n{markdown(figures)}")
    info = record["machine"]
    print(
        f"\n{info['cpu']}, {info['cores']} cores, {info['python']}; load average "
        f"{record['run']['load_average_before']} before, {record['run']['load_average_after']} "
        f"after; {record['run']['seconds']} s. Written to {args.out}."
    )
    missed = [figure.name for figure in figures if not figure.met]
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())

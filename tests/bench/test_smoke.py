"""`make bench` works: a quick run prints the table and records every figure. No timing is
checked here (timings belong to `make bench`, on a quiet machine)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# The figures issue 8 asks for, and the companions the bench reports with them.
REQUIRED = (
    "client_overhead_sync",
    "client_overhead_async",
    "loopback_latency",
    "import_time",
    "stream_throughput",
    "concurrency",
    "regenerate",
)
COMPANIONS = (
    "otel_overhead",
    "loopback_latency_p99",
    "import_time_client",
    "import_time_client_made",
    "stream_throughput_sync",
    "regenerate_check",
    "many_streams_memory",  # issue 14: a thousand streams at once (a few in the quick run)
    "many_streams_cpu",
)


@pytest.mark.slow
def test_a_quick_bench_prints_the_table_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    record = json.loads(out.read_text())
    for name in REQUIRED + COMPANIONS:
        figure = record[name]
        assert {"ours", "baseline", "ratio", "unit", "target", "met"} <= set(figure), name
        assert isinstance(figure["ours"], float), name
        assert figure["unit"], name
        if name.startswith("regenerate"):
            assert figure["baseline"] is None
        else:
            assert isinstance(figure["baseline"], float), name
            assert math.isfinite(figure["ratio"]), name
        assert name in result.stdout
    assert record["concurrency"]["errors"] == 0
    assert record["machine"]["python"] and record["machine"]["cores"]
    assert set(record["machine"]["packages"]) >= {"mongars-client", "httpx", "websockets"}
    assert record["run"]["mode"] == "quick"

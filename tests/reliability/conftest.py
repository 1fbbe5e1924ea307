"""What the reliability tests count, and the summary they print at the end of the run.

Each fuzz case, injected fault and stream scenario is tallied by section, category and outcome
(`parsed`, `reconnected`, or the exception's class name). The tests assert every outcome as they
go; the tally is what the run prints (`pytest_terminal_summary`), so the counts the issue asks
for come from the run itself.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from mongars_client.testing import Simulator
    from tests.reliability.fault_proxy import FaultProxy


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[Simulator, FaultProxy]]:
    """A simulator and the fault proxy in front of it, for a module (tests reset the faults)."""
    from mongars_client.testing import Simulator
    from tests.reliability.fault_proxy import FaultProxy
    from tests.reliability.support import PASSWORD, USERNAME

    with (
        Simulator(users={USERNAME: PASSWORD}, chat_rate_limit=None) as sim,
        FaultProxy(sim.port) as proxy,
    ):
        yield sim, proxy


# Any JSON value, small: for extra members, wrong-typed fields and odd event data.
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

# `make fuzz` multiplies every fuzz test's example count (and randomises the run).
FUZZ_SCALE = float(os.environ.get("MONGARS_FUZZ_SCALE", "1"))


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz test of `examples` cases (times MONGARS_FUZZ_SCALE).

    `make test` runs a fixed, derandomised set: the same cases on every machine, no example
    database, no deadline (a loaded 2-core machine must not fail a case for being slow).
    `make fuzz` draws fresh cases and keeps failures in .hypothesis/ to replay them.
    """
    long_run = FUZZ_SCALE != 1
    return settings(
        max_examples=max(1, int(examples * FUZZ_SCALE)),
        derandomize=not long_run,
        database=settings.default.database if long_run else None,
        deadline=None,
        print_blob=long_run,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
            HealthCheck.filter_too_much,
        ],
    )


class Tally:
    """Outcome counts by (section, category, outcome), and seconds spent by (section, category)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.outcomes: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self.unexpected: collections.Counter[tuple[str, str, str]] = collections.Counter()
        self.seconds: collections.Counter[tuple[str, str]] = collections.Counter()
        self.notes: list[str] = []

    def add(self, section: str, category: str, outcome: str, *, expected: bool = True) -> None:
        """Count one case."""
        with self._lock:
            self.outcomes[section, category, outcome] += 1
            if not expected:
                self.unexpected[section, category, outcome] += 1

    def note(self, line: str) -> None:
        """A result to print as it is (a measurement, a count of logins ...)."""
        with self._lock:
            self.notes.append(line)

    @contextmanager
    def timed(self, section: str, category: str) -> Iterator[None]:
        """Add the block's duration to the category's time."""
        started = time.monotonic()
        try:
            yield
        finally:
            with self._lock:
                self.seconds[section, category] += time.monotonic() - started

    def report(self) -> list[str]:
        """The summary's lines."""
        lines: list[str] = []
        sections = sorted({section for section, _, _ in self.outcomes})
        for section in sections:
            rows: dict[str, collections.Counter[str]] = {}
            for (sec, category, outcome), count in self.outcomes.items():
                if sec == section:
                    rows.setdefault(category, collections.Counter())[outcome] += count
            total = sum(sum(c.values()) for c in rows.values())
            lines.append(f"{section}: {total} cases")
            for category in sorted(rows):
                counts = rows[category]
                seconds = self.seconds.get((section, category), 0.0)
                shown = ", ".join(f"{name} {n}" for name, n in counts.most_common())
                lines.append(
                    f"  {category:<38} {sum(counts.values()):>6}  ({seconds:5.1f} s)  {shown}"
                )
        lines += [f"result: {note}" for note in self.notes]
        unexpected = sum(self.unexpected.values())
        kinds = sorted({outcome for _, _, outcome in self.unexpected})
        lines.append(f"unexpected exception types: {len(kinds)} {kinds if kinds else ''}".rstrip())
        if unexpected:
            lines.append(f"unexpected outcomes: {unexpected}")
        return lines


TALLY = Tally()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the counts after the run (with `-q` too)."""
    if TALLY.outcomes or TALLY.notes:
        terminalreporter.write_sep("=", "reliability: cases run, faults injected, outcomes")
        for line in TALLY.report():
            terminalreporter.write_line(line)

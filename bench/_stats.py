"""Figures, A/B alternation and the statistics every benchmark shares."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` quantile (0..1) of `values`, by linear interpolation between ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median, quartiles and extremes: what the table prints next to a figure."""
    return {
        "median": statistics.median(values),
        "p25": percentile(values, 0.25),
        "p75": percentile(values, 0.75),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def alternate(
    rounds: int, ours: Callable[[], float], baseline: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """Run both sides `rounds` times in ABBA order, so that drift in the machine cancels out.

    Each callable measures one sample and returns it. Round r runs ours first when r is even,
    the baseline first when r is odd.
    """
    mine: list[float] = []
    theirs: list[float] = []
    for index in range(rounds):
        if index % 2 == 0:
            mine.append(ours())
            theirs.append(baseline())
        else:
            theirs.append(baseline())
            mine.append(ours())
    return mine, theirs


@dataclass
class Figure:
    """One row of the table: our median, the baseline's, their ratio and the target.

    `ratios` are the per-round ratios ours/baseline (each round measured both sides back to
    back), whose median is the figure's ratio and whose quartiles are its spread, unless
    `ratio_value` gives the ratio (pooled percentiles). A figure without a baseline
    (`regenerate`) is held to an absolute `limit` on `ours` instead.
    """

    name: str
    unit: str
    ours: float
    baseline: float | None
    ratios: list[float]
    target: str
    limit: float
    higher_is_better: bool = False
    absolute: bool = False
    ratio_value: float | None = None
    samples_ours: list[float] = field(default_factory=list)
    samples_baseline: list[float] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """`ratio_value`, else the median of the per-round ratios (None without a baseline)."""
        if self.ratio_value is not None:
            return self.ratio_value
        return statistics.median(self.ratios) if self.ratios else None

    @property
    def met(self) -> bool:
        """Whether the target holds: on the ratio, or on `ours` for an absolute target."""
        value = self.ours if self.absolute else self.ratio
        if value is None:
            return False
        ok = value >= self.limit if self.higher_is_better else value <= self.limit
        return ok and not self.detail.get("errors")

    def as_json(self) -> dict[str, Any]:
        """The figure as `build/bench.json` records it."""
        data: dict[str, Any] = {
            "ours": self.ours,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "unit": self.unit,
            "target": self.target,
            "met": self.met,
        }
        if self.ratios:
            data["ratio_spread"] = spread(self.ratios)
        if self.samples_ours:
            data["ours_spread"] = spread(self.samples_ours)
        if self.samples_baseline:
            data["baseline_spread"] = spread(self.samples_baseline)
        data.update(self.detail)
        return data


def paired_figure(
    name: str,
    unit: str,
    ours: list[float],
    baseline: list[float],
    *,
    target: str,
    limit: float,
    higher_is_better: bool = False,
    detail: dict[str, Any] | None = None,
) -> Figure:
    """A figure from samples measured in pairs (one sample of each side per round)."""
    return Figure(
        name=name,
        unit=unit,
        ours=statistics.median(ours),
        baseline=statistics.median(baseline),
        ratios=[a / b for a, b in zip(ours, baseline, strict=True)],
        target=target,
        limit=limit,
        higher_is_better=higher_is_better,
        samples_ours=ours,
        samples_baseline=baseline,
        detail=detail or {},
    )

"""Distributions as the reports state them (pure)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel


class Spread(BaseModel):
    """Seconds: how many values, their median and 90th percentile (nearest rank), and mean."""

    count: int
    median: float | None
    p90: float | None
    mean: float | None


NO_VALUES = Spread(count=0, median=None, p90=None, mean=None)


def spread(values: Sequence[float]) -> Spread:
    if not values:
        return NO_VALUES
    ordered = sorted(values)
    # Nearest rank: p90 is a value that occurred, the smallest with 90 % at or below it.
    p90 = ordered[math.ceil(0.9 * len(ordered)) - 1]
    mean = round(statistics.fmean(ordered), 3)
    return Spread(count=len(ordered), median=statistics.median(ordered), p90=p90, mean=mean)


def share(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def seconds(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds()

"""A deliverable's KPI inside a rule's window, from its metric snapshots and conversions.

Snapshots are cumulative (campaigns.MetricSnapshot), so the KPI within the window is the
latest snapshot captured between posting and the window's end; conversions are counted
one by one (campaigns.ConversionEvent attributed to the deliverable) by their timestamp.
Pure: the caller loads the rows (one query each for a whole batch of deliverables).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .models import Kpi

CENT = Decimal("0.01")
SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class Measurement:
    value: Decimal
    measured_at: datetime


def window_end(posted_at: datetime, window_days: int) -> datetime:
    return posted_at + timedelta(days=window_days)


def _snapshot_value(kpi: str, snapshot) -> Decimal:
    if kpi == Kpi.VIEWS:
        return Decimal(snapshot.views)
    if kpi == Kpi.AVG_WATCH_SECONDS:
        return Decimal(snapshot.avg_watch_seconds)
    if kpi == Kpi.WATCH_HOURS:
        return Decimal(snapshot.views) * Decimal(snapshot.avg_watch_seconds) / SECONDS_PER_HOUR
    if kpi == Kpi.COMPLETION:
        return Decimal(snapshot.completion_100)
    raise ValueError(f"not a snapshot KPI: {kpi}")


def measure(
    kpi: str,
    *,
    posted_at: datetime,
    window_days: int,
    snapshots: Iterable,
    conversion_times: Iterable[datetime],
    now: datetime,
) -> Measurement | None:
    """The KPI inside the window that is over or still running at `now`; None when nothing
    was measured in it yet."""
    end = min(window_end(posted_at, window_days), now)
    if kpi == Kpi.CONVERSIONS:
        times = sorted(t for t in conversion_times if posted_at <= t <= end)
        if not times:
            return None
        return Measurement(Decimal(len(times)), times[-1])
    inside = [s for s in snapshots if posted_at <= s.captured_at <= end]
    if not inside:
        return None
    latest = max(inside, key=lambda s: (s.captured_at, s.pk))
    value = _snapshot_value(kpi, latest).quantize(CENT, rounding=ROUND_HALF_UP)
    return Measurement(value, latest.captured_at)


def first_passing(
    kpi: str,
    threshold: Decimal,
    *,
    posted_at: datetime,
    window_days: int,
    snapshots: Iterable,
    conversion_times: Iterable[datetime],
    now: datetime,
) -> Measurement | None:
    """The measurement that shows the KPI reached `threshold` inside the window, or None.

    For conversions: the moment the threshold-th conversion happened. For snapshot KPIs:
    the latest snapshot inside the window (views and watch hours only grow; an average
    may dip, and the bonus goes by what the window ended, or stands now, at)."""
    if kpi == Kpi.CONVERSIONS:
        end = min(window_end(posted_at, window_days), now)
        times = sorted(t for t in conversion_times if posted_at <= t <= end)
        needed = int(threshold.to_integral_value(rounding="ROUND_CEILING"))
        if len(times) < needed:
            return None
        return Measurement(Decimal(len(times)), times[needed - 1])
    measured = measure(
        kpi,
        posted_at=posted_at,
        window_days=window_days,
        snapshots=snapshots,
        conversion_times=(),
        now=now,
    )
    if measured is None or measured.value < threshold:
        return None
    return measured

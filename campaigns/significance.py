"""Experiment verdicts: uplift and a two-sided two-proportion z-test, in pure Python.

No verdict before each variant has at least MIN_VIEWS views ("not enough data"); an
experiment should also run whole weekly cycles, since audiences differ by weekday, so the
campaign page holds a verdict back until both are reached (verdict_gate). Uplift against the
holdout is the difference in rates with Newcombe's hybrid score interval; posting-time parity
compares each variant's mean time of day on the clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

MIN_VIEWS = 2_000
ALPHA = 0.05


class Verdict:
    NOT_ENOUGH_DATA = "not_enough_data"
    B_WINS = "b_wins"
    A_WINS = "a_wins"
    NO_DIFFERENCE = "no_difference"
    WAITING = "waiting"  # held back: no whole weekly cycle or too few views yet


@dataclass(frozen=True)
class ExperimentResult:
    views_a: int
    successes_a: int
    views_b: int
    successes_b: int
    verdict: str
    rate_a: float | None
    rate_b: float | None
    uplift: float | None  # relative change of B over A (0.1 = +10%)
    z: float | None
    p_value: float | None

    @property
    def has_verdict(self) -> bool:
        return self.verdict != Verdict.NOT_ENOUGH_DATA


def two_proportion_z_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int
) -> tuple[float, float]:
    """(z, two-sided p) for H0: both proportions are equal, using the pooled proportion."""
    if trials_a <= 0 or trials_b <= 0:
        raise ValueError("Both groups need at least one trial.")
    p_a = successes_a / trials_a
    p_b = successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if se == 0:
        return 0.0, 1.0
    z = (p_b - p_a) / se
    # Two-sided p from the standard normal: P(|Z| >= |z|) = erfc(|z| / sqrt 2).
    return z, math.erfc(abs(z) / math.sqrt(2))


def experiment_result(
    *,
    views_a: int,
    successes_a: int,
    views_b: int,
    successes_b: int,
    min_views: int = MIN_VIEWS,
    alpha: float = ALPHA,
) -> ExperimentResult:
    # Successes can exceed views in raw exports (several likes from one view is impossible,
    # but comments plus shares plus likes can be); a proportion needs them capped.
    successes_a = min(max(successes_a, 0), views_a) if views_a > 0 else 0
    successes_b = min(max(successes_b, 0), views_b) if views_b > 0 else 0
    rate_a = successes_a / views_a if views_a > 0 else None
    rate_b = successes_b / views_b if views_b > 0 else None
    if views_a < min_views or views_b < min_views:
        return ExperimentResult(
            views_a,
            successes_a,
            views_b,
            successes_b,
            Verdict.NOT_ENOUGH_DATA,
            rate_a,
            rate_b,
            None,
            None,
            None,
        )
    z, p = two_proportion_z_test(successes_a, views_a, successes_b, views_b)
    uplift = (rate_b - rate_a) / rate_a if rate_a else None
    winner = Verdict.B_WINS if z > 0 else Verdict.A_WINS
    verdict = Verdict.NO_DIFFERENCE if p >= alpha else winner
    return ExperimentResult(
        views_a, successes_a, views_b, successes_b, verdict, rate_a, rate_b, uplift, z, p
    )


def weekly_cycle_days(start: date, end: date) -> tuple[int, int]:
    """(days run, days still needed to finish the current whole week), ends inclusive."""
    days = (end - start).days + 1
    if days <= 0:
        return 0, 7
    return days, (-days) % 7


# --- holdout uplift, the weekly-cycle gate and posting-time parity --------------------------

CONFIDENCE_Z = 1.959963984540054  # two-sided 95%
WEEKLY_CYCLE_DAYS = 7
PARITY_MAX_MINUTES = 120
UPLIFT_METHOD = "Newcombe hybrid score interval (Wilson)"


def wilson_interval(successes: int, trials: int, z: float = CONFIDENCE_Z) -> tuple[float, float]:
    """Wilson score interval for one proportion (Wilson 1927); stays inside [0, 1]."""
    if trials <= 0:
        raise ValueError("A proportion needs at least one trial.")
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_interval(
    successes_1: int, trials_1: int, successes_2: int, trials_2: int, z: float = CONFIDENCE_Z
) -> tuple[float, float, float]:
    """(p1 - p2, low, high): Newcombe's hybrid score interval (1998, method 10), built from
    the two Wilson intervals; unlike the plain Wald interval it behaves near 0% and 100%."""
    p1, p2 = successes_1 / trials_1, successes_2 / trials_2
    l1, u1 = wilson_interval(successes_1, trials_1, z)
    l2, u2 = wilson_interval(successes_2, trials_2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    # The interval lies within [-1, 1]; rounding can put a bound a hair outside
    # (-1.0000000000000002, found by hypothesis).
    return difference, max(-1.0, low), min(1.0, high)


@dataclass(frozen=True)
class HoldoutUplift:
    """The exposed variants (A and B together) against the holdout, as rates per view."""

    exposed_views: int
    exposed_successes: int
    holdout_views: int
    holdout_successes: int
    rate_exposed: float
    rate_holdout: float
    difference: float  # exposed minus holdout, as a proportion (0.01 = 1 percentage point)
    low: float
    high: float
    relative: float | None  # difference / holdout rate; None when the holdout rate is 0

    @property
    def significant(self) -> bool:
        """The 95% interval leaves out zero."""
        return self.low > 0 or self.high < 0

    @property
    def holdout_share(self) -> float:
        """The holdout's share of all the experiment's views, to set against the planned
        holdout percentage (a holdout far off its plan is a different audience, not a sample)."""
        return self.holdout_views / (self.exposed_views + self.holdout_views)


def holdout_uplift(
    *, exposed_views: int, exposed_successes: int, holdout_views: int, holdout_successes: int
) -> HoldoutUplift | None:
    """None until both the exposed variants and the holdout have views."""
    if exposed_views <= 0 or holdout_views <= 0:
        return None
    # As in experiment_result: engagements can outnumber views in raw figures; cap them.
    exposed_successes = min(max(exposed_successes, 0), exposed_views)
    holdout_successes = min(max(holdout_successes, 0), holdout_views)
    difference, low, high = difference_interval(
        exposed_successes, exposed_views, holdout_successes, holdout_views
    )
    rate_exposed = exposed_successes / exposed_views
    rate_holdout = holdout_successes / holdout_views
    return HoldoutUplift(
        exposed_views,
        exposed_successes,
        holdout_views,
        holdout_successes,
        rate_exposed,
        rate_holdout,
        difference,
        low,
        high,
        difference / rate_holdout if rate_holdout else None,
    )


@dataclass(frozen=True)
class VerdictGate:
    """A verdict waits for a whole weekly cycle and for the minimum views per variant."""

    ready_on: date
    views_short: int  # views still missing, summed over both variants
    today: date
    too_short: bool = False  # it ended before a whole weekly cycle: no verdict, ever

    @property
    def open(self) -> bool:
        return not self.too_short and self.today >= self.ready_on and self.views_short == 0

    @property
    def waits_for_date(self) -> bool:
        return not self.too_short and self.today < self.ready_on


def verdict_gate(
    *,
    start: date,
    today: date,
    views_a: int,
    views_b: int,
    end: date | None = None,
    min_views: int = MIN_VIEWS,
) -> VerdictGate:
    """Open from the day seven whole days have passed since the start (audiences differ by
    weekday, so a part-week would weigh some weekdays twice) and each variant has min_views.
    An experiment that ends (inclusive) before its seventh day never gets a verdict."""
    short = max(min_views - views_a, 0) + max(min_views - views_b, 0)
    too_short = end is not None and (end - start).days + 1 < WEEKLY_CYCLE_DAYS
    return VerdictGate(start + timedelta(days=WEEKLY_CYCLE_DAYS), short, today, too_short)


def mean_time_of_day(minutes: list[int]) -> float | None:
    """Circular mean of times of day in minutes after midnight (23:30 and 00:30 average to
    00:00, not noon); None for no times or times spread evenly round the clock."""
    if not minutes:
        return None
    angles = [2 * math.pi * (m % 1440) / 1440 for m in minutes]
    x = sum(math.cos(a) for a in angles)
    y = sum(math.sin(a) for a in angles)
    if math.hypot(x, y) < 1e-9:
        return None
    return (math.atan2(y, x) / (2 * math.pi) * 1440) % 1440


def time_of_day_gap(a: float, b: float) -> float:
    """Minutes between two times of day the short way round the clock (at most 720)."""
    gap = abs(a - b) % 1440
    return min(gap, 1440 - gap)

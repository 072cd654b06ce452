"""Experiment verdicts: uplift and a two-sided two-proportion z-test, in pure Python.

No verdict before each variant has at least MIN_VIEWS views ("not enough data"); an
experiment should also run whole weekly cycles, since audiences differ by weekday.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

MIN_VIEWS = 2_000
ALPHA = 0.05


class Verdict:
    NOT_ENOUGH_DATA = "not_enough_data"
    B_WINS = "b_wins"
    A_WINS = "a_wins"
    NO_DIFFERENCE = "no_difference"


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

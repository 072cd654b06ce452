"""The rolling 30-day earnings forecast from the last 10 posts, and how well it matched the
settled payout statements. Pure `Decimal` arithmetic, no database.

The forecast (DESIGN.md: "rolling 30 days from the last 10 posts"):

1. take the creator's last 10 videos posted on or before the as-of date;
2. their earnings without the Q4 uplift, summed (`S`, low and high);
3. the window they span: the days from the oldest of them to the as-of date, at least 30
   (ten posts in three days do not mean a hundred posts a month);
4. the posting pace carries on: the next `days` days earn `S * days / window`;
5. the Q4 uplift applies pro rata to the days of the forecast that fall in October to
   December: * (1 + (uplift - 1) * Q4 days / days).

Accuracy compares, per settled statement of a program, the forecast made the day before the
statement's period started (for the period's length) with the settled amount. The video
figures are the latest known ones, so a forecast rebuilt for a past period knows a little
more than one made at the time would have; statements in another currency than the estimates'
are listed but not compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.module_loading import import_string

from .estimates import (
    CURRENCY,
    ONE,
    ZERO_RANGE,
    Range,
    RpmRange,
    VideoFacts,
    base_earnings,
    sort_key,
)

FORECAST_POSTS = 10
FORECAST_DAYS = 30
PERCENT = Decimal("0.1")


@dataclass(frozen=True)
class Forecast:
    program: str
    start: date
    days: int
    estimate: Range  # rounded
    posts_used: int
    window_days: int
    q4_days: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)


def q4_days(start: date, days: int) -> int:
    """How many of the `days` days from `start` fall in October to December."""
    end = start + timedelta(days=days - 1)
    total = 0
    for year in range(start.year, end.year + 1):
        first, last = max(start, date(year, 10, 1)), min(end, date(year, 12, 31))
        total += max(0, (last - first).days + 1)
    return total


def last_posts(videos: Iterable[VideoFacts], *, as_of: date) -> list[VideoFacts]:
    """The last FORECAST_POSTS videos posted on or before `as_of`, newest first."""
    posted = [v for v in videos if v.posted_on <= as_of]
    posted.sort(key=sort_key, reverse=True)
    return posted[:FORECAST_POSTS]


def forecast(
    program: str,
    videos: Iterable[VideoFacts],
    rpm: RpmRange,
    uplift: Decimal,
    *,
    as_of: date,
    days: int = FORECAST_DAYS,
) -> Forecast:
    """Earnings in the `days` days after `as_of`, low-high, rounded to the cent."""
    start = as_of + timedelta(days=1)
    posts = last_posts(videos, as_of=as_of)
    in_q4 = q4_days(start, days)
    if not posts:
        return Forecast(program, start, days, ZERO_RANGE.rounded(), 0, 0, in_q4)
    window = max(FORECAST_DAYS, (as_of - posts[-1].posted_on).days)
    total = ZERO_RANGE
    for video in posts:
        total = total + base_earnings(program, video, rpm)
    mix = ONE + (uplift - ONE) * Decimal(in_q4) / Decimal(days)
    estimate = total.scaled(Decimal(days) / Decimal(window) * mix).rounded()
    return Forecast(program, start, days, estimate, len(posts), window, in_q4)


@dataclass(frozen=True)
class StatementFacts:
    """A settled payout statement of one program."""

    key: str
    program: str
    period_start: date
    period_end: date
    currency: str
    settled_amount: Decimal

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1


@dataclass(frozen=True)
class AccuracyRow:
    statement: StatementFacts
    forecast: Forecast | None
    # None when not compared (another currency).
    within_range: bool | None
    # (forecast midpoint - settled) / settled, in percent; positive: the forecast was high.
    error_percent: Decimal | None


@dataclass(frozen=True)
class AccuracySummary:
    rows: tuple[AccuracyRow, ...]

    @property
    def compared(self) -> list[AccuracyRow]:
        return [r for r in self.rows if r.within_range is not None]

    @property
    def within_range(self) -> int:
        return sum(1 for r in self.compared if r.within_range)

    @property
    def mean_absolute_error_percent(self) -> Decimal | None:
        errors = [abs(r.error_percent) for r in self.compared if r.error_percent is not None]
        if not errors:
            return None
        return (sum(errors) / len(errors)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def error_percent(estimate: Range, settled: Decimal) -> Decimal | None:
    if settled == 0:
        return None
    return ((estimate.midpoint - settled) / settled * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def forecast_accuracy(
    statements: Sequence[StatementFacts],
    videos: Sequence[VideoFacts],
    rpm_by_program: dict[str, RpmRange],
    uplift: Decimal,
) -> AccuracySummary:
    """Each statement against the forecast made the day before its period, newest first."""
    rows = []
    for statement in sorted(statements, key=lambda s: (s.period_start, s.key), reverse=True):
        if statement.currency != CURRENCY:
            rows.append(AccuracyRow(statement, None, None, None))
            continue
        predicted = forecast(
            statement.program,
            videos,
            rpm_by_program[statement.program],
            uplift,
            as_of=statement.period_start - timedelta(days=1),
            days=statement.days,
        )
        settled = statement.settled_amount
        rows.append(
            AccuracyRow(
                statement,
                predicted,
                predicted.estimate.low <= settled <= predicted.estimate.high,
                error_percent(predicted.estimate, settled),
            )
        )
    return AccuracySummary(tuple(rows))


# Settled platform statements are payouts' rows, and payouts sits above creators: payouts
# registers the reader by dotted path (PayoutsConfig.ready), imported on first use.
_settled_statements_reader: str | None = None


def settled_statements_reader_register(path: str) -> None:
    """`path` names `reader(*, agency, creator, programs) -> list[StatementFacts]`."""
    global _settled_statements_reader
    _settled_statements_reader = path


def settled_statements_reader():
    if _settled_statements_reader is None:
        return None
    return import_string(_settled_statements_reader)


# --- expected campaign bonuses ----------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedBonus:
    """A campaign bonus rule the creator's open assets may still earn, weighed by how often
    the creator's similar assets (same kind, window over) reached its threshold."""

    rule: str
    campaign_code: str
    kpi_label: str
    threshold: Decimal
    bonus: Decimal  # per asset, capped by what is left in the pool
    currency: str
    open_assets: int
    passed: int  # similar assets that reached the threshold inside the window
    similar: int  # similar assets whose window is over

    @property
    def rate(self) -> Decimal | None:
        if not self.similar:
            return None
        return Decimal(self.passed) / Decimal(self.similar)

    @property
    def rate_percent(self) -> Decimal | None:
        rate = self.rate
        return None if rate is None else (rate * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)

    @property
    def expected(self) -> Decimal | None:
        """Bonus * historical pass rate * open assets, rounded to the cent; None without
        history to weigh it by."""
        rate = self.rate
        if rate is None:
            return None
        return (self.bonus * rate * self.open_assets).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )


# Bonus rules are the rewards app's, which sits above creators: rewards registers the
# reader by dotted path (RewardsConfig.ready), imported on first use.
_expected_bonus_reader: str | None = None


def expected_bonus_reader_register(path: str) -> None:
    """`path` names `reader(*, agency, creator, now) -> list[ExpectedBonus]`."""
    global _expected_bonus_reader
    _expected_bonus_reader = path


def expected_bonuses(*, agency, creator, now) -> list[ExpectedBonus]:
    """The creator's expected campaign bonuses, or [] when no app provides them."""
    if _expected_bonus_reader is None:
        return []
    return import_string(_expected_bonus_reader)(agency=agency, creator=creator, now=now)

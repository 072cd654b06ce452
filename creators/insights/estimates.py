"""Earnings estimates for the TikTok reward programs. Pure `Decimal` arithmetic, no database.

- Creator Fund: about $0.02-$0.04 per 1,000 views, every video.
- Creativity Program: about $0.40-$1.60 per 1,000 *qualified* views, and only for videos
  strictly longer than 60 seconds (a 60-second video earns nothing).

The agency tunes the RPM (revenue per 1,000 views) per program by audience country and
niche (`RpmRate`); `choose_rpm` picks the most specific row, else the defaults above. From
October to December (in the agency's time zone) the RPM is multiplied by the agency's Q4
uplift. Amounts are in US dollars, the currency TikTok quotes RPMs in.

Rounding: every figure is computed unrounded and rounded once, half-up to the cent, where it
is shown (`core.money.quantize`). A month or a forecast is the rounded sum of unrounded
video amounts, so it can differ by a cent from the sum of the rounded per-video figures;
rounding each video first would lose most Creator Fund money (a few hundred views earn a
fraction of a cent).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from core.money import quantize
from creators.models import Program

from .eligibility import MIN_REWARDED_SECONDS

CURRENCY = "USD"
PER_VIEWS = Decimal(1000)
ONE = Decimal(1)
Q4_MONTHS = frozenset({10, 11, 12})


@dataclass(frozen=True)
class RpmRange:
    """Earnings per 1,000 rewarded views, low and high."""

    low: Decimal
    high: Decimal


DEFAULT_RPM: dict[str, RpmRange] = {
    Program.CREATOR_FUND: RpmRange(Decimal("0.02"), Decimal("0.04")),
    Program.CREATIVITY_PROGRAM: RpmRange(Decimal("0.40"), Decimal("1.60")),
}


@dataclass(frozen=True)
class RpmRow:
    """One row of the agency's RPM table; empty country / None niche mean "any"."""

    program: str
    country: str
    niche_id: int | None
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class RpmChoice:
    rpm: RpmRange
    # "default" (DESIGN.md figures) or "table" (a row of the agency's RPM table).
    source: str
    country: str = ""
    niche_id: int | None = None


@dataclass(frozen=True)
class VideoFacts:
    """A video as the estimates see it; `posted_on` is the agency-local posting date."""

    key: int
    posted_on: date
    duration_seconds: int
    views: int
    qualified_views: int
    posted_at: datetime | None = None


def sort_key(video: VideoFacts) -> tuple:
    """Posting order (the same as the database's: time, then id)."""
    moment = video.posted_at.timestamp() if video.posted_at else 0.0
    return (video.posted_on, moment, video.key)


@dataclass(frozen=True)
class Range:
    """A low-high amount in `CURRENCY`, unrounded until `rounded()`."""

    low: Decimal
    high: Decimal

    def __add__(self, other: Range) -> Range:
        return Range(self.low + other.low, self.high + other.high)

    def scaled(self, factor: Decimal) -> Range:
        return Range(self.low * factor, self.high * factor)

    def rounded(self) -> Range:
        return Range(quantize(self.low, CURRENCY), quantize(self.high, CURRENCY))

    @property
    def midpoint(self) -> Decimal:
        return (self.low + self.high) / 2


ZERO_RANGE = Range(Decimal(0), Decimal(0))


def choose_rpm(
    rows: Iterable[RpmRow], program: str, *, country: str, niche_ids: Iterable[int]
) -> RpmChoice:
    """The most specific matching row: country and niche, then country, then niche, then a
    catch-all row, else the program's default. When several of the creator's niches match
    equally, the best-paying one wins (RPM follows the niche advertisers pay most for)."""
    niches = set(niche_ids)
    best: tuple[int, Decimal, Decimal] | None = None
    chosen: RpmRow | None = None
    for row in rows:
        if row.program != program:
            continue
        if row.country and row.country != country:
            continue
        if row.niche_id is not None and row.niche_id not in niches:
            continue
        rank = (2 if row.country else 0) + (1 if row.niche_id is not None else 0)
        key = (rank, row.low, row.high)
        if best is None or key > best:
            best, chosen = key, row
    if chosen is None:
        return RpmChoice(DEFAULT_RPM[program], "default")
    return RpmChoice(RpmRange(chosen.low, chosen.high), "table", chosen.country, chosen.niche_id)


def is_q4(day: date) -> bool:
    return day.month in Q4_MONTHS


def uplift_on(day: date, uplift: Decimal) -> Decimal:
    return uplift if is_q4(day) else ONE


def rewarded_views(program: str, video: VideoFacts) -> int:
    """The views a program pays for: every view (Creator Fund), or the qualified views of a
    video longer than 60 s (Creativity Program)."""
    if program == Program.CREATOR_FUND:
        return video.views
    if video.duration_seconds > MIN_REWARDED_SECONDS:
        return video.qualified_views
    return 0


def base_earnings(program: str, video: VideoFacts, rpm: RpmRange) -> Range:
    """Unrounded, without the Q4 uplift."""
    views = Decimal(rewarded_views(program, video))
    return Range(views * rpm.low / PER_VIEWS, views * rpm.high / PER_VIEWS)


def video_earnings(program: str, video: VideoFacts, rpm: RpmRange, uplift: Decimal) -> Range:
    """Unrounded, with the Q4 uplift when the video was posted in October to December."""
    return base_earnings(program, video, rpm).scaled(uplift_on(video.posted_on, uplift))


def video_estimate(program: str, video: VideoFacts, rpm: RpmRange, uplift: Decimal) -> Range:
    """What one video earns, low-high, rounded to the cent."""
    return video_earnings(program, video, rpm, uplift).rounded()


@dataclass(frozen=True)
class MonthEstimate:
    year: int
    month: int
    videos: int
    rewarded_views: int
    estimate: Range

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)


def monthly_estimates(
    program: str, videos: Sequence[VideoFacts], rpm: RpmRange, uplift: Decimal
) -> list[MonthEstimate]:
    """Per calendar month of posting (agency time), newest first: the videos' earnings
    summed unrounded and rounded once."""
    months: dict[tuple[int, int], tuple[int, int, Range]] = {}
    for video in videos:
        key = (video.posted_on.year, video.posted_on.month)
        count, views, total = months.get(key, (0, 0, ZERO_RANGE))
        months[key] = (
            count + 1,
            views + rewarded_views(program, video),
            total + video_earnings(program, video, rpm, uplift),
        )
    return [
        MonthEstimate(year, month, count, views, total.rounded())
        for (year, month), (count, views, total) in sorted(months.items(), reverse=True)
    ]

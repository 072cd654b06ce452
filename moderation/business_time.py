"""Business-time arithmetic for SLAs: pure functions, no database.

A *business minute* is a real elapsed minute that falls inside the agency's business hours
(its timezone, business weekdays and daily start/end), on a day that is not a holiday.
Windows are computed per local calendar day and converted to UTC, so a daylight-saving
change moves the window with the wall clock and a 09:00-17:30 day is still 8.5 hours.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

# An SLA further away than this is a configuration error, not a due time.
MAX_DAYS_SCANNED = 3 * 366


class NoBusinessTimeError(ValueError):
    """The calendar has no business time within the scanned horizon."""


@dataclass(frozen=True)
class BusinessCalendar:
    tz: zoneinfo.ZoneInfo
    days: frozenset[int]
    start: time
    end: time
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.days or any(not 0 <= d <= 6 for d in self.days):
            raise ValueError("business days must be weekdays 0..6")
        if self.start >= self.end:
            raise ValueError("the business day must end after it starts")

    @classmethod
    def build(
        cls,
        *,
        timezone: str,
        days: Iterable[int],
        start: time,
        end: time,
        holidays: Iterable[date] = (),
    ) -> BusinessCalendar:
        return cls(zoneinfo.ZoneInfo(timezone), frozenset(days), start, end, frozenset(holidays))

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime]:
        """The business window of a local day, as UTC instants."""
        opens = datetime.combine(day, self.start, tzinfo=self.tz).astimezone(UTC)
        closes = datetime.combine(day, self.end, tzinfo=self.tz).astimezone(UTC)
        return opens, closes


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business-time arithmetic needs an aware datetime")


def add_business_minutes(moment: datetime, minutes: int, calendar: BusinessCalendar) -> datetime:
    """The instant `minutes` business minutes after `moment` (returned in UTC).

    Adding zero returns `moment` unchanged; a positive amount always lands inside a business
    window (its end included), so `add(add(t, a), b) == add(t, a + b)`.
    """
    _require_aware(moment)
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    cursor = moment.astimezone(UTC)
    if minutes == 0:
        return cursor
    remaining = timedelta(minutes=minutes)
    day = cursor.astimezone(calendar.tz).date()
    for _ in range(MAX_DAYS_SCANNED):
        if calendar.is_business_day(day):
            opens, closes = calendar.window(day)
            cursor = max(cursor, opens)
            available = max(closes - cursor, timedelta(0))
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        day += timedelta(days=1)
    raise NoBusinessTimeError("no business time found within three years")


def business_minutes_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> float:
    """Business minutes elapsed from `start` to `end` (0 when `end` is not after `start`)."""
    _require_aware(start)
    _require_aware(end)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        return 0.0
    total = timedelta(0)
    day = start.astimezone(calendar.tz).date()
    last = end.astimezone(calendar.tz).date()
    while day <= last:
        if calendar.is_business_day(day):
            opens, closes = calendar.window(day)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 60

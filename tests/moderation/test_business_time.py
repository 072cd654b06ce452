"""SLA arithmetic in business minutes: evenings, weekends, holidays and DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from moderation.business_time import (
    BusinessCalendar,
    NoBusinessTimeError,
    add_business_minutes,
    business_minutes_between,
)

AMS = ZoneInfo("Europe/Amsterdam")
NYC = ZoneInfo("America/New_York")


def calendar(tz: str = "Europe/Amsterdam", holidays=(), days=(0, 1, 2, 3, 4)) -> BusinessCalendar:
    return BusinessCalendar.build(
        timezone=tz, days=days, start=time(9, 0), end=time(17, 30), holidays=holidays
    )


def local(tz, *args) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_minutes_inside_the_business_day_are_plain_minutes():
    start = local(AMS, 2025, 3, 4, 10, 0)  # Tuesday
    assert add_business_minutes(start, 60, calendar()) == local(AMS, 2025, 3, 4, 11, 0)


def test_an_sla_that_runs_past_closing_time_continues_the_next_morning():
    start = local(AMS, 2025, 3, 4, 17, 0)  # 30 minutes before closing
    assert add_business_minutes(start, 60, calendar()) == local(AMS, 2025, 3, 5, 9, 30)


def test_a_message_arriving_in_the_evening_starts_its_clock_the_next_morning():
    start = local(AMS, 2025, 3, 4, 22, 15)
    assert add_business_minutes(start, 60, calendar()) == local(AMS, 2025, 3, 5, 10, 0)


def test_a_message_arriving_before_opening_starts_at_opening():
    start = local(AMS, 2025, 3, 4, 6, 0)
    assert add_business_minutes(start, 15, calendar()) == local(AMS, 2025, 3, 4, 9, 15)


def test_a_friday_afternoon_sla_skips_the_weekend():
    start = local(AMS, 2025, 3, 7, 17, 0)  # Friday
    assert add_business_minutes(start, 60, calendar()) == local(AMS, 2025, 3, 10, 9, 30)


def test_a_saturday_message_waits_for_monday():
    start = local(AMS, 2025, 3, 8, 12, 0)
    assert add_business_minutes(start, 60, calendar()) == local(AMS, 2025, 3, 10, 10, 0)


def test_holidays_are_skipped_like_weekends():
    kings_day = date(2025, 4, 28)  # a Monday
    start = local(AMS, 2025, 4, 25, 17, 0)  # the Friday before
    result = add_business_minutes(start, 60, calendar(holidays=[kings_day]))
    assert result == local(AMS, 2025, 4, 29, 9, 30)


def test_custom_business_days_are_honoured():
    sunday_to_thursday = calendar(days=(6, 0, 1, 2, 3))
    start = local(AMS, 2025, 3, 6, 17, 0)  # Thursday
    assert add_business_minutes(start, 60, sunday_to_thursday) == local(AMS, 2025, 3, 9, 9, 30)


def test_a_multi_day_sla_counts_only_business_hours():
    start = local(AMS, 2025, 3, 3, 9, 0)  # Monday opening
    three_days = 3 * 510  # 8.5 hours a day
    assert add_business_minutes(start, three_days, calendar()) == local(AMS, 2025, 3, 5, 17, 30)


def test_the_window_follows_the_wall_clock_across_the_spring_dst_change():
    # Amsterdam moves from UTC+1 to UTC+2 on Sunday 30 March 2025.
    start = local(AMS, 2025, 3, 28, 17, 0)  # Friday, UTC+1
    result = add_business_minutes(start, 60, calendar())
    assert result == local(AMS, 2025, 3, 31, 9, 30)
    assert result.utcoffset() == timedelta(0)  # returned in UTC …
    assert result == datetime(2025, 3, 31, 7, 30, tzinfo=UTC)  # … at 09:30 CEST


def test_the_window_follows_the_wall_clock_across_the_autumn_dst_change():
    # New York moves from UTC-4 to UTC-5 on Sunday 2 November 2025.
    start = local(NYC, 2025, 10, 31, 17, 0)
    result = add_business_minutes(start, 60, calendar("America/New_York"))
    assert result == datetime(2025, 11, 3, 14, 30, tzinfo=UTC)  # 09:30 EST


def test_an_agency_in_another_timezone_uses_its_own_hours():
    start = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)  # 08:00 in New York
    result = add_business_minutes(start, 30, calendar("America/New_York"))
    assert result == local(NYC, 2025, 3, 4, 9, 30)


def test_adding_zero_minutes_returns_the_same_instant():
    start = local(AMS, 2025, 3, 8, 12, 0)
    assert add_business_minutes(start, 0, calendar()) == start


def test_naive_datetimes_and_negative_minutes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        add_business_minutes(datetime(2025, 3, 4, 10, 0), 10, calendar())
    with pytest.raises(ValueError, match="negative"):
        add_business_minutes(local(AMS, 2025, 3, 4, 10, 0), -1, calendar())


def test_a_calendar_whose_days_are_all_holidays_fails_clearly():
    every_day = [date(2025, 1, 1) + timedelta(days=n) for n in range(4 * 366)]
    with pytest.raises(NoBusinessTimeError):
        add_business_minutes(local(AMS, 2025, 1, 1, 10, 0), 10, calendar(holidays=every_day))


def test_business_minutes_between_counts_only_open_hours():
    start = local(AMS, 2025, 3, 7, 17, 0)  # Friday
    end = local(AMS, 2025, 3, 10, 9, 30)  # Monday
    assert business_minutes_between(start, end, calendar()) == 60


def test_the_due_time_of_a_message_received_now_uses_the_frozen_clock():
    from django.utils import timezone

    with time_machine.travel(local(AMS, 2025, 3, 29, 11, 0), tick=False):  # Saturday
        due = add_business_minutes(timezone.now(), 60, calendar())
    assert due == local(AMS, 2025, 3, 31, 10, 0)


# --- properties -------------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2024, 1, 1),
    max_value=datetime(2027, 12, 31),
    timezones=st.sampled_from([ZoneInfo("UTC"), AMS, NYC]),
)
amounts = st.integers(min_value=0, max_value=20_000)
calendars = st.builds(
    calendar,
    tz=st.sampled_from(["Europe/Amsterdam", "America/New_York", "Asia/Kolkata"]),
    holidays=st.lists(st.dates(date(2024, 1, 1), date(2028, 12, 31)), max_size=20),
    days=st.sets(st.integers(0, 6), min_size=1).map(tuple),
)


@given(moment=moments, a=amounts, b=amounts, cal=calendars)
def test_adding_a_then_b_equals_adding_a_plus_b(moment, a, b, cal):
    once = add_business_minutes(moment, a + b, cal)
    twice = add_business_minutes(add_business_minutes(moment, a, cal), b, cal)
    assert once == twice


@given(moment=moments, a=amounts, b=amounts, cal=calendars)
def test_more_minutes_never_end_earlier(moment, a, b, cal):
    low, high = sorted((a, b))
    assert add_business_minutes(moment, low, cal) <= add_business_minutes(moment, high, cal)


@given(first=moments, second=moments, n=amounts, cal=calendars)
def test_a_later_start_never_ends_earlier(first, second, n, cal):
    early, late = sorted((first, second))
    assert add_business_minutes(early, n, cal) <= add_business_minutes(late, n, cal)


@given(moment=moments, n=st.integers(min_value=1, max_value=20_000), cal=calendars)
def test_the_elapsed_business_time_is_exactly_what_was_added(moment, n, cal):
    due = add_business_minutes(moment, n, cal)
    assert due > moment
    assert business_minutes_between(moment, due, cal) == pytest.approx(n)

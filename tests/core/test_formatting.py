"""The one formatting layer: money, numbers, dates and times in the reader's language and the
agency's time zone (core/formatting.py and its template filters)."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from core import formatting

UTC = datetime.UTC
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("language", "amount", "currency", "expected"),
    [
        ("nl", Decimal("12000"), "EUR", "€\xa012.000,00"),
        ("en", Decimal("12000"), "EUR", "€12,000.00"),
        ("nl", Decimal("-1350.5"), "EUR", "€\xa0-1.350,50"),
        ("en", Decimal("-1350.5"), "EUR", "-€1,350.50"),
        ("nl", Decimal("0"), "EUR", "€\xa00,00"),
        ("en", 0, "EUR", "€0.00"),
        ("en", "19.99", "usd", "$19.99"),
        # Half-up to the cent, as statements print it (core.money.quantize).
        ("en", Decimal("0.005"), "EUR", "€0.01"),
        # Currencies without a minor unit keep none.
        ("en", Decimal("1234.5"), "JPY", "¥1,235"),
        ("nl", Decimal("1234"), "JPY", "JP¥\xa01.234"),
    ],
)
def test_money_is_written_in_the_language_with_the_currency_minor_unit(
    language, amount, currency, expected
):
    with translation.override(language):
        assert formatting.money(amount, currency) == expected


def test_money_refuses_a_float():
    with pytest.raises(TypeError):
        formatting.money(12.5, "EUR")


def test_missing_money_is_a_dash():
    assert formatting.money(None, "EUR") == "—"
    assert formatting.money(Decimal("1"), "") == "—"


def test_numbers_are_grouped_per_language():
    with translation.override("nl"):
        assert formatting.number(1234567) == "1.234.567"
        assert formatting.number(Decimal("0.456"), 2) == "0,46"
    with translation.override("en"):
        assert formatting.number(1234567) == "1,234,567"


def test_dates_have_one_short_and_one_long_style_per_language():
    day = datetime.date(2026, 12, 7)
    with translation.override("en"):
        assert formatting.date_short(day) == "7 Dec 2026"
        assert formatting.date_long(day) == "Monday 7 December 2026"
    with translation.override("nl"):
        assert formatting.date_short(day) == "7 dec 2026"
        assert formatting.date_long(day) == "maandag 7 december 2026"


def test_datetimes_are_shown_in_the_active_time_zone():
    moment = datetime.datetime(2026, 12, 7, 17, 26, tzinfo=UTC)
    with translation.override("en"), timezone.override(AMSTERDAM):
        assert formatting.datetime_short(moment) == "7 Dec 2026, 18:26"
        assert formatting.datetime_long(moment) == "Monday 7 December 2026, 18:26 CET"
        assert formatting.time_short(moment) == "18:26"
    with translation.override("nl"), timezone.override(AMSTERDAM):
        assert formatting.datetime_short(moment) == "7 dec 2026, 18:26"
        assert formatting.datetime_long(moment) == "maandag 7 december 2026, 18:26 CET"


def test_a_far_time_zone_moves_the_day():
    # 20:00 UTC on the 7th is 09:00 on the 8th in Auckland (summer time, UTC+13).
    moment = datetime.datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    with translation.override("en"), timezone.override(AUCKLAND):
        assert formatting.date_short(moment) == "8 Dec 2026"
        assert formatting.datetime_short(moment) == "8 Dec 2026, 09:00"
        assert formatting.datetime_long(moment) == "Tuesday 8 December 2026, 09:00 NZDT"
    with translation.override("en"), timezone.override(UTC):
        assert formatting.date_short(moment) == "7 Dec 2026"


def test_missing_dates_are_a_dash():
    assert formatting.date_short(None) == "—"
    assert formatting.datetime_long(None) == "—"


def test_template_filters_and_tag():
    template = Template(
        "{% load formatting %}{{ amount|money:currency }}|{% money amount currency %}|"
        "{{ views|number }}|{{ day|date_short }}|{{ day|date_long }}|{{ moment|datetime_short }}"
    )
    context = Context(
        {
            "amount": Decimal("1350"),
            "currency": "EUR",
            "views": 52402,
            "day": datetime.date(2026, 11, 8),
            "moment": datetime.datetime(2026, 11, 8, 12, 0, tzinfo=UTC),
        }
    )
    with translation.override("nl"), timezone.override(AUCKLAND):
        assert template.render(context) == (
            "€\xa01.350,00|€\xa01.350,00|52.402|8 nov 2026|zondag 8 november 2026|9 nov 2026, 01:00"
        )


def test_agency_pages_run_in_the_agency_time_zone(client, agency, owner):
    from agencies.tenancy import request_timezone_end

    agency.timezone = "Pacific/Auckland"
    agency.save(update_fields=["timezone"])
    client.force_login(owner)
    seen = {}

    from django.test.signals import template_rendered

    def remember(sender, template, context, **kwargs):
        seen.setdefault("tz", timezone.get_current_timezone_name())

    template_rendered.connect(remember)
    try:
        response = client.get(f"/a/{agency.slug}/")
    finally:
        template_rendered.disconnect(remember)
    assert response.status_code == 200
    assert seen["tz"] == "Pacific/Auckland"
    # and the request's end hands the next request UTC again
    request_timezone_end()
    assert timezone.get_current_timezone_name() == "UTC"

"""The rate book reconciliation reads: the agency's rate of the day, else the ECB's (crossed
through the euro, looking back over weekends and holidays), else the undated fallback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payouts.fx import LOOKBACK_DAYS, RateBook, RateQuote, RateSource
from payouts.models import FxRate, ReferenceRate
from tests.factories import AgencyFactory

from .builders import settings_row

D = Decimal
FRI = dt.date(2024, 12, 6)
SAT, SUN, MON = (FRI + dt.timedelta(days=n) for n in (1, 2, 3))
THU = FRI - dt.timedelta(days=1)
ECB_DAYS = {
    THU: {"USD": D("1.0530"), "GBP": D("0.82860"), "JPY": D("158.03")},
    FRI: {"USD": D("1.0581"), "GBP": D("0.83010"), "JPY": D("157.83")},
}


def close(a: Decimal, b: Decimal, places: int = 20) -> bool:
    return abs(a - b) <= abs(b) * D(10) ** -places


def test_the_ecb_rate_against_the_euro_is_the_published_one_or_its_inverse():
    book = RateBook(reference=ECB_DAYS)

    assert book.rate("EUR", "USD", FRI) == D("1.0581")
    assert close(book.rate("USD", "EUR", FRI), D(1) / D("1.0581"))
    assert book.rate_with_source("EUR", "USD", FRI) == RateQuote(D("1.0581"), "ecb", FRI)


def test_two_other_currencies_cross_through_the_euro_on_the_same_day():
    book = RateBook(reference=ECB_DAYS)

    # One USD is 0.83010 / 1.0581 GBP: both rates of Friday's publication.
    assert close(book.rate("USD", "GBP", FRI), D("0.83010") / D("1.0581"))
    assert close(book.rate("GBP", "JPY", THU), D("158.03") / D("0.82860"))


def test_a_weekend_takes_the_last_publication_before_it():
    book = RateBook(reference=ECB_DAYS)

    for day in (SAT, SUN, MON):
        found = book.rate_with_source("EUR", "USD", day)
        assert (found.rate, found.date) == (D("1.0581"), FRI)


def test_the_look_back_stops_after_four_days():
    book = RateBook(reference={FRI: {"USD": D("1.0581")}})

    assert book.rate("EUR", "USD", FRI + dt.timedelta(days=LOOKBACK_DAYS)) == D("1.0581")
    assert book.rate("EUR", "USD", FRI + dt.timedelta(days=LOOKBACK_DAYS + 1)) is None
    assert book.rate("EUR", "USD", FRI - dt.timedelta(days=1)) is None  # never forward


def test_a_currency_not_quoted_that_day_takes_the_day_before():
    book = RateBook(reference={THU: {"USD": D("1.05"), "ISK": D("145.5")}, FRI: {"USD": D("1.06")}})

    found = book.rate_with_source("USD", "ISK", FRI)
    assert found.date == THU and close(found.rate, D("145.5") / D("1.05"))


def test_the_agencys_rate_of_the_day_wins_over_the_ecb_both_ways():
    book = RateBook(reference=ECB_DAYS, manual={(FRI, "USD", "EUR"): D("0.9400")})

    assert book.rate_with_source("USD", "EUR", FRI) == RateQuote(D("0.9400"), "manual", FRI)
    assert close(book.rate("EUR", "USD", FRI), D(1) / D("0.94"))
    # Only on its own day: Thursday is still the ECB's.
    assert book.rate_with_source("USD", "EUR", THU).source == RateSource.REFERENCE


def test_the_undated_fallback_comes_last():
    book = RateBook(
        reference=ECB_DAYS, fallback={("USD", "EUR"): D("0.92"), ("CHF", "EUR"): D("1.07")}
    )

    assert book.rate("USD", "EUR", FRI) != D("0.92")  # the ECB knows Friday
    assert book.rate_with_source("USD", "EUR", dt.date(2024, 1, 10)) == RateQuote(
        D("0.92"), "settings", None
    )
    assert close(book.rate("EUR", "CHF", FRI), D(1) / D("1.07"))  # no ECB CHF in this book
    assert book.rate("PLN", "EUR", FRI) is None
    assert book.rate_with_source("PLN", "EUR", FRI) is None


def test_the_same_currency_is_one():
    assert RateBook().rate("EUR", "EUR", FRI) == 1


def test_each_source_has_a_label_for_people():
    assert RateQuote(D(1), RateSource.REFERENCE, FRI).label == "ECB reference rate"
    assert RateQuote(D(1), RateSource.MANUAL, FRI).label == "Entered by the agency"


codes = st.sampled_from(["EUR", "USD", "GBP", "JPY", "CHF", "SEK"])
rates = st.decimals(min_value=D("0.0001"), max_value=D("99999"), places=4)
per_euro = st.fixed_dictionaries({c: rates for c in ["USD", "GBP", "JPY", "CHF", "SEK"]})


@given(per_euro, codes, codes)
def test_a_rate_and_its_inverse_multiply_to_one(published, base, quote):
    book = RateBook(reference={FRI: published})

    assert close(book.rate(base, quote, FRI) * book.rate(quote, base, FRI), D(1))


@given(per_euro, codes, codes, codes)
def test_crossing_through_a_third_currency_gives_the_same_rate(published, a, b, c):
    book = RateBook(reference={FRI: published})

    assert close(book.rate(a, b, SUN) * book.rate(b, c, SUN), book.rate(a, c, SUN), places=18)


@given(per_euro, rates, codes)
def test_a_manual_rate_is_answered_exactly_and_inverted_consistently(published, manual, other):
    book = RateBook(reference={FRI: published}, manual={(FRI, "USD", "GBP"): manual})

    assert book.rate("USD", "GBP", FRI) == manual
    assert close(book.rate("GBP", "USD", FRI) * manual, D(1))
    if other not in ("USD", "GBP"):  # a pair without a manual rate is untouched by it
        assert book.rate_with_source("USD", other, FRI).source == RateSource.REFERENCE


# --- loading ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_book_of_an_agency_loads_its_own_rates_the_period_and_its_fallback_in_3_queries(
    django_assert_num_queries,
):
    agency, other = AgencyFactory(), AgencyFactory()
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92", "nonsense": "x"})
    FxRate.objects.create(agency=agency, date=FRI, base="USD", quote="EUR", rate=D("0.9400"))
    FxRate.objects.create(agency=other, date=THU, base="USD", quote="EUR", rate=D("0.5"))
    ReferenceRate.objects.bulk_create(
        [
            ReferenceRate(date=day, currency=code, rate=rate)
            for day, published in {**ECB_DAYS, dt.date(2024, 11, 1): {"USD": D("1.08")}}.items()
            for code, rate in published.items()
        ]
    )

    # payout settings, the agency's rates of the period, the reference rates of the period
    with django_assert_num_queries(3):
        book = RateBook.for_agency(agency, first=SAT, last=dt.date(2024, 12, 31))
        quotes = [
            book.rate_with_source("USD", "EUR", FRI),  # the agency's rate is before `first`
            book.rate_with_source("EUR", "USD", SUN),  # Friday's ECB, loaded from 4 days back
            book.rate_with_source("USD", "EUR", dt.date(2024, 12, 20)),
        ]

    assert [(q.source, q.date) for q in quotes] == [
        ("ecb", FRI),
        ("ecb", FRI),
        ("settings", None),
    ]
    assert RateBook.for_agency(other, THU, FRI).rate("USD", "EUR", THU) == D("0.5")
    assert RateBook.for_agency(agency, THU, FRI).rate("USD", "EUR", THU) != D("0.5")


@pytest.mark.django_db
def test_an_agency_without_settings_or_rates_gets_an_empty_book():
    book = RateBook.for_agency(AgencyFactory(), FRI, FRI)
    assert book.rate("USD", "EUR", FRI) is None

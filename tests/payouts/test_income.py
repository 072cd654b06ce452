"""The income mix: a creator's income by stream and month, per currency, on the staff page,
in the creator portal and in the API; conversion into one currency only where a rate is
known, naming each rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from creators.insights.selectors import agency_today
from creators.models import Creator
from payouts.fx import fx_rate_set
from payouts.income import month_end, month_start
from payouts.models import PayoutSource
from payouts.services import statement_create
from tests.factories import CreatorFactory
from tests.helpers import client_for, scoping_queries


def _statement(creator, ref, amount, *, month, source, currency="USD", settled=True):
    end = month_end(month)
    return statement_create(
        agency=creator.agency,
        actor=None,
        data={
            "creator": creator,
            "source": source,
            "platform_reference": ref,
            "period_start": month,
            "period_end": end,
            "currency": currency,
            "estimated_amount": D(amount),
            "settled_amount": D(amount) if settled else None,
            "status": "settled" if settled else "estimated",
            "settled_date": end if settled else None,
        },
    )


@pytest.fixture
def months(agency):
    today = agency_today(agency)
    return month_start(today, 2), month_start(today, 1)


@pytest.fixture
def earner(agency, months, creator_user):
    """A creator (the portal login's roster entry) with four streams in two currencies."""
    before, last = months
    creator = Creator.objects.get(agency=agency, user=creator_user)
    _statement(creator, "G-1", "100.00", month=before, source="live_gifts")
    _statement(creator, "G-2", "50.00", month=last, source="live_gifts")
    _statement(creator, "M-1", "150.00", month=last, source="merchandise", settled=False)
    _statement(creator, "S-1", "80.00", month=last, source="subscriptions", currency="EUR")
    # Outside the window: 13 months back.
    _statement(
        creator, "OLD", "999.00", month=month_start(agency_today(agency), 13), source="affiliate"
    )
    return creator


def _page(agency, creator) -> str:
    return reverse("payouts:creator_income", args=[agency.slug, creator.pk])


def _api(agency, creator) -> str:
    return f"/api/v1/agencies/{agency.slug}/payouts/creators/{creator.pk}/income/"


def test_the_new_streams_are_payout_sources():
    assert {"subscriptions", "merchandise", "live_gifts"} <= set(PayoutSource.values)
    assert PayoutSource("subscriptions").label == "Creator Next / subscriptions"


def test_the_page_shows_income_by_stream_and_month_per_currency(finance_client, agency, earner):
    response = finance_client.get(_page(agency, earner))

    mix = response.context["mix"]
    eur, usd = mix.currencies  # one mix per currency, by code
    assert (usd.currency, usd.total, usd.estimated) == ("USD", D("300.00"), D("150.00"))
    assert [(s.source, s.amount) for s in usd.sources] == [
        ("live_gifts", D("150.00")),
        ("merchandise", D("150.00")),
    ]
    assert [s.share for s in usd.sources] == [D("0.5"), D("0.5")]
    assert [row.total for row in usd.months] == [D("100.00"), D("200.00")]
    assert (eur.currency, eur.total) == ("EUR", D("80.00"))
    body = response.content.decode()
    assert "Creator Next / subscriptions" in body and "Merchandise" in body
    assert "999" not in body  # outside the 12 months
    assert mix.converted is None


def test_conversion_uses_only_known_rates_and_names_them(manager_client, agency, months, earner):
    before, last = months
    # A rate for the last month only (entered by the agency on its last day, or today).
    on = min(month_end(last), agency_today(agency))
    fx_rate_set(agency=agency, actor=None, date=on, base="USD", quote="EUR", rate="0.90")

    response = manager_client.get(_page(agency, earner) + "?convert_to=EUR")

    mix = response.context["mix"]
    # The earlier month has no USD rate: it stays out of the conversion, and says so.
    assert [row.month for row in mix.converted.months] == [last]
    assert [(u.month, u.currency, u.total) for u in mix.unconverted] == [
        (before, "USD", D("100.00"))
    ]
    last_row = mix.converted.months[-1]
    assert last_row.total == D("80.00") + D("200.00") * D("0.90")
    assert [(c, q.rate, q.source) for c, q in last_row.rates] == [("USD", D("0.90"), "manual")]
    assert "Entered by the agency" in response.content.decode()


def test_a_month_without_a_rate_is_left_out_of_the_conversion(
    manager_client, agency, months, earner
):
    response = manager_client.get(_page(agency, earner) + "?convert_to=GBP")

    mix = response.context["mix"]
    assert mix.converted is None
    assert {(u.currency, u.total) for u in mix.unconverted} == {
        ("USD", D("100.00")),
        ("USD", D("200.00")),
        ("EUR", D("80.00")),
    }
    assert "No rate is known for these months" in response.content.decode()


def test_bad_choices_on_the_page_fall_back_to_the_defaults_with_a_message(
    finance_client, agency, earner
):
    response = finance_client.get(_page(agency, earner) + "?months=0&convert_to=XYZ")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Ensure this value is greater than or equal to 1." in body
    assert "Select a valid choice." in body
    assert len(response.context["mix"].currencies) == 2
    assert response.context["mix"].convert_to == ""


def test_the_page_costs_a_fixed_number_of_queries(
    finance_client, agency, earner, django_assert_num_queries
):
    url = _page(agency, earner)
    finance_client.get(url)  # the first visit also saves the session
    # session, user, savepoint, memberships + agencies (agency_view), the creator, the grouped
    # statements, release savepoint.
    with django_assert_num_queries(7 + scoping_queries()):
        finance_client.get(url)


def test_another_agencys_creator_is_a_404(finance_client, agency, other_agency):
    stranger = CreatorFactory(agency=other_agency)

    assert finance_client.get(_page(agency, stranger)).status_code == 404
    assert finance_client.get(_api(agency, stranger)).status_code == 404


def test_a_community_manager_does_not_see_income(agency, community_manager, earner):
    client = client_for(community_manager)

    assert client.get(_page(agency, earner)).status_code == 403
    assert client.get(_api(agency, earner)).status_code == 403


# --- the creator portal -------------------------------------------------------------------------


def test_the_creator_sees_their_own_income_mix(creator_client, agency, earner):
    other = CreatorFactory(agency=agency)
    _statement(other, "X-1", "777.00", month=month_start(agency_today(agency)), source="other")

    response = creator_client.get(reverse("payouts:portal_income", args=[agency.slug]))
    api = creator_client.get(f"/api/v1/agencies/{agency.slug}/me/income/")

    assert response.status_code == 200
    assert "777" not in response.content.decode()
    assert [c["currency"] for c in api.json()["currencies"]] == ["EUR", "USD"]
    assert "777" not in api.content.decode()


def test_a_creator_login_without_a_roster_entry_gets_404(creator_client, agency, creator_user):
    Creator.objects.filter(agency=agency, user=creator_user).update(user=None)

    assert (
        creator_client.get(reverse("payouts:portal_income", args=[agency.slug])).status_code == 404
    )
    assert creator_client.get(f"/api/v1/agencies/{agency.slug}/me/income/").status_code == 404


# --- the API ------------------------------------------------------------------------------------


def test_the_api_gives_the_mix_per_currency(finance_client, agency, months, earner):
    before, _last = months

    body = finance_client.get(_api(agency, earner) + "?months=3").json()

    usd = next(c for c in body["currencies"] if c["currency"] == "USD")
    assert body["first_month"] == before.isoformat()[:7]
    assert usd["total"] == "300.00" and usd["estimated"] == "150.00"
    assert usd["months"][-1]["amounts"] == {"live_gifts": "50.00", "merchandise": "150.00"}
    assert body["converted"] is None and body["convert_to"] == ""


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("months=0", "months"),
        ("months=99", "months"),
        ("months=x", "months"),
        ("convert_to=XYZ", "convert_to"),
    ],
)
def test_the_api_refuses_bad_choices(finance_client, agency, earner, query, field):
    response = finance_client.get(_api(agency, earner) + "?" + query)

    assert response.status_code == 400
    assert field in response.json()


def test_statements_of_the_new_streams_are_accepted(agency):
    creator = CreatorFactory(agency=agency)
    month = dt.date(2026, 1, 1)

    for source in ("subscriptions", "merchandise"):
        _statement(creator, f"NEW-{source}", "1.00", month=month, source=source)

    assert creator.payout_statements.count() == 2

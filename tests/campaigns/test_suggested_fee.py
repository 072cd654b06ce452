"""The suggested fee per post on the contract form: each creator's tier from the rate card,
shown as read-only guidance in the rate card's own currency."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns import selectors
from campaigns.models import Contract, PaymentTerms
from creators.insights import rate_cards
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import scoping_queries

from .factories import ContractFactory, SponsorFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def creator_with(agency, *followers: int, name: str = ""):
    creator = CreatorFactory(agency=agency, **({"display_name": name} if name else {}))
    for count in followers:
        SocialAccountFactory(creator=creator, followers=count)
    return creator


def fee_guide_url(slug: str = "acme") -> str:
    return reverse("campaigns:contract-fee-guide", kwargs={"agency_slug": slug})


def fragment(client, creators, currency: str = "EUR", slug: str = "acme") -> str:
    ids = [c.pk for c in creators]
    response = client.get(fee_guide_url(slug), {"creators": ids, "currency": currency}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def tuned_card(agency, actor, currency: str = "EUR") -> None:
    rate_cards.rate_card_update(
        agency=agency,
        actor=actor,
        currency=currency,
        tiers={
            "micro": {"min_followers": 5_000, "fee_min": Decimal("40"), "fee_max": Decimal("200")},
            "mid": {"min_followers": 50_000, "fee_min": Decimal("200"), "fee_max": Decimal("900")},
            "macro": {
                "min_followers": 400_000,
                "fee_min": Decimal("900"),
                "fee_max": Decimal("3000"),
            },
            "mega": {"min_followers": 2_000_000, "fee_min": Decimal("3000"), "fee_max": None},
        },
    )


def test_a_micro_creator_without_a_rate_card_gets_the_design_default_range(agency, manager_client):
    micro = creator_with(agency, 30_000, name="Mia Micro")

    guide = selectors.contract_fee_guide(agency=agency, creator_ids=[micro.pk])

    (row,) = guide.rows
    assert (row.band.tier, row.band.fee_min, row.band.fee_max) == (
        "micro",
        Decimal("25.00"),
        Decimal("125.00"),
    )
    # halfway between 10k and 50k followers: halfway between $25 and $125
    assert row.suggested == Decimal("75.00")
    assert guide.currency == "USD"
    html = fragment(manager_client, [micro], currency="USD")
    assert "Mia Micro" in html
    assert "30,000" in html
    assert "Micro" in html
    assert "$25.00 \u2013 $125.00" in html
    assert "$75.00" in html
    assert "Fee range per post (USD)" in html


def test_a_mega_creator_gets_the_open_top_tier_and_its_minimum(agency, manager_client):
    mega = creator_with(agency, 2_400_000, name="Max Mega")

    html = fragment(manager_client, [mega], currency="USD")

    assert "Mega" in html
    assert "$2,500.00+" in html
    (row,) = selectors.contract_fee_guide(agency=agency, creator_ids=[mega.pk]).rows
    assert row.suggested == Decimal("2500.00")


def test_the_tier_comes_from_the_creators_largest_account(agency):
    creator = creator_with(agency, 20_000, 600_000, 1_000)

    (row,) = selectors.contract_fee_guide(agency=agency, creator_ids=[creator.pk]).rows

    assert row.followers == 600_000
    assert row.band.tier == "macro"


def test_the_agencys_own_rate_card_replaces_the_defaults(agency, owner, manager_client):
    tuned_card(agency, owner, currency="EUR")
    creator = creator_with(agency, 30_000, name="Mia Micro")

    html = fragment(manager_client, [creator], currency="EUR")

    assert "\u20ac40.00 \u2013 \u20ac200.00" in html
    assert "Fee range per post (EUR)" in html
    assert "$25.00" not in html
    # the contract is in the rate card's currency: nothing to warn about
    assert "not converted" not in html


def test_a_contract_in_another_currency_shows_the_rate_cards_currency_unconverted(
    agency, manager_client
):
    creator = creator_with(agency, 30_000)

    html = fragment(manager_client, [creator], currency="EUR")

    assert "The rate card is in USD and this contract is in EUR" in html
    assert "not converted" in html
    assert "$25.00 \u2013 $125.00" in html
    assert "\u20ac25.00" not in html


def test_creators_below_the_lowest_tier_or_without_accounts_get_no_fee(agency, manager_client):
    small = creator_with(agency, 9_999, name="Sam Small")
    bare = creator_with(agency, name="Nina Noaccount")

    guide = selectors.contract_fee_guide(agency=agency, creator_ids=[small.pk, bare.pk])

    assert [(r.name, r.band, r.suggested) for r in guide.rows] == [
        ("Nina Noaccount", None, None),
        ("Sam Small", None, None),
    ]
    html = fragment(manager_client, [small, bare])
    assert "Below the lowest tier" in html
    assert "No social accounts" in html


def test_another_agencys_creator_never_shows(agency, other_agency, manager_client):
    ours = creator_with(agency, 30_000, name="Our Creator")
    theirs = creator_with(other_agency, 2_000_000, name="Their Creator")

    html = fragment(manager_client, [ours, theirs])

    assert "Our Creator" in html
    assert "Their Creator" not in html
    assert "2,000,000" not in html
    guide = selectors.contract_fee_guide(agency=agency, creator_ids=[theirs.pk])
    assert guide.rows == []


def test_bad_input_is_ignored_and_shows_the_empty_state(agency, manager_client):
    response = manager_client.get(
        fee_guide_url(), {"creators": ["abc", "-1", ""], "currency": "XX<"}, **HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Pick the contract's creators" in html
    assert "XX&lt;" not in html and "XX<" not in html


def test_the_edit_form_shows_the_contracts_creators(agency, manager_client):
    micro = creator_with(agency, 30_000, name="Mia Micro")
    mega = creator_with(agency, 1_500_000, name="Max Mega")
    contract = ContractFactory(agency=agency, creators=[micro, mega], currency="USD")

    response = manager_client.get(
        reverse("campaigns:contract-edit", kwargs={"agency_slug": "acme", "pk": contract.pk})
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="fee-guide"' in html
    assert fee_guide_url() in html
    assert "$25.00 \u2013 $125.00" in html
    assert "$2,500.00+" in html
    assert "not converted" not in html


def test_the_create_form_starts_empty_and_the_fragment_follows_the_picked_creators(
    agency, manager_client
):
    micro = creator_with(agency, 30_000, name="Mia Micro")

    page = manager_client.get(reverse("campaigns:contract-create", kwargs={"agency_slug": "acme"}))

    html = page.content.decode()
    assert "Pick the contract's creators" in html
    assert 'hx-include="#id_creators, #id_currency"' in html
    assert "Mia Micro" in fragment(manager_client, [micro])


def test_a_rejected_form_keeps_the_guide_for_the_picked_creators(agency, manager_client):
    micro = creator_with(agency, 30_000, name="Mia Micro")

    response = manager_client.post(
        reverse("campaigns:contract-create", kwargs={"agency_slug": "acme"}),
        {"creators": [micro.pk], "currency": "GBP", "title": ""},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "$25.00 \u2013 $125.00" in html
    assert "this contract is in GBP" in html
    assert not Contract.objects.exists()


def test_the_guide_never_changes_the_fee_that_is_saved(agency, manager, manager_client):
    mega = creator_with(agency, 3_000_000)
    sponsor = SponsorFactory(agency=agency)

    response = manager_client.post(
        reverse("campaigns:contract-create", kwargs={"agency_slug": "acme"}),
        {
            "title": "Launch",
            "sponsor": sponsor.pk,
            "creators": [mega.pk],
            "fee": "100.00",
            "currency": "USD",
            "payment_terms": PaymentTerms.NET_30,
            "start_date": "2024-03-01",
            "end_date": "2024-03-31",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Contract.objects.get().fee == Decimal("100.00")


@pytest.mark.parametrize("n", [2, 8])
def test_the_fragment_queries_do_not_grow_with_creators(agency, manager_client, n):
    creators = [creator_with(agency, 20_000 * (i + 1), 5_000) for i in range(n)]
    manager_client.get(fee_guide_url(), **HTMX)  # the first visit stores the agency in the session

    with CaptureQueriesContext(connection) as queries:
        html = fragment(manager_client, creators)

    assert html.count("<tr>") == n + 1
    # savepoint and release (ATOMIC_REQUESTS), session, user, membership (agency_view), the
    # rate card, the creators with their largest account's followers (one subquery): the
    # same for 2 and 8 creators.
    assert len(queries) == 7 + scoping_queries(), [q["sql"] for q in queries]

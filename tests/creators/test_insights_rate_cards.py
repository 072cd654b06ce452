"""Rate cards: tiers by followers (DESIGN.md defaults, then the agency's own), the suggested
fee, the roster column, the owner's rate card page and API."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import AuditLog
from creators.insights import rate_cards
from creators.insights.rate_cards import band_for, default_bands, suggested_fee
from creators.models import RateCardTier
from tests.factories import CreatorFactory, SocialAccountFactory

from .support import roster_url


@pytest.mark.parametrize(
    ("followers", "tier"),
    [
        (9_999, None),
        (10_000, "micro"),
        (49_999, "micro"),
        (50_000, "mid"),
        (499_999, "mid"),
        (500_000, "macro"),
        (999_999, "macro"),
        (1_000_000, "mega"),
        (80_000_000, "mega"),
    ],
)
def test_the_default_tiers_follow_design_md(followers, tier):
    band = band_for(followers, default_bands())

    assert (band.tier if band else None) == tier


def test_the_default_fee_ranges_follow_design_md():
    ranges = {b.tier: (b.fee_min, b.fee_max, b.max_followers) for b in default_bands()}

    assert ranges == {
        "micro": (D("25.00"), D("125.00"), 50_000),
        "mid": (D("125.00"), D("1250.00"), 500_000),
        "macro": (D("1250.00"), D("2500.00"), 1_000_000),
        "mega": (D("2500.00"), None, None),
    }


@pytest.mark.parametrize(
    ("followers", "fee"),
    [
        (10_000, D("25.00")),  # the bottom of micro
        (30_000, D("75.00")),  # 25 + 100 x 20,000 / 40,000
        (49_999, D("125.00")),  # 25 + 100 x 39,999 / 40,000 = 124.9975
        (275_000, D("687.50")),  # 125 + 1,125 x 225,000 / 450,000
        (2_000_000, D("2500.00")),  # mega is open-ended: its minimum
    ],
)
def test_the_suggested_fee_sits_inside_the_tier_by_followers(followers, fee):
    band = band_for(followers, default_bands())

    assert suggested_fee(followers, band) == fee


def _tiers(**changes) -> dict:
    tiers = {
        "micro": {"min_followers": 5_000, "fee_min": D("20"), "fee_max": D("100")},
        "mid": {"min_followers": 50_000, "fee_min": D("100"), "fee_max": D("1000")},
        "macro": {"min_followers": 500_000, "fee_min": D("1000"), "fee_max": D("3000")},
        "mega": {"min_followers": 1_000_000, "fee_min": D("3000"), "fee_max": None},
    }
    for key, values in changes.items():
        tiers[key] = {**tiers[key], **values}
    return tiers


def test_the_agency_saves_its_own_rate_card_once_and_it_is_audited(agency, owner):
    assert not RateCardTier.objects.filter(agency=agency).exists()  # defaults until saved

    bands = rate_cards.rate_card_update(agency=agency, actor=owner, tiers=_tiers(), currency="EUR")

    assert [(b.tier, b.min_followers, b.currency) for b in bands] == [
        ("micro", 5_000, "EUR"),
        ("mid", 50_000, "EUR"),
        ("macro", 500_000, "EUR"),
        ("mega", 1_000_000, "EUR"),
    ]
    assert RateCardTier.objects.filter(agency=agency).count() == 4
    entry = AuditLog.objects.get(agency=agency, action="rate_card.update")
    assert entry.actor == owner
    assert entry.before["micro"]["min_followers"] == 10_000
    assert entry.after["micro"] == {
        "min_followers": 5_000,
        "fee_min": "20.00",
        "fee_max": "100.00",
        "currency": "EUR",
    }
    # Saving the same card again changes nothing and logs nothing.
    rate_cards.rate_card_update(agency=agency, actor=owner, tiers=_tiers(), currency="EUR")
    assert AuditLog.objects.filter(agency=agency, action="rate_card.update").count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mid": {"min_followers": 5_000}}, "mid_min_followers"),  # not above micro
        ({"macro": {"min_followers": 40_000}}, "macro_min_followers"),
        ({"micro": {"fee_max": D("10")}}, "micro_fee_max"),  # below fee_min
        ({"mid": {"fee_max": None}}, "mid_fee_max"),  # only mega is open-ended
    ],
)
def test_a_broken_rate_card_is_refused_whole(agency, owner, changes, field):
    with pytest.raises(ValidationError) as raised:
        rate_cards.rate_card_update(
            agency=agency, actor=owner, tiers=_tiers(**changes), currency="USD"
        )

    assert field in raised.value.message_dict
    assert not RateCardTier.objects.filter(agency=agency).exists()
    assert not AuditLog.objects.filter(agency=agency, action="rate_card.update").exists()


# --- the roster column (SQL) agrees with the pure tiers ----------------------------------------


@pytest.mark.parametrize("followers", [0, 4_999, 5_000, 9_999, 10_000, 50_000, 999_999, 10**6])
@pytest.mark.parametrize("own_card", [False, True])
def test_the_roster_tier_matches_the_rate_card(manager_client, agency, owner, followers, own_card):
    if own_card:
        rate_cards.rate_card_update(agency=agency, actor=owner, tiers=_tiers(), currency="USD")
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, followers=followers)

    response = manager_client.get(roster_url(agency))

    (row,) = response.context["creators"]
    expected = band_for(followers, rate_cards.rate_card(agency=agency))
    assert row.tier == (expected.tier if expected else None)


def test_the_roster_tier_follows_a_rate_card_saved_after_a_visit(manager_client, agency, owner):
    # The list pages read the card from the cache (rate_cards.rate_card_cached).
    SocialAccountFactory(creator=CreatorFactory(agency=agency), followers=6_000)
    assert manager_client.get(roster_url(agency)).context["creators"][0].tier is None

    rate_cards.rate_card_update(agency=agency, actor=owner, tiers=_tiers(), currency="USD")

    expected = band_for(6_000, rate_cards.rate_card(agency=agency))
    assert expected is not None
    assert manager_client.get(roster_url(agency)).context["creators"][0].tier == expected.tier


def test_the_tier_follows_the_largest_account(manager_client, agency):
    creator = CreatorFactory(agency=agency, display_name="Two Platforms")
    SocialAccountFactory(creator=creator, platform="tiktok", followers=30_000)
    SocialAccountFactory(creator=creator, platform="instagram", followers=600_000)

    response = manager_client.get(roster_url(agency))

    assert response.context["creators"][0].tier == "macro"
    assert "Macro" in response.content.decode()


def test_another_agencys_rate_card_does_not_apply(manager_client, agency, other_agency, outsider):
    rate_cards.rate_card_update(agency=other_agency, actor=outsider, tiers=_tiers(), currency="USD")
    SocialAccountFactory(creator=CreatorFactory(agency=agency), followers=6_000)

    response = manager_client.get(roster_url(agency))

    assert response.context["creators"][0].tier is None  # our defaults start at 10,000


def test_the_creator_page_shows_the_tier_and_a_suggested_fee(manager_client, agency):
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, followers=30_000)

    response = manager_client.get(reverse("creators:detail", args=[agency.slug, creator.pk]))

    body = response.content.decode()
    assert "Micro" in body
    assert "$25.00 \u2013 $125.00" in body
    assert "$75.00" in body


# --- the page --------------------------------------------------------------------------------


def _page(agency) -> str:
    return reverse("creators:rate-card", args=[agency.slug])


def _form_data(**overrides) -> dict:
    data = {"currency": "USD"}
    for tier, values in _tiers().items():
        for name, value in values.items():
            data[f"{tier}_{name}"] = "" if value is None else str(value)
    data.update(overrides)
    return data


def test_staff_read_the_rate_card_but_only_the_owner_gets_the_form(
    manager_client, owner_client, agency
):
    as_manager = manager_client.get(_page(agency))
    as_owner = owner_client.get(_page(agency))

    assert as_manager.status_code == 200
    assert as_manager.context["form"] is None
    assert "$2,500.00+" in as_manager.content.decode()
    assert as_owner.context["form"] is not None


def test_the_owner_edits_the_rate_card(owner_client, agency):
    response = owner_client.post(_page(agency), _form_data())

    assert response.status_code == 302
    assert rate_cards.rate_card(agency=agency)[0].min_followers == 5_000


def test_a_bad_rate_card_shows_the_error_next_to_the_field(owner_client, agency):
    response = owner_client.post(_page(agency), _form_data(mid_min_followers="1000"))

    assert response.status_code == 200
    assert response.context["form"].errors["mid_min_followers"]
    assert not RateCardTier.objects.filter(agency=agency).exists()


def test_a_manager_cannot_post_the_rate_card(manager_client, agency):
    assert manager_client.post(_page(agency), _form_data()).status_code == 403
    assert not RateCardTier.objects.filter(agency=agency).exists()


# --- the API ---------------------------------------------------------------------------------


def _api(agency) -> str:
    return reverse("api:rate-card", args=[agency.slug])


def _body(**tier_changes) -> dict:
    return {
        "currency": "USD",
        "tiers": [
            {"tier": tier, **{k: (None if v is None else str(v)) for k, v in values.items()}}
            for tier, values in _tiers(**tier_changes).items()
        ],
    }


def test_the_api_reads_the_defaults_then_the_owners_card(finance_client, owner_client, agency):
    before = finance_client.get(_api(agency)).json()

    saved = owner_client.put(_api(agency), _body(), content_type="application/json")

    assert before["tiers"][0] == {
        "tier": "micro",
        "min_followers": 10_000,
        "max_followers": 50_000,
        "fee_min": "25.00",
        "fee_max": "125.00",
    }
    assert saved.status_code == 200
    assert saved.json()["tiers"][0]["min_followers"] == 5_000
    assert finance_client.get(_api(agency)).json()["tiers"][-1]["fee_max"] is None


def test_a_bad_rate_card_through_the_api_is_a_400_and_writes_nothing(owner_client, agency):
    response = owner_client.put(
        _api(agency), _body(mid={"min_followers": 1}), content_type="application/json"
    )
    missing = owner_client.put(
        _api(agency), {"currency": "USD", "tiers": _body()["tiers"][:3]}, "application/json"
    )

    assert response.status_code == 400
    assert "mid_min_followers" in response.json()
    assert missing.status_code == 400
    assert not RateCardTier.objects.filter(agency=agency).exists()

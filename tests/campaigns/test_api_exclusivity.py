"""The API twins of two campaign screens: the contract form's exclusivity confirmation and the
disclosure checklist (edit it, tick a caption against it). Each goes through the screen's
service, so the rule and the audit trail are the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from campaigns.models import Checklist, Contract
from tests.factories import CreatorFactory
from tests.helpers import member

from .factories import CampaignFactory, SponsorFactory
from .test_contracts import make_contract

pytestmark = pytest.mark.django_db


def api(name, **kwargs):
    return reverse(f"api:{name}", kwargs={"agency_slug": "acme", **kwargs})


@pytest.fixture
def creator(agency):
    return CreatorFactory(agency=agency)


@pytest.fixture
def signed(agency, manager, creator):
    return make_contract(agency, manager, [creator], status="signed")


def rival(agency, creator, **extra) -> dict:
    """A contract whose exclusivity overlaps `signed`'s: same category, country and March."""
    return {
        "title": "Rival drink",
        "sponsor": SponsorFactory(agency=agency).pk,
        "creators": [creator.pk],
        "fee": "500.00",
        "currency": "EUR",
        "start_date": "2024-03-01",
        "end_date": "2024-04-30",
        "exclusivity_category": "Energy drinks",
        "exclusivity_territory": ["NL"],
        "exclusivity_start": "2024-03-31",
        "exclusivity_end": "2024-04-30",
        **extra,
    }


# --- exclusivity ----------------------------------------------------------------------------


def test_a_conflicting_contract_is_refused_with_409_and_the_conflicts(
    agency, manager_client, creator, signed
):
    response = manager_client.post(
        api("contract-list"), rival(agency, creator), content_type="application/json"
    )

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "exclusivity_conflict" and body["detail"]
    [conflict] = body["conflicts"]
    assert conflict["contract"] == signed.pk and conflict["title"] == signed.title
    assert conflict["countries"] == ["NL"]
    assert (conflict["overlap_start"], conflict["overlap_end"]) == ("2024-03-31", "2024-03-31")
    assert Contract.objects.count() == 1  # nothing written
    assert AuditLog.objects.filter(action="contract.create").count() == 1  # `signed`'s own


def test_confirming_the_conflict_saves_it_as_the_form_does(agency, manager_client, creator, signed):
    response = manager_client.post(
        api("contract-list"),
        rival(agency, creator, confirm_exclusivity_conflict=True),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert "confirm_exclusivity_conflict" not in response.json()  # write-only
    assert Contract.objects.count() == 2
    assert AuditLog.objects.filter(action="contract.create", object_id=response.json()["id"])


def test_an_update_into_a_conflict_is_refused_unless_confirmed(
    agency, manager, manager_client, creator, signed
):
    other = make_contract(agency, manager, [creator], category="sneakers")
    url = api("contract-detail", pk=other.pk)
    change = {"exclusivity_category": "Energy drinks"}

    refused = manager_client.patch(url, change, content_type="application/json")
    assert refused.status_code == 409, refused.content
    other.refresh_from_db()
    assert other.exclusivity_category == "sneakers"

    saved = manager_client.patch(
        url, {**change, "confirm_exclusivity_conflict": True}, content_type="application/json"
    )
    assert saved.status_code == 200, saved.content
    other.refresh_from_db()
    assert other.exclusivity_category.lower() == "energy drinks"


def test_a_contract_without_conflict_needs_no_confirmation(agency, manager_client, creator):
    response = manager_client.post(
        api("contract-list"), rival(agency, creator), content_type="application/json"
    )
    assert response.status_code == 201, response.content


def test_the_confirmation_must_be_a_boolean(agency, manager_client, creator, signed):
    response = manager_client.post(
        api("contract-list"),
        rival(agency, creator, confirm_exclusivity_conflict="perhaps"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "confirm_exclusivity_conflict" in response.json()
    assert Contract.objects.count() == 1


# --- the disclosure checklist -----------------------------------------------------------------


@pytest.fixture
def campaign(agency):
    return CampaignFactory(agency=agency)


def test_a_manager_edits_the_checklist_and_it_is_audited(agency, manager, manager_client, campaign):
    url = api("checklist-detail", pk=campaign.pk)
    response = manager_client.patch(
        url,
        {
            "disclosure_text": "Paid partnership",
            "required_hashtags": ["ad", "#SpringDrop"],
            "required_mentions": ["brand"],
            "approver": manager.pk,
        },
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = manager_client.get(url).json()
    assert body["campaign"] == campaign.pk
    assert body["required_hashtags"] == ["#ad", "#SpringDrop"]
    assert body["required_mentions"] == ["@brand"]
    assert body["approver"] == manager.pk
    assert AuditLog.objects.filter(action="checklist.update").count() == 1


def test_the_approver_must_be_staff_of_this_agency(
    agency, other_agency, manager_client, campaign, creator_user
):
    outsider = member(other_agency, Role.OWNER, email="outsider@example.com")
    url = api("checklist-detail", pk=campaign.pk)
    before = Checklist.objects.get(campaign=campaign).approver_id

    for user in (outsider, creator_user):
        response = manager_client.patch(url, {"approver": user.pk}, content_type="application/json")
        assert response.status_code == 400, response.content
        assert "approver" in response.json()
    assert Checklist.objects.get(campaign=campaign).approver_id == before
    assert not AuditLog.objects.filter(action="checklist.update").exists()


@pytest.mark.parametrize(
    "change",
    [
        {"required_hashtags": "ad"},  # not a list
        {"required_hashtags": ["x" * 101]},
        {"disclosure_text": None},
        {"draft_due_date": "tomorrow"},
    ],
)
def test_bad_checklist_input_is_a_field_error_and_changes_nothing(manager_client, campaign, change):
    url = api("checklist-detail", pk=campaign.pk)
    before = manager_client.get(url).json()

    response = manager_client.patch(url, change, content_type="application/json")

    assert response.status_code == 400, response.content
    assert set(response.json()) & set(change)
    assert manager_client.get(url).json() == before


def test_a_caption_is_ticked_item_by_item(agency, manager_client, finance_client, campaign):
    manager_client.patch(
        api("checklist-detail", pk=campaign.pk),
        {"disclosure_text": "Paid partnership", "required_hashtags": ["#ad"]},
        content_type="application/json",
    )
    url = api("checklist-check", pk=campaign.pk)

    # Finance may view the campaign, so it may check a caption: nothing is saved.
    missing = finance_client.post(
        url, {"caption": "New drop! #AD"}, content_type="application/json"
    ).json()
    assert missing["passes"] is False and missing["missing"] == ["Paid partnership"]
    assert {(i["item"], i["kind"], i["present"]) for i in missing["items"]} == {
        ("Paid partnership", "disclosure", False),
        ("#ad", "hashtag", True),
    }

    ok = manager_client.post(
        url, {"caption": "Paid partnership: new drop #ad"}, content_type="application/json"
    ).json()
    assert ok["passes"] is True and ok["missing"] == []


def test_a_caption_check_needs_a_caption(manager_client, campaign):
    url = api("checklist-check", pk=campaign.pk)
    response = manager_client.post(url, {}, content_type="application/json")
    assert response.status_code == 400 and "caption" in response.json()
    too_long = manager_client.post(url, {"caption": "x" * 5001}, content_type="application/json")
    assert too_long.status_code == 400


def test_another_agencys_campaign_checklist_is_404(other_agency, manager_client):
    theirs = CampaignFactory(agency=other_agency)
    assert manager_client.get(api("checklist-detail", pk=theirs.pk)).status_code == 404
    assert (
        manager_client.post(
            api("checklist-check", pk=theirs.pk), {"caption": "x"}, content_type="application/json"
        ).status_code
        == 404
    )

"""The campaigns API through its real endpoints."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from campaigns.models import Campaign, Contract
from tests.factories import CreatorFactory

from .factories import SponsorFactory

pytestmark = pytest.mark.django_db


def api(name, **kwargs):
    return reverse(f"api:{name}", kwargs={"agency_slug": "acme", **kwargs})


def test_a_manager_creates_a_campaign_and_reads_its_dashboard(agency, manager_client):
    sponsor = SponsorFactory(agency=agency)
    response = manager_client.post(
        api("campaign-list"),
        {
            "name": "Spring",
            "code": "spring-24",
            "sponsor": sponsor.pk,
            "start_date": "2024-03-01",
            "end_date": "2024-04-30",
            "budget": "5000.00",
            "currency": "EUR",
            "attribution_window_days": 14,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    campaign = Campaign.objects.get()
    assert campaign.code == "SPRING-24" and campaign.checklist.disclosure_text
    assert AuditLog.objects.filter(action="campaign.create").exists()
    dashboard = manager_client.get(api("campaign-dashboard", pk=campaign.pk)).json()
    assert dashboard["total"]["views"] == 0 and dashboard["cost_from_budget"] is True


def test_a_duplicate_code_is_a_field_error(agency, manager_client):
    sponsor = SponsorFactory(agency=agency)
    body = {
        "name": "A",
        "code": "X-1",
        "sponsor": sponsor.pk,
        "start_date": "2024-03-01",
        "end_date": "2024-04-30",
        "budget": "1",
        "currency": "EUR",
        "attribution_window_days": 7,
    }
    assert (
        manager_client.post(api("campaign-list"), body, content_type="application/json").status_code
        == 201
    )
    response = manager_client.post(api("campaign-list"), body, content_type="application/json")
    assert response.status_code == 400
    assert Campaign.objects.count() == 1


def test_another_agencys_sponsor_cannot_be_used(agency, other_agency, manager_client):
    theirs = SponsorFactory(agency=other_agency)
    response = manager_client.post(
        api("contract-list"),
        {
            "title": "X",
            "sponsor": theirs.pk,
            "creators": [CreatorFactory(agency=agency).pk],
            "fee": "10",
            "currency": "EUR",
            "start_date": "2024-01-01",
            "end_date": "2024-02-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "sponsor" in response.json()
    assert not Contract.objects.exists()


def test_a_contract_moves_through_its_lifecycle_by_api(agency, manager_client):
    response = manager_client.post(
        api("contract-list"),
        {
            "title": "Deal",
            "sponsor": SponsorFactory(agency=agency).pk,
            "creators": [CreatorFactory(agency=agency).pk],
            "fee": "10",
            "currency": "EUR",
            "start_date": "2024-01-01",
            "end_date": "2024-02-01",
            "exclusivity_category": "drinks",
            "exclusivity_territory": ["nl", "be"],
            "exclusivity_start": "2024-01-01",
            "exclusivity_end": "2024-01-31",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["exclusivity_territory"] == ["BE", "NL"]
    bad = manager_client.post(
        api("contract-transition", pk=pk), {"to_status": "active"}, content_type="application/json"
    )
    assert bad.status_code == 400
    for step in ("sent", "signed"):
        ok = manager_client.post(
            api("contract-transition", pk=pk), {"to_status": step}, content_type="application/json"
        )
        assert ok.status_code == 200 and ok.json()["status"] == step


def test_a_creator_cannot_use_the_staff_api(creator_client):
    assert creator_client.get(api("campaign-list")).status_code == 403


@pytest.mark.parametrize(
    ("rate", "status", "stored"),
    [("0.1250", 201, "0.1250"), (None, 201, None), ("1.5", 400, None), ("-0.1", 400, None)],
)
def test_a_contracts_commission_rate_is_set_by_api_within_0_and_1(
    agency, manager_client, rate, status, stored
):
    from decimal import Decimal

    body = {
        "title": "Deal",
        "sponsor": SponsorFactory(agency=agency).pk,
        "creators": [CreatorFactory(agency=agency).pk],
        "fee": "10",
        "currency": "EUR",
        "start_date": "2024-01-01",
        "end_date": "2024-02-01",
        "commission_rate": rate,
    }

    response = manager_client.post(api("contract-list"), body, content_type="application/json")

    assert response.status_code == status, response.content
    if status == 201:
        contract = Contract.objects.get()
        assert contract.commission_rate == (Decimal(stored) if stored else None)
        assert response.json()["commission_rate"] == stored
    else:
        assert "commission_rate" in response.json()
        assert not Contract.objects.exists()

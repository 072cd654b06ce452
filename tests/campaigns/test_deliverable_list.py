"""The deliverables list across campaigns (`?status=`, `?overdue=1`) and the contract list's
`?ending=`: the lists the cockpit's counts open."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from campaigns.models import DeliverableStatus
from tests.campaigns.factories import ContractFactory, DeliverableFactory

TODAY = dt.date(2026, 12, 7)


@time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC), tick=False)
def test_the_list_filters_drafts_and_overdue(agency, manager_client, other_agency):
    draft = DeliverableFactory(
        campaign__agency=agency, status=DeliverableStatus.SUBMITTED, due_date=TODAY
    )
    late = DeliverableFactory(campaign__agency=agency, due_date=TODAY - dt.timedelta(days=2))
    DeliverableFactory(campaign__agency=other_agency, status=DeliverableStatus.SUBMITTED)
    url = reverse("campaigns:deliverable-list", args=[agency.slug])

    assert list(manager_client.get(url).context["page_obj"]) == [late, draft]
    assert list(manager_client.get(url, {"status": "submitted"}).context["page_obj"]) == [draft]
    response = manager_client.get(url, {"overdue": "1"})
    assert list(response.context["page_obj"]) == [late]
    assert "Overdue" in response.content.decode()


def test_unknown_filter_values_are_ignored(agency, manager_client):
    DeliverableFactory(campaign__agency=agency)
    url = reverse("campaigns:deliverable-list", args=[agency.slug])

    response = manager_client.get(url, {"status": "nonsense", "overdue": "yes please"})

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1


def test_an_empty_list_offers_the_campaigns(agency, manager_client):
    response = manager_client.get(reverse("campaigns:deliverable-list", args=[agency.slug]))

    assert "No deliverables yet" in response.content.decode()
    assert reverse("campaigns:list", args=[agency.slug]) in response.content.decode()


@time_machine.travel(dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC), tick=False)
def test_contracts_ending_within_days(agency, manager_client):
    soon = ContractFactory(agency=agency, status="active", usage_rights_until=TODAY)
    ContractFactory(agency=agency, status="active", usage_rights_until=TODAY - dt.timedelta(1))
    ContractFactory(agency=agency, status="completed", usage_rights_until=TODAY)
    url = reverse("campaigns:contract-list", args=[agency.slug])

    response = manager_client.get(url, {"ending": "30"})

    assert list(response.context["page_obj"]) == [soon]
    assert "end within 30 days" in response.content.decode()
    for bad in ("-1", "abc", "99999"):
        assert manager_client.get(url, {"ending": bad}).context["page_obj"].paginator.count == 3

"""A contract's own commission rate: entered as a percentage, stored 0..1, audited."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from agencies.models import AuditLog
from campaigns.models import Contract
from tests.factories import CreatorFactory

from .factories import ContractFactory, SponsorFactory

pytestmark = pytest.mark.django_db


def form_data(agency, creator, **changes) -> dict:
    return {
        "title": "Spring drinks",
        "sponsor": SponsorFactory(agency=agency).pk,
        "creators": [creator.pk],
        "fee": "500",
        "currency": "EUR",
        "payment_terms": "net_30",
        "start_date": "2024-03-01",
        "end_date": "2024-04-30",
        "platform_rewards_allowed": "on",
        **changes,
    }


def create_url(agency) -> str:
    return reverse("campaigns:contract-create", kwargs={"agency_slug": agency.slug})


def test_the_form_takes_a_percentage_and_stores_a_rate(agency, manager_client):
    creator = CreatorFactory(agency=agency)
    response = manager_client.post(
        create_url(agency), form_data(agency, creator, commission_percent="12.5")
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.commission_rate == Decimal("0.1250")
    entry = AuditLog.objects.get(action="contract.create")
    assert entry.after["commission_rate"] == "0.1250"


def test_blank_means_the_creators_rate(agency, manager_client):
    creator = CreatorFactory(agency=agency)
    response = manager_client.post(create_url(agency), form_data(agency, creator))
    assert response.status_code == 302
    assert Contract.objects.get().commission_rate is None


@pytest.mark.parametrize("percent", ["-1", "100.01", "12.345", "abc", "NaN"])
def test_an_impossible_percentage_is_refused_and_nothing_saved(agency, manager_client, percent):
    creator = CreatorFactory(agency=agency)
    response = manager_client.post(
        create_url(agency), form_data(agency, creator, commission_percent=percent)
    )
    assert response.status_code == 400
    assert "commission_percent" in response.context["form"].errors
    assert not Contract.objects.exists()


def test_an_edit_of_the_rate_is_audited_with_before_and_after(agency, manager, manager_client):
    creator = CreatorFactory(agency=agency)
    manager_client.post(create_url(agency), form_data(agency, creator, commission_percent="10"))
    contract = Contract.objects.get()
    edit = reverse(
        "campaigns:contract-edit", kwargs={"agency_slug": agency.slug, "pk": contract.pk}
    )
    page = manager_client.get(edit)
    assert page.context["form"]["commission_percent"].initial == Decimal("10")
    data = form_data(agency, creator, commission_percent="", title=contract.title)
    data["sponsor"] = contract.sponsor_id
    assert manager_client.post(edit, data).status_code == 302
    contract.refresh_from_db()
    assert contract.commission_rate is None
    entry = AuditLog.objects.get(action="contract.update")
    assert (entry.before["commission_rate"], entry.after["commission_rate"]) == ("0.1000", None)


def test_the_detail_page_shows_the_rate_or_the_fallback(agency, manager_client):
    with_rate = ContractFactory(agency=agency, commission_rate=Decimal("0.1250"))
    without = ContractFactory(agency=agency)
    detail = "campaigns:contract-detail"
    page = manager_client.get(
        reverse(detail, kwargs={"agency_slug": agency.slug, "pk": with_rate.pk})
    )
    assert "12.50%" in page.content.decode()
    page = manager_client.get(
        reverse(detail, kwargs={"agency_slug": agency.slug, "pk": without.pk})
    )
    assert "the creator's rate" in page.content.decode()


@pytest.mark.parametrize("rate", ["-0.0001", "1.0001"])
def test_the_database_refuses_a_rate_outside_0_and_1(agency, rate):
    contract = ContractFactory(agency=agency)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(commission_rate=Decimal(rate))

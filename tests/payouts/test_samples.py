"""Sample files linked from each import page (issue 16): every one imports cleanly through
the real import page, and the payouts samples tell one story (statements, then a bank file
of the same account that pays them, then reconciliation)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from creators.models import Creator
from moderation.models import InboundMessage
from payouts.models import BankTransaction, Match, MatchStatus, PayoutStatement
from payouts.reconciliation import reconcile
from tests.factories import SocialAccountFactory

from .builders import account

pytestmark = pytest.mark.django_db
SAMPLES = Path(settings.BASE_DIR) / "static" / "samples"


def url(agency, name: str, **kwargs) -> str:
    return reverse(name, kwargs={"agency_slug": agency.slug, **kwargs})


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture
def creators(agency):
    return [SocialAccountFactory(creator__agency=agency) for _ in range(3)]


@pytest.mark.parametrize("fmt", ["camt053", "mt940"])
def test_the_payouts_samples_import_and_reconcile(finance_client, agency, creators, fmt):
    bank = account(agency)
    page = finance_client.get(url(agency, "payouts:statement_import")).content.decode()
    assert url(agency, "payouts:statements_sample") in page
    page = finance_client.get(url(agency, "payouts:bank_import", pk=bank.pk)).content.decode()
    assert url(agency, "payouts:bank_sample", pk=bank.pk, fmt=fmt) in page

    # given: the statements sample, imported on its page
    csv = finance_client.get(url(agency, "payouts:statements_sample"))
    assert csv["Content-Disposition"].startswith("attachment;")
    response = finance_client.post(
        url(agency, "payouts:statement_import"),
        {"file": upload("statements.csv", csv.content), "kind": "statements"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    statements = PayoutStatement.objects.filter(agency=agency)
    assert statements.count() == 3
    assert {s.creator_id for s in statements} == {a.creator_id for a in creators}

    # when: the bank sample of this account, imported on its page, then reconciled
    sample = finance_client.get(url(agency, "payouts:bank_sample", pk=bank.pk, fmt=fmt))
    response = finance_client.post(
        url(agency, "payouts:bank_import", pk=bank.pk),
        {"file": upload(f"sample.{fmt}", sample.content), "format": fmt},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert BankTransaction.objects.filter(agency=agency).count() == 4
    reconcile(agency=agency)

    # then: two paid by reference, one by amount and date, a credit nobody's
    confirmed = Match.objects.filter(agency=agency, status=MatchStatus.CONFIRMED)
    assert sorted(confirmed.values_list("rule", flat=True)) == [
        "amount_date",
        "reference",
        "reference",
    ]
    assert BankTransaction.objects.filter(agency=agency, allocated_amount=0).count() == 1


def test_a_bank_sample_of_another_agencys_account_is_404(finance_client, agency, other_agency):
    theirs = account(other_agency)

    response = finance_client.get(url(agency, "payouts:bank_sample", pk=theirs.pk, fmt="mt940"))

    assert response.status_code == 404


def test_an_unknown_sample_format_is_404(finance_client, agency):
    bank = account(agency)

    response = finance_client.get(url(agency, "payouts:bank_sample", pk=bank.pk, fmt="ofx"))

    assert response.status_code == 404


def test_people_who_cannot_import_get_no_sample(creator_client, agency):
    bank = account(agency)

    assert creator_client.get(url(agency, "payouts:statements_sample")).status_code in (403, 404)
    response = creator_client.get(url(agency, "payouts:bank_sample", pk=bank.pk, fmt="camt053"))
    assert response.status_code in (403, 404)


def test_the_roster_sample_imports_on_the_roster_import_page(owner_client, agency):
    page = owner_client.get(url(agency, "creators:import")).content.decode()
    assert "samples/roster-sample.csv" in page

    data = (SAMPLES / "roster-sample.csv").read_bytes()
    response = owner_client.post(
        url(agency, "creators:import"), {"file": upload("roster-sample.csv", data)}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert Creator.objects.filter(agency=agency, email__endswith="@sample.example").count() == 5


def test_the_comments_sample_imports_on_the_moderation_import_page(owner_client, agency):
    page = owner_client.get(url(agency, "moderation:import")).content.decode()
    assert "samples/comments-sample.csv" in page

    data = (SAMPLES / "comments-sample.csv").read_bytes()
    response = owner_client.post(
        url(agency, "moderation:import"), {"file": upload("comments-sample.csv", data)}
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert InboundMessage.objects.filter(agency=agency).count() == 10

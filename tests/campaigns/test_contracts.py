"""Contracts: exclusivity conflicts, the lifecycle, the signed PDF, reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from campaigns import services
from campaigns.models import Contract, ContractReminder
from tests.factories import CreatorFactory

from .factories import SponsorFactory

pytestmark = pytest.mark.django_db

MARCH = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))


def make_contract(
    agency,
    actor,
    creators,
    *,
    category="energy drinks",
    territory=("NL",),
    window=MARCH,
    worldwide=False,
    status="draft",
    **extra,
) -> Contract:
    fields = {
        "sponsor": SponsorFactory(agency=agency),
        "title": f"Deal {Contract.objects.count() + 1}",
        "fee": Decimal("1000.00"),
        "currency": "EUR",
        "start_date": dt.date(2024, 1, 1),
        "end_date": dt.date(2024, 12, 31),
        **extra,
    }
    if category:
        fields |= {
            "exclusivity_category": category,
            "exclusivity_territory": list(territory),
            "exclusivity_worldwide": worldwide,
            "exclusivity_start": window[0],
            "exclusivity_end": window[1],
        }
    # These tests build conflicting contracts on purpose: each is confirmed, as the form's
    # checkbox does (tests/campaigns/test_api_exclusivity.py tests the refusal).
    contract = services.contract_create(
        agency=agency, actor=actor, fields=fields, creators=creators, confirm_conflicts=True
    )
    path = {"sent": ["sent"], "signed": ["sent", "signed"], "active": ["sent", "signed", "active"]}
    for step in path.get(status, []):
        contract = services.contract_transition(contract=contract, actor=actor, to_status=step)
    return contract


@pytest.fixture
def creator(agency):
    return CreatorFactory(agency=agency)


@pytest.fixture
def signed(agency, manager, creator):
    return make_contract(agency, manager, [creator], status="signed")


def sign(contract, actor, **kwargs):
    contract = services.contract_transition(contract=contract, actor=actor, to_status="sent")
    return services.contract_transition(
        contract=contract, actor=actor, to_status="signed", **kwargs
    )


def test_an_overlapping_window_in_the_same_category_and_country_conflicts(
    agency, manager, creator, signed
):
    other = make_contract(
        agency, manager, [creator], window=(dt.date(2024, 3, 15), dt.date(2024, 4, 15))
    )
    [conflict] = services.contract_conflicts(other)
    assert conflict.other == signed
    assert conflict.countries == ("NL",)
    assert (conflict.overlap_start, conflict.overlap_end) == (dt.date(2024, 3, 15), MARCH[1])


def test_touching_windows_conflict_because_end_dates_are_inclusive(
    agency, manager, creator, signed
):
    touching = make_contract(agency, manager, [creator], window=(MARCH[1], dt.date(2024, 4, 30)))
    next_day = make_contract(
        agency, manager, [creator], window=(dt.date(2024, 4, 1), dt.date(2024, 4, 30))
    )
    assert len(services.contract_conflicts(touching)) == 1
    assert services.contract_conflicts(next_day) == []


def test_another_category_does_not_conflict_but_case_and_accents_do_not_matter(
    agency, manager, creator, signed
):
    other = make_contract(agency, manager, [creator], category="Snacks")
    same = make_contract(agency, manager, [creator], category="  ENERGY DRÍNKS ")
    assert services.contract_conflicts(other) == []
    assert len(services.contract_conflicts(same)) == 1


def test_another_territory_does_not_conflict_but_worldwide_covers_it(
    agency, manager, creator, signed
):
    belgium = make_contract(agency, manager, [creator], territory=("BE",))
    worldwide = make_contract(agency, manager, [creator], territory=(), worldwide=True)
    assert services.contract_conflicts(belgium) == []
    assert len(services.contract_conflicts(worldwide)) == 1


def test_another_creator_and_unsigned_contracts_do_not_conflict(agency, manager, creator, signed):
    other_creator = make_contract(agency, manager, [CreatorFactory(agency=agency)])
    draft = make_contract(
        agency, manager, [creator], window=(dt.date(2024, 5, 1), dt.date(2024, 5, 31))
    )
    after_draft = make_contract(
        agency, manager, [creator], window=(dt.date(2024, 5, 10), dt.date(2024, 5, 20))
    )
    assert services.contract_conflicts(other_creator) == []
    assert draft.status == "draft" and services.contract_conflicts(after_draft) == []


def test_a_conflicting_signature_is_refused_without_an_override(agency, manager, creator, signed):
    other = make_contract(agency, manager, [creator])
    with pytest.raises(ValidationError) as error:
        sign(other, manager)
    assert "override_reason" in error.value.message_dict
    other.refresh_from_db()
    assert other.status == "sent"  # the send went through; the signature did not


def test_a_manager_cannot_override_an_exclusivity_conflict(agency, manager, creator, signed):
    other = make_contract(agency, manager, [creator], status="sent")
    with pytest.raises(ValidationError, match="Only an owner"):
        services.contract_transition(
            contract=other, actor=manager, to_status="signed", override_reason="Client agreed"
        )


def test_an_owner_overrides_with_a_reason_and_it_is_audited(
    agency, owner, manager, creator, signed
):
    other = make_contract(agency, manager, [creator], status="sent")
    other = services.contract_transition(
        contract=other, actor=owner, to_status="signed", override_reason="Sponsor waived it"
    )
    assert other.status == "signed" and other.override_reason == "Sponsor waived it"
    entry = AuditLog.objects.get(action="contract.sign_override")
    assert entry.actor == owner
    assert entry.after["overridden_conflicts"][0]["contract"] == signed.pk


def test_lifecycle_transitions_are_validated_and_audited(agency, manager, creator):
    contract = make_contract(agency, manager, [creator], category="")
    with pytest.raises(ValidationError, match="cannot become"):
        services.contract_transition(contract=contract, actor=manager, to_status="active")
    contract = sign(contract, manager)
    assert contract.signed_at is not None
    with pytest.raises(ValidationError):
        services.contract_transition(contract=contract, actor=manager, to_status="terminated")
    contract = services.contract_transition(
        contract=contract, actor=manager, to_status="terminated", reason="Brand went bust"
    )
    assert contract.status == "terminated"
    actions = list(
        AuditLog.objects.filter(object_id=str(contract.pk)).values_list("action", flat=True)
    )
    assert {"contract.create", "contract.sent", "contract.signed", "contract.terminated"} <= set(
        actions
    )


def test_only_a_draft_can_be_edited(agency, manager, creator, signed):
    with pytest.raises(ValidationError, match="Only a draft"):
        services.contract_update(contract=signed, actor=manager, fields={"title": "New"})


def test_exclusivity_needs_dates_and_a_territory(agency, manager, creator):
    with pytest.raises(ValidationError) as error:
        make_contract(agency, manager, [creator], territory=(), window=(MARCH[1], MARCH[0]))
    assert {"exclusivity_end", "exclusivity_territory"} <= set(error.value.message_dict)
    assert not Contract.objects.exists()


def test_the_signed_pdf_is_checked_by_its_first_bytes(
    agency, manager, creator, signed, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("contract.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ValidationError, match="not a PDF"):
        services.contract_attach_signed_pdf(contract=signed, actor=manager, upload=fake)
    real = SimpleUploadedFile("x.exe", b"%PDF-1.7\n...", "application/octet-stream")
    signed = services.contract_attach_signed_pdf(contract=signed, actor=manager, upload=real)
    assert signed.signed_pdf.name.endswith(".pdf") and "x.exe" not in signed.signed_pdf.name
    assert AuditLog.objects.filter(action="contract.attach_pdf").count() == 1


def test_a_too_large_pdf_is_refused(agency, manager, signed, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("campaigns.services.contracts.CONTRACT_PDF_MAX_BYTES", 10)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 20, "application/pdf")
    with pytest.raises(ValidationError, match="larger than"):
        services.contract_attach_signed_pdf(contract=signed, actor=manager, upload=big)


def test_the_pdf_download_is_for_this_agencys_staff(
    agency, manager, manager_client, signed, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("c.pdf", b"%PDF-1.4 hello", "application/pdf")
    services.contract_attach_signed_pdf(contract=signed, actor=manager, upload=pdf)
    url = reverse("campaigns:contract-pdf", kwargs={"agency_slug": "acme", "pk": signed.pk})
    response = manager_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_reminders_are_sent_once_per_contract_and_threshold(agency, manager, creator):
    contract = make_contract(
        agency,
        manager,
        [creator],
        category="",
        status="signed",
        end_date=dt.date(2024, 6, 30),
        account_manager=manager,
    )
    assert services.contract_reminders_send(agency=agency, today=dt.date(2024, 5, 1)) == 0
    assert services.contract_reminders_send(agency=agency, today=dt.date(2024, 5, 31)) == 1
    assert services.contract_reminders_send(agency=agency, today=dt.date(2024, 5, 31)) == 0
    assert services.contract_reminders_send(agency=agency, today=dt.date(2024, 6, 2)) == 0
    # A missed run: at 3 days left, one e-mail for the 7-day threshold (14 is marked too).
    assert services.contract_reminders_send(agency=agency, today=dt.date(2024, 6, 27)) == 1
    assert [m.to for m in mail.outbox] == [[manager.email], [manager.email]]
    assert set(
        ContractReminder.objects.filter(contract=contract).values_list("days_before", flat=True)
    ) == {30, 14, 7}


def test_the_contract_form_shows_conflicts_before_saving(
    agency, manager, manager_client, creator, signed
):
    url = reverse("campaigns:contract-create", kwargs={"agency_slug": "acme"})
    data = {
        "title": "Rival drink",
        "sponsor": SponsorFactory(agency=agency).pk,
        "creators": [creator.pk],
        "fee": "500",
        "currency": "EUR",
        "payment_terms": "net_30",
        "start_date": "2024-03-01",
        "end_date": "2024-04-30",
        "exclusivity_category": "Energy drinks",
        "exclusivity_territory": ["NL"],
        "exclusivity_start": "2024-03-31",
        "exclusivity_end": "2024-04-30",
        "platform_rewards_allowed": "on",
    }
    response = manager_client.post(url, data)
    assert response.status_code == 400
    assert "Exclusivity conflicts" in response.content.decode()
    assert signed.title in response.content.decode()
    assert Contract.objects.count() == 1
    response = manager_client.post(url, {**data, "confirm_conflicts": "on"})
    assert response.status_code == 302
    assert Contract.objects.count() == 2


def test_the_creators_contract_list_shows_conflicts(
    agency, owner, manager, manager_client, creator, signed
):
    other = make_contract(agency, manager, [creator], status="sent")
    services.contract_transition(
        contract=other, actor=owner, to_status="signed", override_reason="ok"
    )
    url = reverse("campaigns:creator-contracts", kwargs={"agency_slug": "acme", "pk": creator.pk})
    body = manager_client.get(url).content.decode()
    assert f"Conflicts with {signed.title}" in body
    assert f"Conflicts with {other.title}" in body

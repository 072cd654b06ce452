"""Dispute evidence packs: gathered by campaign code in a Celery task into a ZIP attached to
the dispute (transcripts with the replies sent, conversion timestamps, the brief and the
contract's clauses, the statement's lines, a summary), downloaded by staff only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditLog
from campaigns.models import Campaign, ConversionEvent
from moderation.models import AutomatedAction, OutboxMessage
from payouts.evidence import evidence_pack_build, evidence_pack_request
from payouts.models import DisputeEvidencePack, PayoutLine
from payouts.services import dispute_open
from tests.campaigns.factories import CampaignFactory, ContractFactory
from tests.factories import CreatorFactory
from tests.helpers import client_for, scoping_queries
from tests.moderation.conftest import make_message

from .builders import statement

CODE = "SPRING-26"


def _at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 2, hour, minute, tzinfo=dt.UTC)


def _reply(message, text: str, when: dt.datetime, kind: str = "reply") -> OutboxMessage:
    action = AutomatedAction.objects.create(
        agency=message.agency,
        message=message,
        contact=message.contact,
        kind=kind,
        outcome="sent",
        platform=message.platform,
        account=message.account,
        text=text,
        sent_at=when,
    )
    return OutboxMessage.objects.create(
        agency=message.agency,
        action=action,
        platform=message.platform,
        account=message.account,
        recipient=message.contact.handle,
        kind=kind,
        in_reply_to=message.platform_message_id,
        text=text,
        created_at=when,
    )


@pytest.fixture
def dispute(agency):
    creator = CreatorFactory(agency=agency, display_name="Mila")
    contract = ContractFactory(
        agency=agency,
        indemnification="The creator indemnifies the sponsor for policy violations.",
        attribution_requirements="Tag @brand in the first line.",
    )
    campaign = CampaignFactory(
        agency=agency,
        code=CODE,
        contract=contract,
        brief="Show the can in the first 3 seconds.",
    )
    asked = make_message(
        agency, "=HYPERLINK(price?)", campaign_code="spring-26", sent_at=_at(9), author="fan1"
    )
    _reply(asked, "The link is in our bio!", _at(9, 30))
    dm = make_message(agency, "JA", kind="dm", campaign_code=CODE, sent_at=_at(10), author="fan2")
    _reply(dm, "Thanks! What is your e-mail address?", _at(10, 20), kind="dm")
    make_message(agency, "other campaign", campaign_code="AUTUMN-25", sent_at=_at(11))
    ConversionEvent.objects.create(
        agency=agency,
        campaign=campaign,
        kind="lead",
        occurred_at=_at(12),
        value=D("0"),
        currency="EUR",
        external_id="lead-1",
    )
    payout = statement(agency, "TT-DISPUTED", "100.00", creator=creator)
    PayoutLine.objects.create(
        agency=agency,
        statement=payout,
        asset_reference="video-1",
        campaign_code=CODE,
        amount=D("60.00"),
    )
    return dispute_open(
        statement=payout,
        actor=None,
        opened_at=timezone.now(),
        transaction_data="video-1: 60.00 withheld",
        links="",
    )


def _page(agency, dispute) -> str:
    return reverse("payouts:dispute_evidence", args=[agency.slug, dispute.pk])


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_finance_builds_a_pack_and_staff_download_it(
    agency, finance, manager, dispute, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(finance).post(_page(agency, dispute), {"campaign_code": "spring-26"})

    assert response.status_code == 302
    pack = DisputeEvidencePack.objects.get(dispute=dispute)
    assert (pack.status, pack.campaign_code) == ("ready", CODE)
    assert pack.counts == {"messages": 2, "replies": 2, "conversions": 1, "lines": 1}
    download = client_for(manager).get(
        reverse("payouts:evidence_download", args=[agency.slug, pack.pk])
    )
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "no-store" in download["Cache-Control"]
    archive = _zip(download)
    assert sorted(archive.namelist()) == [
        "brief.txt",
        "contract_clauses.csv",
        "conversions.csv",
        "statement_lines.csv",
        "summary.csv",
        "transcript.csv",
    ]
    transcript = _csv(archive, "transcript.csv")
    assert [(row[1], row[2], row[6]) for row in transcript[1:]] == [
        ("received", "comment", "'=HYPERLINK(price?)"),  # formula-safe
        ("sent", "reply", "The link is in our bio!"),
        ("received", "dm", "JA"),
        ("sent", "dm", "Thanks! What is your e-mail address?"),
    ]
    conversions = _csv(archive, "conversions.csv")
    # The agency's wall-clock time with its offset (Amsterdam: 12:00 UTC is 13:00 +01:00).
    assert conversions[1][:2] == ["2026-03-02T13:00:00+01:00", "lead"]
    clauses = dict(_csv(archive, "contract_clauses.csv")[1:])
    assert clauses["indemnification"].startswith("The creator indemnifies")
    assert clauses["attribution_requirements"] == "Tag @brand in the first line."
    assert archive.read("brief.txt").decode() == "Show the can in the first 3 seconds."
    summary = dict(_csv(archive, "summary.csv")[1:])
    assert summary["statement_reference"] == "TT-DISPUTED"
    assert summary["campaign_code"] == CODE
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"payout_dispute.evidence_request", "payout_dispute.evidence_ready"} <= actions


@pytest.mark.parametrize(
    ("code", "message"),
    [("NOPE-1", "No campaign has the code “NOPE-1”."), ("", "This field is required.")],
)
def test_an_unknown_or_missing_code_is_refused_and_nothing_is_queued(
    agency, finance, dispute, code, message
):
    response = client_for(finance).post(_page(agency, dispute), {"campaign_code": code})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not DisputeEvidencePack.objects.exists()


def test_an_account_manager_reads_the_packs_but_does_not_build_one(agency, manager, dispute):
    client = client_for(manager)

    assert client.get(_page(agency, dispute)).status_code == 200
    assert client.post(_page(agency, dispute), {"campaign_code": CODE}).status_code == 403
    assert not DisputeEvidencePack.objects.exists()


def test_a_pack_not_ready_yet_cannot_be_downloaded(agency, owner, dispute):
    pack = evidence_pack_request(dispute=dispute, actor=owner, campaign_code=CODE)

    response = client_for(owner).get(
        reverse("payouts:evidence_download", args=[agency.slug, pack.pk])
    )

    assert response.status_code == 404


def test_another_agencys_pack_is_a_404(agency, other_agency, outsider, dispute):
    pack = evidence_pack_request(dispute=dispute, actor=None, campaign_code=CODE)
    evidence_pack_build(agency=agency, pack_id=pack.pk)

    response = client_for(outsider).get(
        reverse("payouts:evidence_download", args=[other_agency.slug, pack.pk])
    )

    assert response.status_code == 404


def test_building_again_leaves_a_ready_pack_alone(agency, dispute):
    pack = evidence_pack_request(dispute=dispute, actor=None, campaign_code=CODE)
    first = evidence_pack_build(agency=agency, pack_id=pack.pk)

    again = evidence_pack_build(agency=agency, pack_id=pack.pk)

    assert again.file.name == first.file.name
    assert AuditLog.objects.filter(action="payout_dispute.evidence_ready").count() == 1


def test_a_campaign_deleted_before_the_build_fails_the_pack_with_a_reason(agency, dispute):
    pack = evidence_pack_request(dispute=dispute, actor=None, campaign_code=CODE)
    Campaign.objects.filter(code=CODE).delete()

    built = evidence_pack_build(agency=agency, pack_id=pack.pk)

    assert built.status == "failed"
    assert "no longer exists" in built.error


def test_the_page_costs_a_fixed_number_of_queries(
    agency, finance, dispute, django_assert_num_queries
):
    for _n in range(3):
        evidence_pack_request(dispute=dispute, actor=None, campaign_code=CODE)
    client = client_for(finance)
    client.get(_page(agency, dispute))
    # session, user, savepoint, memberships + agencies (agency_view), the dispute with its
    # statement and creator, the codes on the statement's lines, the packs, release savepoint.
    with django_assert_num_queries(8 + scoping_queries()):
        client.get(_page(agency, dispute))


# --- the API --------------------------------------------------------------------------------


def _api(agency, suffix: str) -> str:
    return f"/api/v1/agencies/{agency.slug}/payouts/{suffix}"


def test_the_api_asks_for_a_pack_lists_it_and_downloads_it(
    agency, finance, dispute, django_capture_on_commit_callbacks
):
    client = client_for(finance)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            _api(agency, f"disputes/{dispute.pk}/evidence/"),
            {"campaign_code": CODE},
            content_type="application/json",
        )
    listed = client.get(_api(agency, f"disputes/{dispute.pk}/evidence/")).json()
    download = client.get(_api(agency, f"evidence/{created.json()['id']}/download/"))

    assert created.status_code == 202
    assert [(p["status"], p["download_ready"]) for p in listed] == [("ready", True)]
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    assert "transcript.csv" in _zip(download).namelist()


@pytest.mark.parametrize("body", [{}, {"campaign_code": "NOPE-1"}, {"campaign_code": "x" * 41}])
def test_the_api_refuses_a_bad_request(agency, finance, dispute, body):
    response = client_for(finance).post(
        _api(agency, f"disputes/{dispute.pk}/evidence/"), body, content_type="application/json"
    )

    assert response.status_code == 400
    assert "campaign_code" in response.json()
    assert not DisputeEvidencePack.objects.exists()


# --- the command ------------------------------------------------------------------------------


def test_the_command_builds_the_pack_and_copies_it(agency, dispute, tmp_path):
    out = io.StringIO()
    target = tmp_path / "pack.zip"

    call_command(
        "dispute_evidence",
        "--agency",
        agency.slug,
        "--dispute",
        str(dispute.pk),
        "--campaign",
        CODE,
        "--output",
        str(target),
        stdout=out,
    )

    assert "2 messages, 2 replies sent, 1 conversions, 1 statement lines" in out.getvalue()
    assert "transcript.csv" in zipfile.ZipFile(target).namelist()
    assert DisputeEvidencePack.objects.get().status == "ready"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dispute", "999999", "--campaign", CODE], "No dispute 999999 in acme."),
        (["--campaign", "NOPE-1"], "No campaign has the code"),
        (["--campaign", CODE, "--output", "/no/such/folder/p.zip"], "No such folder"),
    ],
)
def test_the_command_refuses_bad_input(agency, dispute, args, message):
    if "--dispute" not in args:
        args = ["--dispute", str(dispute.pk), *args]

    with pytest.raises(CommandError, match=message):
        call_command("dispute_evidence", "--agency", agency.slug, *args)

    assert not DisputeEvidencePack.objects.exists()


def test_the_statement_page_links_each_dispute_to_its_evidence(agency, manager, dispute):
    page = client_for(manager).get(
        reverse("payouts:statement", args=[agency.slug, dispute.statement_id])
    )

    assert _page(agency, dispute) in page.content.decode()

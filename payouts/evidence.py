"""Dispute evidence packs: everything the agency holds about one campaign, gathered by its
code into a ZIP attached to a payout dispute.

The pack holds (every CSV formula-safe, `core.spreadsheets`):
- `summary.csv`: the dispute, its statement and the campaign, with what the pack counts;
- `transcript.csv`: the comments and DMs tagged with the campaign code, and the replies and
  DMs sent to them (the outbox), in time order;
- `conversions.csv`: the campaign's conversion events with their timestamps;
- `statement_lines.csv`: the disputed statement's lines carrying the campaign code;
- `contract_clauses.csv`: the clauses of the campaign's contract;
- `brief.txt`: the campaign brief.

`evidence_pack_request` records the request and queues `payouts.tasks.evidence_pack_build`
on commit; the task calls `evidence_pack_build`, which writes the file through the default
storage (filesystem or S3) and never runs inside a web request. Payouts sits above
campaigns and moderation, so it reads their rows through their models and selectors.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from agencies.tasking import enqueue_on_commit
from campaigns.models import Campaign, ConversionEvent
from core.spreadsheets import csv_lines
from moderation.models import ActionKind
from moderation.selectors import message_list, outbox_list

from .models import Dispute, DisputeEvidencePack, EvidencePackStatus, PayoutLine

BUILD_TASK = "payouts.tasks.evidence_pack_build"
# Rows read from the database at a time while writing a CSV into the ZIP.
_CHUNK = 2000


# --- reading ----------------------------------------------------------------------------------


def campaign_by_code(*, agency: Agency, code: str) -> Campaign | None:
    return (
        Campaign.objects.filter(agency=agency, code__iexact=(code or "").strip())
        .select_related("sponsor", "contract", "contract__sponsor")
        .first()
    )


def pack_list(*, agency: Agency, dispute: Dispute):
    return DisputeEvidencePack.objects.filter(agency=agency, dispute=dispute).order_by(
        "-created_at", "-id"
    )


def suggested_codes(*, agency: Agency, dispute: Dispute) -> list[str]:
    """The campaign codes on the disputed statement's lines (the form offers them)."""
    codes = (
        PayoutLine.objects.filter(agency=agency, statement_id=dispute.statement_id)
        .exclude(campaign_code="")
        .order_by()
        .values_list("campaign_code", flat=True)
        .distinct()
    )
    return sorted({code.upper() for code in codes})


def _when(value: datetime | None) -> str:
    """A moment as the agency's wall-clock time with its offset (the pack is written with
    the agency's time zone active)."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


TRANSCRIPT_HEADER = [
    "time",
    "direction",
    "kind",
    "platform",
    "account",
    "contact",
    "text",
    "platform_message_id",
    "in_reply_to",
    "category",
    "intent",
    "hidden",
    "removed",
]


def _transcript_rows(agency: Agency, code: str) -> tuple[list[list], int, int]:
    """The messages tagged with `code` and the replies sent to them, in time order. Returns
    the rows and the counts (messages, replies)."""
    messages = list(
        message_list(agency).filter(campaign_code__iexact=code).order_by("sent_at", "id")
    )
    message_ids = [m.pk for m in messages]
    contact_ids = {m.contact_id for m in messages}
    replies = list(
        outbox_list(agency)
        .filter(
            Q(action__message_id__in=message_ids)
            | Q(action__contact_id__in=contact_ids, kind=ActionKind.DM)
        )
        .order_by("created_at", "id")
    )
    rows: list[tuple[datetime, int, list]] = []
    for m in messages:
        rows.append(
            (
                m.sent_at,
                0,
                [
                    _when(m.sent_at),
                    "received",
                    m.kind,
                    m.platform,
                    m.account,
                    f"@{m.contact.handle}",
                    m.text,
                    m.platform_message_id,
                    "",
                    m.category,
                    m.intent,
                    m.hidden,
                    m.removed,
                ],
            )
        )
    for r in replies:
        rows.append(
            (
                r.created_at,
                1,
                [
                    _when(r.created_at),
                    "sent",
                    r.kind,
                    r.platform,
                    r.account,
                    f"@{r.recipient}",
                    r.text,
                    "",
                    r.in_reply_to,
                    "",
                    "",
                    "",
                    "",
                ],
            )
        )
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row for _t, _d, row in rows], len(messages), len(replies)


CONVERSION_HEADER = [
    "occurred_at",
    "kind",
    "value",
    "currency",
    "external_id",
    "creator",
    "attributed_to",
    "recorded_at",
]


def _conversion_rows(campaign: Campaign) -> Iterator[list]:
    events = (
        ConversionEvent.objects.filter(agency_id=campaign.agency_id, campaign=campaign)
        .select_related("creator", "deliverable")
        .order_by("occurred_at", "id")
    )
    for e in events.iterator(chunk_size=_CHUNK):
        yield [
            _when(e.occurred_at),
            e.kind,
            e.value,
            e.currency,
            e.external_id,
            e.creator.display_name if e.creator else "",
            str(e.deliverable) if e.deliverable else "",
            _when(e.created_at),
        ]


def _contract_rows(campaign: Campaign) -> list[list]:
    contract = campaign.contract
    if contract is None:
        return []
    territory = ", ".join(sorted(contract.territory_codes))
    return [
        ["title", contract.title],
        ["sponsor", str(contract.sponsor)],
        ["status", contract.status],
        ["fee", f"{contract.fee} {contract.currency}"],
        ["payment_terms", contract.payment_terms],
        ["start_date", contract.start_date],
        ["end_date", contract.end_date],
        ["exclusivity_category", contract.exclusivity_category],
        ["exclusivity_worldwide", contract.exclusivity_worldwide],
        ["exclusivity_territory", territory],
        ["exclusivity_from", contract.exclusivity_start],
        ["exclusivity_until", contract.exclusivity_end],
        ["usage_rights_channels", ", ".join(contract.usage_channels or [])],
        ["usage_rights_until", contract.usage_rights_until],
        ["paid_ads_allowed", contract.paid_ads_allowed],
        ["attribution_requirements", contract.attribution_requirements],
        ["indemnification", contract.indemnification],
        ["platform_rewards_allowed", contract.platform_rewards_allowed],
        ["signed_at", _when(contract.signed_at)],
    ]


def _line_rows(agency: Agency, dispute: Dispute, code: str) -> list[list]:
    lines = PayoutLine.objects.filter(
        agency=agency, statement_id=dispute.statement_id, campaign_code__iexact=code
    ).order_by("id")
    return [[line.asset_reference, line.description, line.amount] for line in lines]


# --- writing the ZIP ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackCounts:
    messages: int
    replies: int
    conversions: int
    lines: int

    def as_dict(self) -> dict[str, int]:
        return {
            "messages": self.messages,
            "replies": self.replies,
            "conversions": self.conversions,
            "lines": self.lines,
        }


class _Counted:
    """Counts the rows an iterator hands out (the conversions are streamed)."""

    def __init__(self, rows: Iterable[list]):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _write_csv(archive: zipfile.ZipFile, name: str, header: list, rows: Iterable) -> None:
    with archive.open(name, "w") as entry:
        for line in csv_lines(header, rows):
            entry.write(line.encode("utf-8"))


def write_pack(file, *, agency: Agency, dispute: Dispute, campaign: Campaign) -> PackCounts:
    """Write the evidence ZIP of `dispute` for `campaign` into the binary `file`."""
    code = campaign.code
    transcript, n_messages, n_replies = _transcript_rows(agency, code)
    lines = _line_rows(agency, dispute, code)
    conversions = _Counted(_conversion_rows(campaign))
    statement = dispute.statement
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        _write_csv(archive, "transcript.csv", TRANSCRIPT_HEADER, transcript)
        _write_csv(archive, "conversions.csv", CONVERSION_HEADER, conversions)
        _write_csv(archive, "statement_lines.csv", ["asset", "description", "amount"], lines)
        _write_csv(archive, "contract_clauses.csv", ["clause", "value"], _contract_rows(campaign))
        archive.writestr("brief.txt", campaign.brief or "")
        counts = PackCounts(n_messages, n_replies, conversions.count, len(lines))
        summary = [
            ["dispute_opened_at", _when(dispute.opened_at)],
            ["dispute_status", dispute.status],
            ["transaction_data", dispute.transaction_data],
            ["links", dispute.links],
            ["statement_reference", statement.platform_reference],
            ["statement_source", statement.source],
            ["statement_period", f"{statement.period_start} / {statement.period_end}"],
            ["statement_currency", statement.currency],
            ["statement_estimated_amount", statement.estimated_amount],
            ["statement_settled_amount", statement.settled_amount],
            ["creator", statement.creator.display_name],
            ["campaign_code", code],
            ["campaign_name", campaign.name],
            ["sponsor", str(campaign.sponsor)],
            ["campaign_period", f"{campaign.start_date} / {campaign.end_date}"],
            ["attribution_window_days", campaign.attribution_window_days],
            ["messages", counts.messages],
            ["replies_sent", counts.replies],
            ["conversions", counts.conversions],
            ["statement_lines", counts.lines],
            ["built_at", _when(timezone.now())],
        ]
        _write_csv(archive, "summary.csv", ["field", "value"], summary)
    return counts


# --- services -------------------------------------------------------------------------------------


@transaction.atomic
def evidence_pack_request(*, dispute: Dispute, actor, campaign_code: str) -> DisputeEvidencePack:
    """Record a request for an evidence pack of `dispute` about the campaign `campaign_code`
    and queue its build on commit. Refused: an unknown campaign code."""
    code = (campaign_code or "").strip()
    if not code:
        raise ValidationError({"campaign_code": _("Give the campaign code.")})
    campaign = campaign_by_code(agency=dispute.agency, code=code)
    if campaign is None:
        raise ValidationError(
            {"campaign_code": _("No campaign has the code “%(code)s”.") % {"code": code[:40]}}
        )
    pack = DisputeEvidencePack.objects.create(
        agency=dispute.agency,
        dispute=dispute,
        campaign_code=campaign.code,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        agency=dispute.agency,
        actor=actor,
        action="payout_dispute.evidence_request",
        obj=pack,
        after={"dispute": dispute.pk, "campaign_code": campaign.code},
    )
    # The build's messages (a failure's reason) in the language of the person asking.
    enqueue_on_commit(BUILD_TASK, dispute.agency_id, pack.pk, get_language() or "en")
    return pack


def evidence_pack_build(*, agency: Agency, pack_id: int) -> DisputeEvidencePack:
    """Build the ZIP of pack `pack_id`: mark it building, gather and write, save the file
    through the default storage and mark it ready (or failed with the reason). Idempotent: a
    ready pack is left alone. Locks the pack row while it claims it, so two deliveries of the
    task never build one pack twice at the same time."""
    with transaction.atomic():
        pack = (
            DisputeEvidencePack.objects.select_for_update()
            .select_related("dispute__statement__creator")
            .get(agency=agency, pk=pack_id)
        )
        if pack.status in (EvidencePackStatus.READY, EvidencePackStatus.BUILDING):
            return pack
        pack.status = EvidencePackStatus.BUILDING
        pack.save(update_fields=["status"])
    campaign = campaign_by_code(agency=agency, code=pack.campaign_code)
    try:
        if campaign is None:
            raise ValidationError(
                _("The campaign %(code)s no longer exists.") % {"code": pack.campaign_code}
            )
        with tempfile.TemporaryFile() as scratch, transaction.atomic():
            with timezone.override(agency.tzinfo):
                counts = write_pack(scratch, agency=agency, dispute=pack.dispute, campaign=campaign)
            scratch.seek(0)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            name = f"dispute-{pack.dispute_id}-{campaign.code.lower()}-{stamp}.zip"
            pack.file.save(name, File(scratch), save=False)
            pack.status = EvidencePackStatus.READY
            pack.counts = counts.as_dict()
            pack.finished_at = timezone.now()
            pack.error = ""
            pack.save(update_fields=["file", "status", "counts", "finished_at", "error"])
            audit_record(
                agency=agency,
                actor=None,
                actor_label="celery:evidence_pack_build",
                action="payout_dispute.evidence_ready",
                obj=pack,
                after={"file": pack.file.name, **pack.counts},
            )
    except ValidationError as exc:
        _fail(agency, pack, " ".join(exc.messages))
    except Exception:
        # Storage or database trouble: the pack must not stay "building" for ever; the
        # error goes on to the worker's log and the person can ask for a new pack.
        _fail(agency, pack, _("The pack could not be built; ask for a new one."))
        raise
    return pack


def _fail(agency: Agency, pack: DisputeEvidencePack, reason: str) -> None:
    with transaction.atomic():
        pack.status = EvidencePackStatus.FAILED
        pack.error = reason[:300]
        pack.finished_at = timezone.now()
        pack.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            agency=agency,
            actor=None,
            actor_label="celery:evidence_pack_build",
            action="payout_dispute.evidence_failed",
            obj=pack,
            after={"error": pack.error},
        )

"""Writes to payout statements and their details, bank accounts and commission.

Every service is keyword-only, atomic, validates with `full_clean()` and writes its audit
entry in the same transaction. Bank imports live in `payouts/bank_import.py`, the payout
statement CSV import in `payouts/statement_import.py`, matching in
`payouts/reconciliation/`.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from schwifty import IBAN

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from campaigns.models import Campaign
from creators.models import Creator

from .bank_import import (
    BankImportError,
    bank_import_queue,
    bank_statement_import,
    failure_message,
    max_bytes,
    runs_in_background,
)
from .commission import breakdowns
from .models import (
    Adjustment,
    BankAccount,
    BankImport,
    CreatorCommission,
    CreatorPayment,
    Dispute,
    DisputeStatus,
    Hold,
    PayoutLine,
    PayoutSettings,
    PayoutStatement,
    StatementStatus,
)
from .money import minor_exponent, quantize
from .parsers.errors import StatementParseError

S = StatementStatus
RATE_STEP = Decimal("0.0001")
# The lifecycle: estimated → settled → paid by platform → reconciled, with detours through
# on hold, disputed and adjusted. "reconciled" is reached (and left) only by matching.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.ESTIMATED: frozenset({S.SETTLED, S.ON_HOLD, S.DISPUTED, S.ADJUSTED}),
    S.SETTLED: frozenset({S.PAID_BY_PLATFORM, S.ON_HOLD, S.DISPUTED, S.ADJUSTED}),
    S.PAID_BY_PLATFORM: frozenset({S.DISPUTED, S.ADJUSTED}),
    S.RECONCILED: frozenset({S.DISPUTED, S.ADJUSTED}),
    S.ON_HOLD: frozenset({S.ESTIMATED, S.SETTLED, S.DISPUTED}),
    S.DISPUTED: frozenset({S.SETTLED, S.PAID_BY_PLATFORM, S.ADJUSTED}),
    S.ADJUSTED: frozenset({S.SETTLED, S.PAID_BY_PLATFORM, S.DISPUTED}),
}
STATEMENT_FIELDS = [
    "creator",
    "source",
    "platform_reference",
    "period_start",
    "period_end",
    "currency",
    "estimated_amount",
    "settled_amount",
    "status",
    "settled_date",
    "contract",
]


def check_transition(old: str, new: str) -> None:
    if old != new and new not in TRANSITIONS.get(old, frozenset()):
        raise ValidationError(
            {
                "status": _("A statement cannot go from “%(old)s” to “%(new)s”.")
                % {"old": S(old).label, "new": S(new).label}
            }
        )


def _check_creator(agency: Agency, creator: Creator) -> None:
    if creator.agency_id != agency.pk:
        raise ValidationError({"creator": _("Choose a creator of this agency.")})


def _check_contract(agency: Agency, statement: PayoutStatement) -> None:
    """The statement's contract (if any) is the agency's and covers the statement's creator:
    its commission rate would otherwise apply to someone it was never agreed with."""
    if statement.contract_id is None:
        return
    contract = statement.contract
    if contract.agency_id != agency.pk:
        raise ValidationError({"contract": _("Choose a contract of this agency.")})
    if not contract.creators.filter(pk=statement.creator_id).exists():
        raise ValidationError(
            {
                "contract": _("The contract “%(contract)s” does not include %(creator)s.")
                % {"contract": contract.title, "creator": statement.creator.display_name}
            }
        )


@transaction.atomic
def statement_create(*, agency: Agency, actor, data: dict[str, Any]) -> PayoutStatement:
    """Create a payout statement. A new statement may start in any status but reconciled."""
    unknown = set(data) - set(STATEMENT_FIELDS)
    if unknown:
        raise ValueError(f"statement_create cannot set {sorted(unknown)}")
    statement = PayoutStatement(agency=agency, **data)
    _check_creator(agency, statement.creator)
    _check_contract(agency, statement)
    if statement.status == S.RECONCILED:
        raise ValidationError({"status": _("Only matching a deposit reconciles a statement.")})
    statement.full_clean()
    statement.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="payout_statement.create",
        obj=statement,
        after=snapshot(statement, STATEMENT_FIELDS),
    )
    return statement


@transaction.atomic
def statement_update(
    *, statement: PayoutStatement, actor, changes: dict[str, Any]
) -> PayoutStatement:
    """Change a statement; the status may only follow the lifecycle (see TRANSITIONS).

    Locks the statement row. Once money is allocated to it, its currency and settled
    amount can no longer drop below what was received.
    """
    unknown = set(changes) - set(STATEMENT_FIELDS)
    if unknown:
        raise ValueError(f"statement_update cannot change {sorted(unknown)}")
    statement = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
    before = snapshot(statement, STATEMENT_FIELDS)
    old_status = statement.status
    for field, value in changes.items():
        setattr(statement, field, value)
    _check_creator(statement.agency, statement.creator)
    if "contract" in changes or "creator" in changes:
        _check_contract(statement.agency, statement)
    check_transition(old_status, statement.status)
    if statement.allocated_amount > 0:
        if statement.currency != before["currency"]:
            raise ValidationError(
                {"currency": _("Money is already matched to this statement in its currency.")}
            )
        if (
            statement.settled_amount is None
            or statement.settled_amount < statement.allocated_amount
        ):
            raise ValidationError(
                {"settled_amount": _("The settled amount cannot be less than what was received.")}
            )
    statement.full_clean()
    statement.save()
    audit_record(
        agency=statement.agency,
        actor=actor,
        action="payout_statement.update",
        obj=statement,
        before=before,
        after=snapshot(statement, STATEMENT_FIELDS),
    )
    return statement


LINE_FIELDS = ["asset_reference", "campaign_code", "description", "amount"]


def _clean_line(line: PayoutLine) -> None:
    """Tidy a line item and check it against its statement: an amount in the statement's
    minor unit, and a campaign code that names one of the agency's campaigns (the line then
    counts towards that campaign's revenue)."""
    line.asset_reference = (line.asset_reference or "").strip()
    line.description = (line.description or "").strip()
    line.campaign_code = (line.campaign_code or "").strip().upper()
    errors = {}
    currency = line.statement.currency
    if line.amount is not None and not isinstance(line.amount, Decimal):
        try:
            line.amount = Decimal(str(line.amount))
        except ArithmeticError:
            raise ValidationError({"amount": _("Enter an amount, like 12.50.")}) from None
    if line.amount is not None and not line.amount.is_finite():
        raise ValidationError({"amount": _("Enter an amount, like 12.50.")})
    if line.amount is not None and line.amount != quantize(line.amount, currency):
        errors["amount"] = _("Use at most %(places)s decimals for %(currency)s.") % {
            "places": minor_exponent(currency),
            "currency": currency,
        }
    if (
        line.campaign_code
        and not Campaign.objects.for_agency(line.statement.agency)
        .filter(code=line.campaign_code)
        .exists()
    ):
        errors["campaign_code"] = _("No campaign of this agency has the code “%(code)s”.") % {
            "code": line.campaign_code
        }
    if errors:
        raise ValidationError(errors)
    line.full_clean()


@transaction.atomic
def payout_line_add(
    *,
    statement: PayoutStatement,
    actor,
    asset_reference: str,
    amount: Decimal,
    campaign_code: str = "",
    description: str = "",
) -> PayoutLine:
    """Add a per-asset line item to `statement` (what one video or asset earned)."""
    line = PayoutLine(
        agency_id=statement.agency_id,
        statement=statement,
        asset_reference=asset_reference,
        campaign_code=campaign_code,
        description=description,
        amount=amount,
    )
    _clean_line(line)
    line.save()
    audit_record(
        agency=statement.agency,
        actor=actor,
        action="payout_line.create",
        obj=line,
        after=snapshot(line, ["statement", *LINE_FIELDS]),
    )
    return line


@transaction.atomic
def payout_line_update(*, line: PayoutLine, actor, changes: dict[str, Any]) -> PayoutLine:
    """Change a line item's asset, campaign code, description or amount. Locks the line."""
    unknown = set(changes) - set(LINE_FIELDS)
    if unknown:
        raise ValueError(f"payout_line_update cannot change {sorted(unknown)}")
    line = PayoutLine.objects.select_for_update().select_related("statement").get(pk=line.pk)
    before = snapshot(line, LINE_FIELDS)
    for field, value in changes.items():
        setattr(line, field, value)
    _clean_line(line)
    line.save()
    audit_record(
        agency=line.statement.agency,
        actor=actor,
        action="payout_line.update",
        obj=line,
        before=before,
        after=snapshot(line, LINE_FIELDS),
    )
    return line


@transaction.atomic
def payout_line_delete(*, line: PayoutLine, actor) -> None:
    """Remove a line item; the audit entry keeps what it said."""
    line = PayoutLine.objects.select_for_update().select_related("statement").get(pk=line.pk)
    before = snapshot(line, ["statement", *LINE_FIELDS])
    audit_record(
        agency=line.statement.agency,
        actor=actor,
        action="payout_line.delete",
        obj=line,
        before=before,
    )
    line.delete()


@transaction.atomic
def adjustment_add(
    *, statement: PayoutStatement, actor, kind: str, amount: Decimal, reason: str
) -> Adjustment:
    """Record an adjustment with its reason (never of zero). Moves the statement to
    "adjusted"."""
    if amount is not None and amount == 0:
        raise ValidationError({"amount": _("An adjustment of zero changes nothing.")})
    statement = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
    adjustment = Adjustment(
        agency_id=statement.agency_id,
        statement=statement,
        kind=kind,
        amount=amount,
        reason=(reason or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    adjustment.full_clean()
    adjustment.save()
    audit_record(
        agency=statement.agency,
        actor=actor,
        action="payout_adjustment.create",
        obj=adjustment,
        after=snapshot(adjustment, ["statement", "kind", "amount", "reason"]),
    )
    can_adjust = S.ADJUSTED in TRANSITIONS.get(statement.status, ())
    if can_adjust and statement.settled_amount is not None and statement.settled_date is not None:
        statement_update(statement=statement, actor=actor, changes={"status": S.ADJUSTED})
    return adjustment


@transaction.atomic
def hold_place(*, statement: PayoutStatement, actor, reason: str, expected_release=None) -> Hold:
    statement = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
    hold = Hold(
        agency_id=statement.agency_id,
        statement=statement,
        reason=(reason or "").strip(),
        expected_release=expected_release,
    )
    hold.full_clean()
    hold.save()
    audit_record(
        agency=statement.agency,
        actor=actor,
        action="payout_hold.create",
        obj=hold,
        after=snapshot(hold, ["statement", "reason", "expected_release"]),
    )
    if statement.status != S.ON_HOLD and S.ON_HOLD in TRANSITIONS.get(statement.status, ()):
        statement_update(statement=statement, actor=actor, changes={"status": S.ON_HOLD})
    return hold


@transaction.atomic
def hold_release(*, hold: Hold, actor) -> Hold:
    hold = Hold.objects.select_for_update().select_related("statement").get(pk=hold.pk)
    if hold.released_at is not None:
        raise ValidationError(_("This hold was already released."))
    hold.released_at = timezone.now()
    hold.save(update_fields=["released_at"])
    audit_record(
        agency=hold.statement.agency,
        actor=actor,
        action="payout_hold.release",
        obj=hold,
        before={"released_at": None},
        after={"released_at": hold.released_at},
    )
    statement = hold.statement
    still_held = statement.holds.filter(released_at__isnull=True).exists()
    if statement.status == S.ON_HOLD and not still_held:
        back = S.SETTLED if statement.settled_amount is not None else S.ESTIMATED
        if back == S.SETTLED and statement.settled_date is None:
            back = S.ESTIMATED
        statement_update(statement=statement, actor=actor, changes={"status": back})
    return hold


def _dispute_links(text: str) -> str:
    """The links of a dispute, one http(s) address per line."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    validate = URLValidator(schemes=["http", "https"])
    for number, line in enumerate(lines, start=1):
        try:
            validate(line)
        except ValidationError:
            raise ValidationError(
                {
                    "links": _("Line %(n)s is not a web address: %(line)s")
                    % {"n": number, "line": line[:80]}
                }
            ) from None
    return "\n".join(lines)


@transaction.atomic
def dispute_open(
    *, statement: PayoutStatement, actor, transaction_data: str, links: str = "", opened_at=None
) -> Dispute:
    """Open a dispute with the platform, with the transaction data, timestamp and links
    (web addresses, one per line; blank lines dropped)."""
    links = _dispute_links(links)
    statement = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
    dispute = Dispute(
        agency_id=statement.agency_id,
        statement=statement,
        opened_at=opened_at or timezone.now(),
        transaction_data=(transaction_data or "").strip(),
        links=links,
    )
    dispute.full_clean()
    dispute.save()
    audit_record(
        agency=statement.agency,
        actor=actor,
        action="payout_dispute.open",
        obj=dispute,
        after=snapshot(dispute, ["statement", "opened_at", "transaction_data", "links"]),
    )
    if statement.status != S.DISPUTED and S.DISPUTED in TRANSITIONS.get(statement.status, ()):
        statement_update(statement=statement, actor=actor, changes={"status": S.DISPUTED})
    return dispute


@transaction.atomic
def dispute_close(*, dispute: Dispute, actor, status: str, outcome: str) -> Dispute:
    """Resolve or reject an open dispute, recording the outcome."""
    dispute = Dispute.objects.select_for_update().select_related("statement").get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError(_("This dispute is already closed."))
    if status not in (DisputeStatus.RESOLVED, DisputeStatus.REJECTED):
        raise ValidationError({"status": _("Choose resolved or rejected.")})
    before = snapshot(dispute, ["status", "outcome"])
    dispute.status = status
    dispute.outcome = (outcome or "").strip()
    dispute.closed_at = timezone.now()
    if not dispute.outcome:
        raise ValidationError({"outcome": _("Describe the outcome.")})
    dispute.full_clean()
    dispute.save()
    audit_record(
        agency=dispute.statement.agency,
        actor=actor,
        action="payout_dispute.close",
        obj=dispute,
        before=before,
        after=snapshot(dispute, ["status", "outcome"]),
    )
    return dispute


@transaction.atomic
def bank_account_create(
    *, agency: Agency, actor, name: str, iban: str, currency: str, csv_mapping=None
) -> BankAccount:

    with contextlib.suppress(ValueError):  # full_clean reports a bad IBAN with the field
        iban = IBAN(iban).compact
    account = BankAccount(
        agency=agency, name=name, iban=iban, currency=currency, csv_mapping=csv_mapping or {}
    )
    account.full_clean()
    if BankAccount.objects.filter(agency=agency, iban=account.iban).exists():
        raise ValidationError({"iban": _("This agency already has an account with this IBAN.")})
    account.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="bank_account.create",
        obj=account,
        after=snapshot(account, ["name", "iban", "currency", "csv_mapping"]),
    )
    return account


@transaction.atomic
def bank_account_update(*, account: BankAccount, actor, changes: dict[str, Any]) -> BankAccount:
    allowed = {"name", "csv_mapping"}
    if set(changes) - allowed:
        raise ValueError(f"bank_account_update cannot change {sorted(set(changes) - allowed)}")
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    before = snapshot(account, sorted(allowed))
    for field, value in changes.items():
        setattr(account, field, value)
    account.full_clean()
    account.save()
    audit_record(
        agency=account.agency,
        actor=actor,
        action="bank_account.update",
        obj=account,
        before=before,
        after=snapshot(account, sorted(allowed)),
    )
    return account


def bank_file_upload(
    *, account: BankAccount, actor, upload: File, format: str | None = None
) -> BankImport:
    """Import an uploaded bank statement file into `account`: what the bank import page and
    the API both do.

    Refused above BANK_IMPORT_MAX_BYTES. Above BANK_IMPORT_ASYNC_BYTES the file is stored
    and queued for the Celery task (`bank_import_queue`; the import returned is "queued");
    smaller files are imported now, all or nothing (`bank_statement_import`, which locks the
    account). A file that is refused raises ValidationError on "file" with the message the
    page shows; nothing is written then.
    """
    if upload.size > max_bytes():
        raise ValidationError(
            {
                "file": _("The file is larger than the limit of %(mb)s MB; nothing was imported.")
                % {"mb": f"{max_bytes() / 1024 / 1024:g}"}
            }
        )
    file_name = upload.name or "upload"
    if runs_in_background(upload.size):
        return bank_import_queue(
            account=account, actor=actor, upload=upload, file_name=file_name, format=format
        )
    try:
        return bank_statement_import(
            account=account,
            actor=actor,
            data=upload.open("rb"),
            file_name=file_name,
            format=format,
        )
    except (StatementParseError, BankImportError) as exc:
        raise ValidationError({"file": failure_message(exc)}) from exc


def settings_for(agency: Agency) -> PayoutSettings:
    settings, _created = PayoutSettings.objects.get_or_create(agency=agency)
    return settings


@transaction.atomic
def payout_settings_update(*, agency: Agency, actor, changes: dict[str, Any]) -> PayoutSettings:
    fields = [
        "default_commission_rate",
        "date_window_days",
        "fx_tolerance",
        "fee_allowance",
        "fx_reference_rates",
        "commission_basis",
        "costs_borne_by",
    ]
    if set(changes) - set(fields):
        raise ValueError(
            f"payout_settings_update cannot change {sorted(set(changes) - set(fields))}"
        )
    settings_for(agency)
    obj = PayoutSettings.objects.select_for_update().get(agency=agency)
    before = snapshot(obj, fields)
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.full_clean()
    obj.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="payout_settings.update",
        obj=obj,
        before=before,
        after=snapshot(obj, fields),
    )
    return obj


@transaction.atomic
def commission_set(*, creator: Creator, actor, rate: Decimal) -> CreatorCommission:
    """Set the agency's commission rate for one creator (0..1)."""
    commission = (
        CreatorCommission.objects.select_for_update()
        .filter(agency_id=creator.agency_id, creator=creator)
        .first()
    )
    before = {"rate": str(commission.rate)} if commission else {"rate": None}
    rate = Decimal(rate)
    if rate != rate.quantize(RATE_STEP):
        raise ValidationError({"rate": _("Use at most four decimals (0.1250 = 12.5%).")})
    rate = rate.quantize(RATE_STEP)
    if commission is None:
        commission = CreatorCommission(agency_id=creator.agency_id, creator=creator, rate=rate)
    commission.rate = rate
    commission.full_clean()
    commission.save()
    audit_record(
        agency=creator.agency,
        actor=actor,
        action="creator_commission.set",
        obj=commission,
        before=before,
        after={"rate": str(commission.rate)},
    )
    return commission


@transaction.atomic
def creator_payment_record(
    *,
    statement: PayoutStatement,
    actor,
    paid_on,
    reference: str,
    amount: Decimal,
    currency: str | None = None,
) -> CreatorPayment:
    """Record the agency's payment of a reconciled statement to its creator, in the currency
    the money arrived in (`currency` may be left out when it arrived in one); never more
    than is still to pay them (their net, less earlier payments). Locks the statement."""
    statement = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != S.RECONCILED:
        raise ValidationError(_("Only a reconciled payout can be paid out to the creator."))
    nets = {n.currency: n for n in breakdowns(statement.agency, [statement])[0].nets}
    if currency is None and len(nets) == 1:
        currency = next(iter(nets))
    net = nets.get(currency or "")
    if net is None:
        raise ValidationError(
            {
                "currency": _("Choose a currency the money arrived in: %(list)s.")
                % {"list": ", ".join(sorted(nets))}
            }
        )
    if amount is not None and amount > net.to_pay:
        raise ValidationError(
            {
                "amount": _("Only %(left)s %(currency)s is still to pay the creator.")
                % {"left": max(net.to_pay, Decimal(0)), "currency": currency}
            }
        )
    payment = CreatorPayment(
        agency_id=statement.agency_id,
        statement=statement,
        paid_on=paid_on,
        reference=(reference or "").strip(),
        amount=amount,
        currency=currency,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    payment.full_clean()
    payment.save()
    audit_record(
        agency=statement.agency,
        actor=actor,
        action="creator_payment.create",
        obj=payment,
        after=snapshot(payment, ["statement", "paid_on", "reference", "amount", "currency"]),
    )
    return payment

"""Contracts: drafting, the lifecycle, exclusivity conflicts, the signed PDF, reminders."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.audit import audit_record, snapshot
from agencies.languages import addresses_by_language
from agencies.models import Agency, Membership
from agencies.roles import Role
from core.formatting import date_long
from creators.models import Creator

from ..exclusivity import ExclusivityTerms, shared_countries, terms_conflict
from ..models import CONTRACT_PDF_MAX_BYTES, Contract, ContractReminder, ContractStatus
from ..permissions import CONTRACT_OVERRIDE
from ._common import apply_fields, role_of

CONTRACT_FIELDS = [
    "sponsor",
    "title",
    "account_manager",
    "fee",
    "currency",
    "payment_terms",
    "start_date",
    "end_date",
    "exclusivity_category",
    "exclusivity_worldwide",
    "exclusivity_territory",
    "exclusivity_start",
    "exclusivity_end",
    "usage_channels",
    "usage_rights_until",
    "paid_ads_allowed",
    "attribution_requirements",
    "indemnification",
    "platform_rewards_allowed",
    "commission_rate",
]
AUDITED_FIELDS = [*CONTRACT_FIELDS, "creators", "status"]

# Contracts whose exclusivity binds the creator. Drafts and sent offers do not bind yet;
# a terminated contract no longer does. A completed one still does until its window ends.
BINDING_STATUSES = (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.COMPLETED)

TRANSITIONS: dict[str, frozenset[str]] = {
    ContractStatus.DRAFT: frozenset({ContractStatus.SENT}),
    ContractStatus.SENT: frozenset(
        {ContractStatus.DRAFT, ContractStatus.SIGNED, ContractStatus.TERMINATED}
    ),
    ContractStatus.SIGNED: frozenset({ContractStatus.ACTIVE, ContractStatus.TERMINATED}),
    ContractStatus.ACTIVE: frozenset({ContractStatus.COMPLETED, ContractStatus.TERMINATED}),
    ContractStatus.COMPLETED: frozenset(),
    ContractStatus.TERMINATED: frozenset(),
}

# Reminder thresholds, in days before the date.
REMINDER_DAYS = (30, 14, 7, 1)


@dataclass(frozen=True)
class Conflict:
    other: Contract
    creators: tuple[str, ...]
    countries: tuple[str, ...]
    overlap_start: date
    overlap_end: date


def exclusivity_conflicts(
    *,
    agency: Agency,
    terms: ExclusivityTerms | None,
    creator_ids: Iterable[int],
    exclude_contract_id: int | None = None,
) -> list[Conflict]:
    """Binding contracts of any of these creators whose exclusivity conflicts with `terms`.

    Two queries (contracts, then their creators), whatever the number of contracts.
    """
    creator_ids = set(creator_ids)
    if terms is None or not creator_ids:
        return []
    candidates = (
        Contract.objects.for_agency(agency)
        .filter(creators__in=creator_ids, status__in=BINDING_STATUSES)
        .exclude(exclusivity_category="")
        .exclude(exclusivity_start__gt=terms.end)
        .exclude(exclusivity_end__lt=terms.start)
        .select_related("sponsor")
        .prefetch_related("creators")
        .distinct()
        .order_by("exclusivity_start", "id")
    )
    if exclude_contract_id:
        candidates = candidates.exclude(pk=exclude_contract_id)
    conflicts = []
    for other in candidates:
        other_terms = ExclusivityTerms.of(other)
        if other_terms is None or not terms_conflict(terms, other_terms):
            continue
        shared = tuple(str(c) for c in other.creators.all() if c.pk in creator_ids)
        conflicts.append(
            Conflict(
                other=other,
                creators=shared,
                countries=tuple(shared_countries(terms, other_terms)),
                overlap_start=max(terms.start, other_terms.start),
                overlap_end=min(terms.end, other_terms.end),
            )
        )
    return conflicts


class ExclusivityConflict(ValidationError):
    """A contract's exclusivity conflicts with binding contracts and the caller did not
    confirm saving it anyway. `conflicts` names them; the message sits on `confirm_conflicts`
    (the contract form's checkbox; the API's `confirm_exclusivity_conflict`)."""

    def __init__(self, conflicts: list[Conflict]):
        self.conflicts = conflicts
        titles = ", ".join(f"“{c.other.title}”" for c in conflicts)
        super().__init__(
            {
                "confirm_conflicts": ngettext(
                    "This contract's exclusivity conflicts with %(n)d binding contract "
                    "(%(titles)s). Confirm to save it anyway; signing it will need an "
                    "owner's override.",
                    "This contract's exclusivity conflicts with %(n)d binding contracts "
                    "(%(titles)s). Confirm to save it anyway; signing it will need an "
                    "owner's override.",
                    len(conflicts),
                )
                % {"n": len(conflicts), "titles": titles}
            }
        )


def _refuse_unconfirmed_conflicts(
    contract: Contract, creator_ids: Iterable[int], *, confirmed: bool
) -> None:
    """The rule every contract write follows (form, API): saving terms that conflict with
    another binding contract's exclusivity needs an explicit confirmation."""
    if confirmed:
        return
    conflicts = exclusivity_conflicts(
        agency=contract.agency,
        terms=ExclusivityTerms.of(contract),
        creator_ids=creator_ids,
        exclude_contract_id=contract.pk,
    )
    if conflicts:
        raise ExclusivityConflict(conflicts)


def contract_conflicts(contract: Contract) -> list[Conflict]:
    return exclusivity_conflicts(
        agency=contract.agency,
        terms=ExclusivityTerms.of(contract),
        creator_ids=[c.pk for c in contract.creators.all()],
        exclude_contract_id=contract.pk,
    )


def _contract_snapshot(contract: Contract) -> dict[str, Any]:
    data = snapshot(contract, [f for f in AUDITED_FIELDS if f != "exclusivity_territory"])
    data["exclusivity_territory"] = sorted(contract.territory_codes)
    return data


def _check_creators(agency: Agency, creators: list[Creator]) -> None:
    if not creators:
        raise ValidationError({"creators": _("Choose at least one creator.")})
    if any(c.agency_id != agency.pk for c in creators):
        raise ValidationError({"creators": _("Choose creators of this agency.")})


def _check_account_manager(agency: Agency, user) -> None:
    if user is None:
        return
    staff = Membership.objects.filter(agency=agency, user=user).exclude(role=Role.CREATOR)
    if not staff.exists():
        raise ValidationError({"account_manager": _("Choose a staff member of this agency.")})


@transaction.atomic
def contract_create(
    *,
    agency: Agency,
    actor,
    fields: dict[str, Any],
    creators: list[Creator],
    confirm_conflicts: bool = False,
) -> Contract:
    """A new draft contract between the agency, a sponsor and one or more creators.

    Raises ExclusivityConflict (nothing written) when its exclusivity conflicts with a
    binding contract of one of the creators, unless `confirm_conflicts`."""
    contract = Contract(agency=agency)
    apply_fields(contract, fields, CONTRACT_FIELDS)
    if contract.sponsor_id and contract.sponsor.agency_id != agency.pk:
        raise ValidationError({"sponsor": _("Choose a sponsor of this agency.")})
    _check_creators(agency, creators)
    _check_account_manager(agency, contract.account_manager)
    contract.full_clean()
    _refuse_unconfirmed_conflicts(contract, [c.pk for c in creators], confirmed=confirm_conflicts)
    contract.save()
    contract.creators.set(creators)
    audit_record(
        agency=agency,
        actor=actor,
        action="contract.create",
        obj=contract,
        after=_contract_snapshot(contract),
    )
    return contract


@transaction.atomic
def contract_update(
    *,
    contract: Contract,
    actor,
    fields: dict[str, Any],
    creators: list[Creator] | None = None,
    confirm_conflicts: bool = False,
) -> Contract:
    """Change a draft. Once sent, the terms are what the parties saw: only drafts change.

    Like `contract_create`, refuses terms that conflict with a binding contract's
    exclusivity (ExclusivityConflict, nothing written) unless `confirm_conflicts`."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.DRAFT:
        raise ValidationError(_("Only a draft contract can be edited; move it back to draft."))
    before = _contract_snapshot(contract)
    apply_fields(contract, fields, CONTRACT_FIELDS)
    if contract.sponsor.agency_id != contract.agency_id:
        raise ValidationError({"sponsor": _("Choose a sponsor of this agency.")})
    if creators is not None:
        _check_creators(contract.agency, creators)
    _check_account_manager(contract.agency, contract.account_manager)
    contract.full_clean()
    creator_ids = (
        [c.pk for c in creators]
        if creators is not None
        else list(contract.creators.values_list("pk", flat=True))
    )
    _refuse_unconfirmed_conflicts(contract, creator_ids, confirmed=confirm_conflicts)
    contract.save()
    if creators is not None:
        contract.creators.set(creators)
    audit_record(
        agency=contract.agency,
        actor=actor,
        action="contract.update",
        obj=contract,
        before=before,
        after=_contract_snapshot(contract),
    )
    return contract


def _conflict_summary(conflicts: list[Conflict]) -> list[dict[str, Any]]:
    return [
        {
            "contract": c.other.pk,
            "title": c.other.title,
            "creators": list(c.creators),
            "countries": list(c.countries),
            "from": c.overlap_start.isoformat(),
            "until": c.overlap_end.isoformat(),
        }
        for c in conflicts
    ]


@transaction.atomic
def contract_transition(
    *, contract: Contract, actor, to_status: str, reason: str = "", override_reason: str = ""
) -> Contract:
    """Move a contract along draft → sent → signed → active → completed (or terminated).

    Locks the contract and, when signing, its creators (ordered by pk) so two contracts of
    the same creator cannot be signed past each other's exclusivity at the same time.
    Signing with an exclusivity conflict is refused unless an owner gives an override
    reason; the override, with the conflicts, is in the audit entry.
    """
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    before = snapshot(contract, ["status", "signed_at", "override_reason"])
    if to_status not in TRANSITIONS.get(contract.status, frozenset()):
        raise ValidationError(
            _("A %(from)s contract cannot become %(to)s.")
            % {
                "from": contract.get_status_display().lower(),
                "to": dict(ContractStatus.choices).get(to_status, to_status).lower(),
            }
        )
    if to_status == ContractStatus.TERMINATED and not reason.strip():
        raise ValidationError({"reason": _("Say why the contract is terminated.")})

    conflicts: list[Conflict] = []
    if to_status == ContractStatus.SIGNED:
        creator_ids = sorted(contract.creators.values_list("pk", flat=True))
        list(Creator.objects.select_for_update().filter(pk__in=creator_ids).order_by("pk"))
        conflicts = contract_conflicts(contract)
        if conflicts:
            if not override_reason.strip():
                raise ValidationError(
                    {
                        "override_reason": _(
                            "This contract conflicts with the exclusivity of %(n)s other "
                            "contract(s). Only an owner can sign it, with a reason."
                        )
                        % {"n": len(conflicts)}
                    }
                )
            if role_of(contract.agency, actor) not in CONTRACT_OVERRIDE:
                raise ValidationError(
                    {"override_reason": _("Only an owner can override an exclusivity conflict.")}
                )
            contract.override_reason = override_reason.strip()
        contract.signed_at = timezone.now()
    if to_status == ContractStatus.DRAFT:
        contract.signed_at = None
    contract.status = to_status
    contract.full_clean()
    contract.save()
    after = snapshot(contract, ["status", "signed_at", "override_reason"])
    if reason.strip():
        after["reason"] = reason.strip()
    if conflicts:
        after["overridden_conflicts"] = _conflict_summary(conflicts)
    audit_record(
        agency=contract.agency,
        actor=actor,
        action="contract.sign_override" if conflicts else f"contract.{to_status}",
        obj=contract,
        before=before,
        after=after,
    )
    return contract


def _is_pdf(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    return head == b"%PDF-"


@transaction.atomic
def contract_attach_signed_pdf(*, contract: Contract, actor, upload: UploadedFile) -> Contract:
    """Store the signed PDF under a random name. The type is read from the file's first
    bytes (the name and the browser's content type prove nothing)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status in (ContractStatus.DRAFT, ContractStatus.TERMINATED):
        raise ValidationError(_("Send the contract before attaching its signed copy."))
    if upload.size is None or upload.size > CONTRACT_PDF_MAX_BYTES:
        raise ValidationError(
            {
                "signed_pdf": _("The file is larger than %(mb)s MB.")
                % {"mb": CONTRACT_PDF_MAX_BYTES // (1024 * 1024)}
            }
        )
    if upload.size == 0 or not _is_pdf(upload):
        raise ValidationError({"signed_pdf": _("The file is not a PDF.")})
    old = contract.signed_pdf.name if contract.signed_pdf else ""
    contract.signed_pdf.save(
        f"{contract.agency.slug}-{contract.pk}-{secrets.token_hex(8)}.pdf", upload, save=False
    )
    contract.save(update_fields=["signed_pdf", "updated_at"])
    audit_record(
        agency=contract.agency,
        actor=actor,
        action="contract.attach_pdf",
        obj=contract,
        before={"signed_pdf": old},
        after={"signed_pdf": contract.signed_pdf.name, "bytes": upload.size},
    )
    return contract


def _reminder_dates(contract: Contract) -> list[tuple[str, date]]:
    dates = [(ContractReminder.Kind.CONTRACT_END, contract.end_date)]
    if contract.usage_rights_until:
        dates.append((ContractReminder.Kind.USAGE_RIGHTS_END, contract.usage_rights_until))
    if contract.exclusivity_end:
        dates.append((ContractReminder.Kind.EXCLUSIVITY_END, contract.exclusivity_end))
    return dates


def _recipient(contract: Contract, owners: list[str]) -> str:
    if contract.account_manager_id and contract.account_manager.email:
        return contract.account_manager.email
    return owners[0] if owners else ""


@transaction.atomic
def contract_reminders_send(*, agency: Agency, today: date | None = None) -> int:
    """E-mail the account manager (or else an owner) before a contract, its usage rights or
    its exclusivity end. Once per contract, kind and threshold (30/14/7/1 days): when a run
    was missed, only the tightest threshold reached is mailed and the wider ones are marked
    sent too. Idempotent; returns the number of e-mails sent."""
    today = today or timezone.localdate(timezone=agency.tzinfo)
    horizon = today + timedelta(days=max(REMINDER_DAYS))
    owners = list(
        Membership.objects.filter(agency=agency, role=Role.OWNER)
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    contracts = (
        Contract.objects.for_agency(agency)
        .filter(status__in=[ContractStatus.SIGNED, ContractStatus.ACTIVE])
        .select_related("sponsor", "account_manager")
        .order_by("pk")
    )
    sent_keys = set(
        ContractReminder.objects.for_agency(agency)
        .filter(due_date__gte=today, due_date__lte=horizon)
        .values_list("contract_id", "kind", "days_before", "due_date")
    )
    sent = 0
    for contract in contracts:
        for kind, due in _reminder_dates(contract):
            days_left = (due - today).days
            if not 0 <= days_left <= max(REMINDER_DAYS):
                continue
            reached = [d for d in REMINDER_DAYS if days_left <= d]
            new = [d for d in reached if (contract.pk, kind, d, due) not in sent_keys]
            recipient = _recipient(contract, owners)
            if not new or not recipient:
                continue
            for days in new:
                ContractReminder.objects.create(
                    agency=agency,
                    contract=contract,
                    kind=kind,
                    days_before=days,
                    due_date=due,
                    recipient=recipient,
                )
            label = ContractReminder.Kind(kind).label
            # In the recipient's own language (agencies/languages.py).
            [language] = addresses_by_language(agency_id=agency.pk, emails=[recipient])
            with translation.override(language):
                send_mail(
                    subject=_("%(what)s in %(days)s days: %(contract)s")
                    % {"what": label, "days": days_left, "contract": contract},
                    message=_(
                        "%(what)s on %(date)s for “%(contract)s” (sponsor %(sponsor)s). "
                        "Decide whether to renew or let it lapse."
                    )
                    % {
                        "what": label,
                        "date": date_long(due),
                        "contract": contract.title,
                        "sponsor": contract.sponsor.brand,
                    },
                    from_email=None,
                    recipient_list=[recipient],
                )
            audit_record(
                agency=agency,
                actor=None,
                actor_label="celery:contract_reminders",
                action="contract.reminder",
                obj=contract,
                after={
                    "kind": kind,
                    "due": due.isoformat(),
                    "days_before": min(new),
                    "recipient": recipient,
                },
            )
            sent += 1
    return sent

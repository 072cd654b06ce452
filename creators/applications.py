"""Program applications: a creator's application to a reward program, from the documents
sent to the outcome, and after a rejection the day they may apply again.

Reads (selectors) and writes (services) of one concept, side by side: the rules are short.
Every service is keyword-only, runs in one transaction, validates before it saves (a broken
rule raises `ValidationError` keyed by field, nothing written) and writes one audit entry
naming the actor. Dates are the agency's (`agency_today`).

The review takes 1 to 4 weeks (the expected decision date is the submission date plus the
review window); after a rejection TikTok asks for 14 to 30 days before a new application.
The agency's default wait is `InsightSettings.reapply_wait_days` (30 unless changed); a
decision may name its own within the same range.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.languages import addresses_by_language
from agencies.models import Agency, Membership
from agencies.roles import Role
from core import formatting

from .insights.selectors import agency_today
from .models import (
    ApplicationOutcome,
    Creator,
    CreatorStatus,
    InsightSettings,
    Program,
    ProgramApplication,
)

MIN_REAPPLY_DAYS = 14
MAX_REAPPLY_DAYS = 30
DEFAULT_REAPPLY_DAYS = InsightSettings._meta.get_field("reapply_wait_days").default
MIN_REVIEW_WEEKS = 1
MAX_REVIEW_WEEKS = 4
MIN_SAMPLE_POSTS = 2
MAX_SAMPLE_POSTS = 3
REMINDER_ACTOR = "celery:application_reminders"

AUDITED_FIELDS = [
    "creator",
    "program",
    "submitted_on",
    "has_id_document",
    "has_tax_information",
    "sample_posts",
    "review_weeks",
    "outcome",
    "decided_on",
    "rejection_reason",
    "reapply_on",
]
# The name on the ID is personal data: the audit log records that it changed, not what to.
CHECKLIST_FIELDS = ("has_id_document", "has_tax_information", "sample_posts", "id_name")


# --- the name check -----------------------------------------------------------------------------


def normalised_name(name: str) -> tuple[str, ...]:
    """A name reduced for comparison: accents, case, punctuation and word order do not count
    ("Zoë  de Vries-Smit" and "DE VRIES SMIT, Zoe" are the same name)."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return tuple(sorted(re.findall(r"[^\W_]+", plain)))


def names_differ(legal_name: str, id_name: str) -> bool:
    """True when both names are known and differ after normalising (nothing to compare when
    either is empty)."""
    legal, on_id = normalised_name(legal_name), normalised_name(id_name)
    return bool(legal and on_id) and legal != on_id


def _day(value: date) -> str:
    return formatting.date_short(value)


def sample_post_links(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- selectors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationRow:
    application: ProgramApplication
    expected_decision: date
    overdue: bool
    checklist_complete: bool
    sample_count: int
    name_mismatch: bool
    can_reapply: bool


def agency_reapply_wait_days(*, agency: Agency) -> int:
    value = (
        InsightSettings.objects.for_agency(agency)
        .values_list("reapply_wait_days", flat=True)
        .first()
    )
    return value if value is not None else DEFAULT_REAPPLY_DAYS


def application_list(
    *,
    agency: Agency,
    creator: Creator | None = None,
    outcome: str = "",
    program: str = "",
) -> QuerySet[ProgramApplication]:
    """The agency's applications, newest first, with their creator (one query)."""
    qs = ProgramApplication.objects.for_agency(agency).select_related("creator")
    if creator is not None:
        qs = qs.filter(creator=creator)
    if outcome:
        qs = qs.filter(outcome=outcome)
    if program:
        qs = qs.filter(program=program)
    return qs.order_by("-submitted_on", "-id")


def expected_decision(application: ProgramApplication) -> date:
    return application.submitted_on + timedelta(weeks=application.review_weeks)


def _superseded() -> Exists:
    """A later application of the same creator to the same program exists."""
    return Exists(
        ProgramApplication.objects.filter(
            creator=OuterRef("creator"),
            program=OuterRef("program"),
            submitted_on__gte=OuterRef("submitted_on"),
        ).exclude(pk=OuterRef("pk"))
    )


def reapply_due(*, agency: Agency, today: date) -> QuerySet[ProgramApplication]:
    """Rejections whose re-application date has come and after which the creator has not
    applied again to that program (offboarded creators left out)."""
    return (
        ProgramApplication.objects.for_agency(agency)
        .filter(outcome=ApplicationOutcome.REJECTED, reapply_on__lte=today)
        .exclude(creator__status=CreatorStatus.OFFBOARDED)
        .annotate(superseded=_superseded())
        .filter(superseded=False)
    )


def can_reapply_q(*, today: date) -> Q:
    """Creators (roster filter) with a rejection whose re-application date has come and no
    newer application to the same program."""
    due = (
        ProgramApplication.objects.filter(
            creator=OuterRef("pk"), outcome=ApplicationOutcome.REJECTED, reapply_on__lte=today
        )
        .annotate(superseded=_superseded())
        .filter(superseded=False)
    )
    return Q(Exists(due))


def application_rows(applications, *, today: date, personal_data: bool) -> list[ApplicationRow]:
    """What the pages show per application. `personal_data`: whether the reader may learn
    about the legal name (the mismatch warning is about it); otherwise it is never set."""
    rows = []
    for application in applications:
        samples = len(sample_post_links(application.sample_posts))
        decision = expected_decision(application)
        waiting = application.outcome == ApplicationOutcome.WAITING
        rows.append(
            ApplicationRow(
                application=application,
                expected_decision=decision,
                overdue=waiting and decision < today,
                checklist_complete=application.has_id_document
                and application.has_tax_information
                and MIN_SAMPLE_POSTS <= samples <= MAX_SAMPLE_POSTS,
                sample_count=samples,
                name_mismatch=personal_data
                and names_differ(application.creator.legal_name, application.id_name),
                can_reapply=application.outcome == ApplicationOutcome.REJECTED
                and application.reapply_on is not None
                and application.reapply_on <= today,
            )
        )
    return rows


# --- services ---------------------------------------------------------------------------------


def _check_checklist(application: ProgramApplication, errors: dict[str, list[str]]) -> None:
    links = sample_post_links(application.sample_posts)
    if len(links) > MAX_SAMPLE_POSTS:
        errors.setdefault("sample_posts", []).append(
            _("Give at most %(max)d sample posts.") % {"max": MAX_SAMPLE_POSTS}
        )
    validate = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            validate(link)
        except ValidationError:
            errors.setdefault("sample_posts", []).append(
                _("“%(link)s” is not a web address.") % {"link": link[:80]}
            )
    application.sample_posts = "\n".join(links)
    application.id_name = (application.id_name or "").strip()


def _clean(application: ProgramApplication, errors: dict[str, list[str]]) -> None:
    try:
        application.full_clean(
            exclude=["agency", "creator", "created_by"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def application_submit(
    *,
    creator: Creator,
    actor,
    program: str,
    submitted_on: date,
    review_weeks: int = MAX_REVIEW_WEEKS,
    has_id_document: bool = False,
    has_tax_information: bool = False,
    sample_posts: str = "",
    id_name: str = "",
) -> ProgramApplication:
    """Record that `creator` applied to `program`. Locks the creator row, so two submissions
    for one creator run one after the other (the database allows one waiting application per
    program). Refused: an offboarded creator, a date in the future, an
    application already waiting, or a date before the last rejection's re-application date."""
    agency = creator.agency
    creator = Creator.objects.for_agency(agency).select_for_update().get(pk=creator.pk)
    today = agency_today(agency)
    errors: dict[str, list[str]] = {}
    application = ProgramApplication(
        agency=agency,
        creator=creator,
        program=program,
        submitted_on=submitted_on,
        review_weeks=review_weeks,
        has_id_document=has_id_document,
        has_tax_information=has_tax_information,
        sample_posts=sample_posts,
        id_name=id_name,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _check_checklist(application, errors)
    if creator.status == CreatorStatus.OFFBOARDED:
        errors.setdefault("__all__", []).append(
            _("%(creator)s is offboarded; reactivate them before recording an application.")
            % {"creator": creator}
        )
    if submitted_on and submitted_on > today:
        errors.setdefault("submitted_on", []).append(_("The date is in the future."))
    if program in Program.values and not errors:
        earlier = ProgramApplication.objects.for_agency(agency).filter(
            creator=creator, program=program
        )
        if earlier.filter(outcome=ApplicationOutcome.WAITING).exists():
            errors.setdefault("program", []).append(
                _("An application to this program is already waiting for review.")
            )
        if earlier.filter(outcome=ApplicationOutcome.APPROVED).exists():
            errors.setdefault("program", []).append(
                _("%(creator)s is already in this program.") % {"creator": creator}
            )
        blocked = (
            earlier.filter(outcome=ApplicationOutcome.REJECTED, reapply_on__gt=submitted_on)
            .order_by("-reapply_on")
            .first()
        )
        if blocked is not None:
            errors.setdefault("submitted_on", []).append(
                _("After the rejection of %(decided)s the creator may apply again from %(date)s.")
                % {
                    "decided": blocked.decided_on.isoformat(),
                    "date": blocked.reapply_on.isoformat(),
                }
            )
    _clean(application, errors)
    application.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="program_application.submit",
        obj=application,
        after={**snapshot(application, AUDITED_FIELDS), "id_name_given": bool(id_name)},
    )
    return application


def _locked(application: ProgramApplication) -> ProgramApplication:
    return (
        ProgramApplication.objects.for_agency(application.agency)
        .select_for_update()
        .select_related("creator")
        .get(pk=application.pk)
    )


def _require_waiting(application: ProgramApplication) -> None:
    if application.outcome != ApplicationOutcome.WAITING:
        raise ValidationError(
            _("This application is no longer waiting for review (%(outcome)s).")
            % {"outcome": application.get_outcome_display()}
        )


@transaction.atomic
def application_update(
    *, application: ProgramApplication, actor, **changes: Any
) -> ProgramApplication:
    """Change the checklist or the review window of a waiting application."""
    allowed = {*CHECKLIST_FIELDS, "review_weeks"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(unknown))
    application = _locked(application)
    _require_waiting(application)
    before = snapshot(application, AUDITED_FIELDS)
    old_id_name = application.id_name
    for name, value in changes.items():
        setattr(application, name, value)
    errors: dict[str, list[str]] = {}
    _check_checklist(application, errors)
    _clean(application, errors)
    application.save()
    after = snapshot(application, AUDITED_FIELDS)
    if application.id_name != old_id_name:
        before["id_name_changed"], after["id_name_changed"] = False, True
    audit_record(
        agency=application.agency,
        actor=actor,
        action="program_application.update",
        obj=application,
        before=before,
        after=after,
    )
    return application


@transaction.atomic
def application_decide(
    *,
    application: ProgramApplication,
    actor,
    outcome: str,
    decided_on: date,
    rejection_reason: str = "",
    reapply_wait_days: int | None = None,
) -> ProgramApplication:
    """Record the platform's decision. A rejection needs its reason; the creator may apply
    again `reapply_wait_days` (14 to 30, default the agency's) after the decision."""
    application = _locked(application)
    _require_waiting(application)
    agency = application.agency
    errors: dict[str, list[str]] = {}
    if outcome not in (ApplicationOutcome.APPROVED, ApplicationOutcome.REJECTED):
        errors["outcome"] = [_("Choose approved or rejected.")]
    if decided_on is None:
        errors["decided_on"] = [_("Give the date of the decision.")]
    elif decided_on < application.submitted_on:
        errors["decided_on"] = [_("The decision cannot come before the application.")]
    elif decided_on > agency_today(agency):
        errors["decided_on"] = [_("The date is in the future.")]
    reason = (rejection_reason or "").strip()
    wait = None
    if outcome == ApplicationOutcome.REJECTED:
        if not reason:
            errors["rejection_reason"] = [_("Give the reason the platform stated.")]
        wait = reapply_wait_days
        if wait is None:
            wait = agency_reapply_wait_days(agency=agency)
        if not MIN_REAPPLY_DAYS <= wait <= MAX_REAPPLY_DAYS:
            errors["reapply_wait_days"] = [
                _("The wait before re-applying is %(min)d to %(max)d days.")
                % {"min": MIN_REAPPLY_DAYS, "max": MAX_REAPPLY_DAYS}
            ]
    elif reason:
        errors["rejection_reason"] = [_("Only a rejection has a reason.")]
    if errors:
        raise ValidationError(errors)
    before = snapshot(application, AUDITED_FIELDS)
    application.outcome = outcome
    application.decided_on = decided_on
    application.rejection_reason = reason
    application.reapply_on = decided_on + timedelta(days=wait) if wait is not None else None
    _clean(application, {})
    application.save()
    audit_record(
        agency=agency,
        actor=actor,
        action=f"program_application.{outcome}",
        obj=application,
        before=before,
        after=snapshot(application, AUDITED_FIELDS),
    )
    return application


@transaction.atomic
def application_withdraw(*, application: ProgramApplication, actor) -> ProgramApplication:
    """The creator withdrew a waiting application (they may apply again at once)."""
    application = _locked(application)
    _require_waiting(application)
    before = snapshot(application, AUDITED_FIELDS)
    application.outcome = ApplicationOutcome.WITHDRAWN
    application.decided_on = max(agency_today(application.agency), application.submitted_on)
    application.save()
    audit_record(
        agency=application.agency,
        actor=actor,
        action="program_application.withdraw",
        obj=application,
        before=before,
        after=snapshot(application, AUDITED_FIELDS),
    )
    return application


@transaction.atomic
def reapply_wait_set(*, agency: Agency, actor, days: int) -> InsightSettings:
    """Set the agency's default wait before re-applying (14 to 30 days)."""
    if days is None or not MIN_REAPPLY_DAYS <= days <= MAX_REAPPLY_DAYS:
        raise ValidationError(
            {
                "reapply_wait_days": _("The wait before re-applying is %(min)d to %(max)d days.")
                % {"min": MIN_REAPPLY_DAYS, "max": MAX_REAPPLY_DAYS}
            }
        )
    row = InsightSettings.objects.for_agency(agency).select_for_update().first()
    row = row or InsightSettings(agency=agency)
    before = {"reapply_wait_days": row.reapply_wait_days}
    row.reapply_wait_days = days
    row.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="program_application.reapply_wait",
        obj=row,
        before=before,
        after={"reapply_wait_days": days},
    )
    return row


# --- the re-application reminder ---------------------------------------------------------------


@dataclass(frozen=True)
class ReminderSummary:
    due: int
    mailed: int


@transaction.atomic
def application_reminders_send(*, agency: Agency, today: date | None = None) -> ReminderSummary:
    """Tell each account manager (the owners when the creator has none, or theirs left the
    agency) that a rejected creator may apply again. Once per rejection: the application is
    stamped `reminded_at` and audited in the same transaction. Locks the due rows, so two
    runs of one agency never mail twice."""
    today = today or agency_today(agency)
    manager_role = Membership.objects.filter(
        agency=agency, user=OuterRef("creator__account_manager")
    ).values("role")[:1]
    due = list(
        reapply_due(agency=agency, today=today)
        .filter(reminded_at__isnull=True)
        .select_related("creator__account_manager")
        .annotate(manager_role=Subquery(manager_role))
        .order_by("pk")
        .select_for_update(of=("self",))
    )
    if not due:
        return ReminderSummary(due=0, mailed=0)
    owners = list(
        Membership.objects.filter(agency=agency, role=Role.OWNER)
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    now = timezone.now()
    mailed = 0
    for application in due:
        manager = application.creator.account_manager
        recipients = [manager.email] if manager is not None and application.manager_role else owners
        application.reminded_at = now
        application.save(update_fields=["reminded_at", "updated_at"])
        audit_record(
            agency=agency,
            actor=None,
            actor_label=REMINDER_ACTOR,
            action="program_application.reminder",
            obj=application,
            after={"reapply_on": application.reapply_on, "notified": recipients},
        )
        if recipients:
            # Each recipient reads it in their own language (agencies/languages.py).
            for language, addresses in addresses_by_language(
                agency_id=agency.pk, emails=recipients
            ).items():
                with translation.override(language):
                    program = application.get_program_display()
                    send_mail(
                        subject=_("%(creator)s may apply to the %(program)s again")
                        % {"creator": application.creator, "program": program},
                        message=_(
                            "%(creator)s's application to the %(program)s was rejected on "
                            "%(decided)s (%(reason)s). From %(date)s they may apply again."
                        )
                        % {
                            "creator": application.creator,
                            "program": program,
                            "decided": _day(application.decided_on),
                            "reason": application.rejection_reason,
                            "date": _day(application.reapply_on),
                        },
                        from_email=None,
                        recipient_list=addresses,
                    )
            mailed += 1
    return ReminderSummary(due=len(due), mailed=mailed)

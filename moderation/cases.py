"""Review-queue cases: open, assign, note, escalate, resolve, and the SLA breach scan.

Due times are in business minutes (moderation/business_time.py) on the agency's calendar.
Each level a case passes through is a `CaseStint`, which is what the SLA metrics count.
Opening and escalating work on many cases at once (triage opens a batch, the breach scan
escalates one), with a fixed number of queries whatever the batch size; the one-case
services are the same code with a batch of one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.languages import member_language
from agencies.models import Agency, Membership
from agencies.roles import Role
from creators.models import Creator

from .auditing import AuditRows, audit_bulk, audit_entry
from .bulk import bulk_insert, bulk_set
from .business_time import BusinessCalendar, add_business_minutes
from .explain import notification_sentence
from .limits import AccountGate
from .models import (
    ActionKind,
    ActionOutcome,
    AutomatedAction,
    Case,
    CaseEvent,
    CaseStatus,
    CaseStint,
    InboundMessage,
    Level,
    Notification,
    SlaRule,
)
from .outbox import deliver_now
from .policies import moderation_settings_get, policy_ensure_default, sla_rules_ensure_many
from .selectors import agency_calendars, effective_policy_version

# Who is notified about a case nobody is assigned to, per level.
FALLBACK_ROLES = {
    Level.TRIAGE: (Role.COMMUNITY_MANAGER, Role.OWNER),
    Level.HUMAN_REVIEW: (Role.COMMUNITY_MANAGER, Role.OWNER),
    Level.ACCOUNT_MANAGER: (Role.MANAGER, Role.OWNER),
    Level.LEGAL_PR: (Role.OWNER,),
}
_CASE_FKS = ["agency", "message", "creator", "assignee"]


def _level_labels() -> dict[int, str]:
    """The levels' names in the active language, looked up once per batch."""
    return {level: str(level.label) for level in Level}


def _human(actor) -> bool:
    return getattr(actor, "is_authenticated", False)


class _Notices:
    """In-app notifications and e-mails, collected during a service and written at the end.

    Recipients are fixed when a notice is added (the assignee, or the level's fallback
    roles), since the case may move on before the batch is written.
    """

    def __init__(self) -> None:
        self.items: list[tuple[Case, int | None, int, str, dict]] = []

    def add(self, case: Case, text: str, data: dict | None = None) -> None:
        data = {**(data or {}), "level": case.level}
        self.items.append((case, case.assignee_id, case.level, text[:300], data))

    def flush(self) -> list[Notification]:
        if not self.items:
            return []
        fallback: dict[tuple[int, str], list[int]] = defaultdict(list)
        if any(assignee is None for _, assignee, _, _, _ in self.items):
            agency_ids = {case.agency_id for case, assignee, _, _, _ in self.items if not assignee}
            for agency_id, role, user_id in (
                Membership.objects.filter(
                    agency_id__in=agency_ids,
                    role__in=[Role.COMMUNITY_MANAGER, Role.OWNER, Role.MANAGER],
                )
                .order_by("user_id")
                .values_list("agency_id", "role", "user_id")
            ):
                fallback[agency_id, role].append(user_id)
        rows, mails = [], []
        recipients_of: list[tuple[Notification, list[int]]] = []
        for case, assignee, level, text, data in self.items:
            if assignee:
                users = [assignee]
            else:
                users = sorted(
                    {
                        u
                        for role in FALLBACK_ROLES[Level(level)]
                        for u in fallback[case.agency_id, role]
                    }
                )
            notices = [
                Notification(agency_id=case.agency_id, user_id=u, case=case, text=text, data=data)
                for u in users
            ]
            rows += notices
            if notices:
                recipients_of.append((notices[0], users))
        bulk_insert(rows)
        notes = rows
        # Each e-mail in its recipient's language (agencies/languages.py), in the same query.
        recipients = {
            pk: (email, language)
            for pk, email, language in get_user_model()
            .objects.filter(pk__in={u for _, users in recipients_of for u in users})
            .exclude(email="")
            .annotate(mail_language=member_language({c.agency_id for c, *_ in self.items}))
            .values_list("pk", "email", "mail_language")
        }
        for note, users in recipients_of:
            by_language: dict[str, list[str]] = defaultdict(list)
            for u in users:
                if u in recipients:
                    email, language = recipients[u]
                    by_language[language].append(email)
            for language, addresses in sorted(by_language.items()):
                with translation.override(language):
                    text = notification_sentence(note)
                mails.append((text[:120], text, settings.DEFAULT_FROM_EMAIL, addresses))
        if mails:
            # Sent after commit, so a rolled-back escalation never mails anyone.
            transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
        self.items = []
        return notes


class _SlaPlanner:
    """Assignees and due times of new stints, for the agencies of a batch (two queries)."""

    def __init__(self, agencies: list[Agency], now: datetime) -> None:
        ids = [a.pk for a in agencies]
        self.rules: dict[tuple[int, int], SlaRule] = sla_rules_ensure_many(agency_ids=ids)
        self.calendars: dict[int, BusinessCalendar] = agency_calendars(agencies)
        self.now = now
        self._due: dict[tuple[int, int], datetime] = {}

    def assignee_id(self, agency_id: int, level: int, account_manager_id: int | None):
        rule = self.rules[agency_id, level]
        if rule.assignee_id:
            return rule.assignee_id
        if level == Level.ACCOUNT_MANAGER and account_manager_id:
            return account_manager_id
        return None

    def due(self, agency_id: int, level: int) -> datetime:
        # Every case of a batch starts its stint at the same instant: one computation per level.
        key = (agency_id, level)
        if key not in self._due:
            minutes = self.rules[key].minutes
            self._due[key] = add_business_minutes(self.now, minutes, self.calendars[agency_id])
        return self._due[key]


@dataclass(frozen=True)
class CaseSpec:
    """What a new case is about: its title, level, message or creator, and why."""

    title: str
    level: int = Level.HUMAN_REVIEW
    message: InboundMessage | None = None
    creator: Creator | None = None
    campaign_code: str = ""
    reason: str = ""
    # Why, as reason codes (rendered in the reader's language by moderation/explain.py).
    reasons: list[dict[str, Any]] = field(default_factory=list)
    # What the title says, as data (see `Case.title_data`).
    title_data: dict[str, Any] = field(default_factory=dict)
    # Give the case to the creator's own account manager even when the level has a
    # default assignee (a brand's inquiry belongs to the person who runs that creator).
    to_account_manager: bool = False


@transaction.atomic
def cases_open(
    *,
    agency: Agency,
    specs: list[CaseSpec],
    actor=None,
    actor_label: str = "moderation:triage",
    now: datetime | None = None,
    audit: AuditRows | None = None,
) -> list[Case]:
    """Open one case per spec, each due after its level's SLA in business minutes.

    Each gets its first stint, an "opened" timeline event and a `case.open` audit entry; an
    assignee (the level's default, or the creator's account manager at that level) is
    notified. A fixed number of queries whatever the number of cases. The audit entries are
    added to `audit` when given, for the caller to save with its own (one statement less).
    """
    if not specs:
        return []
    now = now or timezone.now()
    planner = _SlaPlanner([agency], now)
    managers = _account_managers(
        {
            s.creator.pk if s.creator else s.message.creator_id
            for s in specs
            if (s.level == Level.ACCOUNT_MANAGER or s.to_account_manager)
            and (s.creator or (s.message and s.message.creator_id))
        }
    )
    cases = []
    for spec in specs:
        creator_id = spec.creator.pk if spec.creator else None
        campaign_code = spec.campaign_code
        if spec.message is not None:
            creator_id = creator_id or spec.message.creator_id
            campaign_code = campaign_code or spec.message.campaign_code
        assignee_id = planner.assignee_id(agency.pk, spec.level, managers.get(creator_id))
        if spec.to_account_manager and managers.get(creator_id):
            assignee_id = managers[creator_id]
        case = Case(
            agency=agency,
            message=spec.message,
            creator_id=creator_id,
            campaign_code=campaign_code,
            title=spec.title[:200],
            title_data=spec.title_data,
            level=spec.level,
            assignee_id=assignee_id,
            opened_at=now,
            due_at=planner.due(agency.pk, spec.level),
        )
        case.clean_fields(exclude=_CASE_FKS)
        cases.append(case)
    bulk_insert(cases)
    bulk_insert(
        [
            CaseStint(
                agency=agency,
                case=case,
                level=case.level,
                assignee_id=case.assignee_id,
                started_at=now,
                due_at=case.due_at,
            )
            for case in cases
        ],
    )
    bulk_insert(
        [
            CaseEvent(
                agency=agency,
                case=case,
                kind="opened",
                actor=actor if _human(actor) else None,
                text=spec.reason or case.title,
                data={"reasons": spec.reasons} if spec.reasons else {},
                created_at=now,
            )
            for case, spec in zip(cases, specs, strict=True)
        ],
    )
    entries = AuditRows() if audit is None else audit
    for case, spec in zip(cases, specs, strict=True):
        entries.add(
            agency_id=agency.pk,
            actor=actor,
            actor_label="" if _human(actor) else actor_label,
            action="case.open",
            obj=case,
            # The reasons as codes when there are, so the log reads in its reader's
            # language (agencies/audit_display.py); a typed reason as typed.
            after={"level": case.level, "due_at": case.due_at}
            | ({"reasons": spec.reasons} if spec.reasons else {"reason": spec.reason}),
        )
    if audit is None:
        entries.save()
    notices = _Notices()
    for case in cases:
        if case.assignee_id:
            notices.add(
                case,
                _("New case assigned to you: %(title)s") % {"title": case.title},
                {"code": "new"},
            )
    notices.flush()
    return cases


def case_open(
    *,
    agency: Agency,
    title: str,
    actor=None,
    level: int = Level.HUMAN_REVIEW,
    message: InboundMessage | None = None,
    creator: Creator | None = None,
    campaign_code: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> Case:
    """Open a case at `level`, due after that level's SLA in business minutes."""
    spec = CaseSpec(title, level, message, creator, campaign_code, reason)
    return cases_open(agency=agency, specs=[spec], actor=actor, now=now)[0]


def _account_managers(creator_ids: set[int]) -> dict[int, int]:
    if not creator_ids:
        return {}
    return dict(
        Creator.objects.filter(pk__in=creator_ids, account_manager__isnull=False).values_list(
            "pk", "account_manager_id"
        )
    )


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("agency", "creator", "assignee")
        .get(pk=case.pk)
    )


def _event(
    case: Case, kind: str, actor, text: str, at: datetime, data: dict | None = None
) -> CaseEvent:
    return CaseEvent.objects.create(
        agency_id=case.agency_id,
        case=case,
        kind=kind,
        actor=actor if _human(actor) else None,
        text=text,
        data=data or {},
        created_at=at,
    )


def _first_response(case: Case, actor, now: datetime) -> None:
    if _human(actor) and case.first_response_at is None:
        case.first_response_at = now


def _end_stints(cases: list[Case], now: datetime) -> None:
    CaseStint.objects.filter(case__in=cases, ended_at__isnull=True).update(ended_at=now)


def _escalate_many(
    cases: list[Case],
    *,
    actor,
    note: str,
    now: datetime,
    planner: _SlaPlanner,
    notices: _Notices,
    audits: list,
    breach: bool = False,
) -> None:
    """Move locked, open cases one level up: end the stint, new assignee, due time, stint,
    timeline event, audit entry (collected in `audits`) and notice (in `notices`)."""
    if not cases:
        return
    _end_stints(cases, now)
    stints, events = [], []
    labels = _level_labels()
    escalated_to, notice = _("Escalated to %(level)s."), _("Case escalated to %(level)s: %(title)s")
    breached = _("SLA breached.")
    for case in cases:
        before = {"level": case.level, "assignee": case.assignee_id, "due_at": case.due_at}
        case.level += 1
        account_manager = case.creator.account_manager_id if case.creator_id else None
        case.assignee_id = planner.assignee_id(case.agency_id, case.level, account_manager)
        case.due_at = planner.due(case.agency_id, case.level)
        _first_response(case, actor, now)
        stints.append(
            CaseStint(
                agency_id=case.agency_id,
                case=case,
                level=case.level,
                assignee_id=case.assignee_id,
                started_at=now,
                due_at=case.due_at,
            )
        )
        level = labels[case.level]
        text = escalated_to % {"level": level}
        events.append(
            CaseEvent(
                agency_id=case.agency_id,
                case=case,
                kind="escalated",
                actor=actor if _human(actor) else None,
                text=f"{text} {breached if breach else ''} {note}".replace("  ", " ").strip(),
                data={"level": case.level, "note": note, "breach": breach},
                created_at=now,
            )
        )
        audits.append(
            audit_entry(
                agency_id=case.agency_id,
                actor=actor,
                actor_label="" if _human(actor) else "moderation:breach-scan",
                action="case.escalate",
                obj=case,
                before=before,
                after={"level": case.level, "assignee": case.assignee_id, "due_at": case.due_at},
            )
        )
        notices.add(case, notice % {"level": level, "title": case.title}, {"code": "escalated"})
    bulk_set(cases, ["level", "assignee", "due_at", "first_response_at", "breach_notified_level"])
    bulk_insert(stints)
    bulk_insert(events)


@transaction.atomic
def case_escalate(*, case: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    """Move an open case one level up, with that level's assignee and a new due time.

    Locks the case row; ends the current stint and starts the next level's.
    """
    now = now or timezone.now()
    case = _lock(case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("Only an open case can be escalated."))
    if case.level >= Level.LEGAL_PR:
        raise ValidationError(_("This case is already at the highest level."))
    notices, audits = _Notices(), []
    _escalate_many(
        [case],
        actor=actor,
        note=note,
        now=now,
        planner=_SlaPlanner([case.agency], now),
        notices=notices,
        audits=audits,
    )
    audit_bulk(audits)
    notices.flush()
    return case


@transaction.atomic
def case_assign(*, case: Case, actor, assignee, now: datetime | None = None) -> Case:
    now = now or timezone.now()
    case = _lock(case)
    if (
        assignee is not None
        and not Membership.objects.filter(
            agency_id=case.agency_id, user=assignee, role__in=[r for r in Role if r != Role.CREATOR]
        ).exists()
    ):
        raise ValidationError(_("Cases can only be assigned to staff of this agency."))
    before = {"assignee": case.assignee_id}
    _end_stints([case], now)
    case.assignee = assignee
    _first_response(case, actor, now)
    case.save()
    if case.status == CaseStatus.OPEN:
        CaseStint.objects.create(
            agency_id=case.agency_id,
            case=case,
            level=case.level,
            assignee=assignee,
            started_at=now,
            due_at=case.due_at,
        )
    email = assignee.email if assignee else ""
    _event(case, "assigned", actor, email or _("Unassigned"), now, {"assignee": email})
    audit_record(
        agency=case.agency,
        actor=actor,
        action="case.assign",
        obj=case,
        before=before,
        after={"assignee": case.assignee_id},
    )
    if assignee is not None:
        notices = _Notices()
        notices.add(
            case, _("Case assigned to you: %(title)s") % {"title": case.title}, {"code": "assigned"}
        )
        notices.flush()
    return case


@transaction.atomic
def case_note(*, case: Case, actor, text: str, now: datetime | None = None) -> CaseEvent:
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write a note.")})
    case = _lock(case)
    _first_response(case, actor, now)
    case.save(update_fields=["first_response_at"])
    event = _event(case, "note", actor, text[:5000], now)
    audit_record(
        agency=case.agency, actor=actor, action="case.note", obj=case, after={"note": text[:200]}
    )
    return event


@transaction.atomic
def case_resolve(*, case: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    now = now or timezone.now()
    case = _lock(case)
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is already resolved."))
    _end_stints([case], now)
    case.status = CaseStatus.RESOLVED
    case.resolved_at = now
    _first_response(case, actor, now)
    case.save()
    _event(case, "resolved", actor, note.strip(), now)
    audit_record(
        agency=case.agency,
        actor=actor,
        action="case.resolve",
        obj=case,
        before={"status": CaseStatus.OPEN},
        after={"status": CaseStatus.RESOLVED, "note": note[:200]},
    )
    return case


# The case page's actions (its form's choices) and the API's.
CASE_ACTIONS = ("note", "assign", "escalate", "resolve")


def case_act(*, case: Case, actor, action: str, text: str = "", assignee=None) -> None:
    """One of `CASE_ACTIONS` on `case`: a note (`text` required), an assignment (`assignee`
    a staff user or None), an escalation or a resolution (`text` kept as their note)."""
    if action == "note":
        case_note(case=case, actor=actor, text=text)
    elif action == "escalate":
        case_escalate(case=case, actor=actor, note=text)
    elif action == "resolve":
        case_resolve(case=case, actor=actor, note=text)
    elif action == "assign":
        case_assign(case=case, actor=actor, assignee=assignee)
    else:
        raise ValueError(f"unknown case action {action!r}")


MAX_REPLY = 1000


@transaction.atomic
def case_reply(*, case: Case, actor, text: str, now: datetime | None = None) -> AutomatedAction:
    """A person answers the case's message from the creator's account: a public reply to a
    comment, a DM to the author of a DM. Sent at once through the connector (the outbox),
    recorded as an action with the policy version in force, on the timeline and audited.

    The automation's safeguards hold for people too: a DM never goes to someone who opted
    out; a public reply counts against the account's hourly and daily reply limits (locks
    the account's counter row, like triage); during crisis mode only a case at Legal / PR
    may answer, since crisis communication goes through them. Raises ValidationError with
    the reason otherwise; nothing is written then.
    """
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the reply.")})
    if len(text) > MAX_REPLY:
        raise ValidationError(
            {"text": _("A reply may be at most %(n)d characters.") % {"n": MAX_REPLY}}
        )
    case = _lock(case)
    message = (
        InboundMessage.objects.select_related("contact").filter(pk=case.message_id).first()
        if case.message_id
        else None
    )
    if message is None:
        raise ValidationError(_("This case has no message to answer."))
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is resolved; reopen a new one to answer."))
    if moderation_settings_get(agency=case.agency).crisis_mode and case.level < Level.LEGAL_PR:
        raise ValidationError(
            _("Crisis mode is on: only Legal / PR answers. Escalate the case to reply.")
        )
    contact = message.contact
    version = effective_policy_version(case.agency, message.creator_id)
    if version is None:
        version = policy_ensure_default(agency=case.agency).current_version
    if message.kind == "dm":
        kind = ActionKind.DM
        if contact.dm_opted_out_at is not None:
            raise ValidationError(_("This person opted out of DMs; no DM can be sent."))
    else:
        kind = ActionKind.REPLY
        limits = version.rules["limits"]
        account = (message.platform, message.account)
        gate = AccountGate(agency_id=case.agency_id, accounts={account}, now=now)
        why = gate.reply_take(
            account,
            hourly=limits["replies_per_account_per_hour"],
            daily=limits["replies_per_account_per_day"],
        )
        if why:
            raise ValidationError(
                _(
                    "The account reached its reply limit (%(limit)d replies an "
                    "%(period)s); try again later."
                )
                % {
                    "limit": why["limit"],
                    "period": _("hour") if why["code"] == "hourly_limit" else _("day"),
                }
            )
    action = AutomatedAction(
        agency_id=case.agency_id,
        message=message,
        contact=contact,
        policy_version=version,
        kind=kind,
        outcome=ActionOutcome.SENT,
        reasons=[{"code": "staff_reply", "case": case.pk}],
        platform=message.platform,
        account=message.account,
        text=text,
        promotional=False,
        due_at=now,
        sent_at=now,
    )
    action.save()
    deliver_now([action], now=now)
    _first_response(case, actor, now)
    case.save(update_fields=["first_response_at"])
    _event(case, "reply", actor, text, now, {"kind": kind, "action": action.pk})
    audit_record(
        agency=case.agency,
        actor=actor,
        action="case.reply",
        obj=case,
        after={"kind": kind, "action": action.pk, "text": text[:200]},
    )
    return action


def breach_scan(*, now: datetime | None = None, batch: int = 500) -> int:
    """Notify and escalate every open case past its due time; returns how many it handled.

    Each round is one transaction: one query on the partial index of open cases by due
    time finds up to `batch` breached cases not yet handled at their level and locks them
    (skipping rows another worker holds, so parallel scans never double-handle a case);
    they are then recorded, notified and escalated in bulk. A case at the top level is
    notified once and stays there.
    """
    now = now or timezone.now()
    handled = 0
    while True:
        with transaction.atomic():
            cases = list(
                Case.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("agency", "creator")
                .filter(status=CaseStatus.OPEN, due_at__lt=now)
                .filter(breach_notified_level__lt=F("level"))
                .order_by("due_at", "pk")[:batch]
            )
            if not cases:
                return handled
            _breaches_handle(cases, now)
            handled += len(cases)
        if len(cases) < batch:
            return handled


def _breaches_handle(cases: list[Case], now: datetime) -> None:
    notices, audits, events = _Notices(), [], []
    labels = _level_labels()
    breached_at, notice = _("SLA breached at %(level)s."), _("SLA breached (%(level)s): %(title)s")
    for case in cases:
        level = labels[case.level]
        case.breach_notified_level = case.level
        events.append(
            CaseEvent(
                agency_id=case.agency_id,
                case=case,
                kind="breached",
                text=breached_at % {"level": level},
                data={"level": case.level},
                created_at=now,
            )
        )
        notices.add(case, notice % {"level": level, "title": case.title}, {"code": "breached"})
        audits.append(
            audit_entry(
                agency_id=case.agency_id,
                actor_label="moderation:breach-scan",
                action="case.breach",
                obj=case,
                after={"level": case.level, "due_at": case.due_at},
            )
        )
    bulk_insert(events)
    top = [c for c in cases if c.level >= Level.LEGAL_PR]
    if top:
        Case.objects.filter(pk__in=[c.pk for c in top]).update(breach_notified_level=Level.LEGAL_PR)
    agencies = list({c.agency_id: c.agency for c in cases}.values())
    _escalate_many(
        [c for c in cases if c.level < Level.LEGAL_PR],
        actor=None,
        note="",
        breach=True,
        now=now,
        planner=_SlaPlanner(agencies, now),
        notices=notices,
        audits=audits,
    )
    audit_bulk(audits)
    notices.flush()

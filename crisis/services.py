"""Crisis services: the reply library, freezing and releasing deliverables, drills and the
quarterly drill reminder. Keyword-only, atomic, audited."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.audit import audit_record
from agencies.models import Agency, AuditLog, Membership
from agencies.roles import STAFF_ROLES, Role
from campaigns.models import Deliverable, DeliverableStatus
from core.formatting import date_short
from creators.insights.selectors import agency_today
from moderation.models import Level, Notification
from moderation.policies import moderation_settings_get

from .models import (
    MAX_REPLY_CHARS,
    CrisisReply,
    Drill,
    DrillOutcome,
    DrillParticipant,
    DrillReminder,
    FrozenDeliverable,
    Language,
)

SEEDED = "crisis.replies_seeded"
# The longest escalation a drill records: a week, in minutes.
MAX_DRILL_MINUTES = 7 * 24 * 60

# The default library, English and Dutch (msgids stay English; each row is stored in its
# own language, so these are plain text, not translated at run time).
DEFAULT_REPLIES: list[tuple[str, str, str]] = [
    (
        "en",
        "Holding statement",
        "We're aware of what's being shared and we're looking into it carefully. We'll post "
        "an update here as soon as we can. Thank you for your patience.",
    ),
    (
        "en",
        "We take this seriously",
        "Thank you for raising this. We take it seriously and our team is reviewing it now. "
        "Send us a DM if you'd like to share more details privately.",
    ),
    (
        "en",
        "Promotions paused",
        "We've paused all promotional posts while we deal with this. Right now our focus is "
        "on listening and getting this right.",
    ),
    (
        "en",
        "Personal follow-up",
        "We're sorry you had this experience. Someone from our team will contact you "
        "personally about it.",
    ),
    (
        "nl",
        "Eerste reactie",
        "We weten wat er gedeeld wordt en zoeken het zorgvuldig uit. We plaatsen hier zo snel "
        "mogelijk een update. Bedankt voor je geduld.",
    ),
    (
        "nl",
        "We nemen dit serieus",
        "Bedankt dat je dit meldt. We nemen het serieus en ons team bekijkt het nu. Stuur ons "
        "een DM als je meer details privé wilt delen.",
    ),
    (
        "nl",
        "Promoties gepauzeerd",
        "We hebben alle promotionele posts gepauzeerd terwijl we hiermee bezig zijn. Nu "
        "luisteren we vooral en willen we dit goed oplossen.",
    ),
    (
        "nl",
        "Persoonlijk contact",
        "Het spijt ons dat je dit hebt meegemaakt. Iemand van ons team neemt hierover "
        "persoonlijk contact met je op.",
    ),
]


# --- The reply library --------------------------------------------------------------------


def crisis_replies_ensure(*, agency: Agency) -> int:
    """The default library (English and Dutch), created on the agency's first use; a
    library its staff emptied stays empty. Returns how many replies were created."""
    if AuditLog.objects.filter(agency=agency, action=SEEDED).exists():
        return 0
    return _seed(agency)


@transaction.atomic
def _seed(agency: Agency) -> int:
    # The agency row serialises two first uses at once.
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    if AuditLog.objects.filter(agency=agency, action=SEEDED).exists():
        return 0
    taken = set(CrisisReply.objects.filter(agency=agency).values_list("language", "title"))
    rows = [
        CrisisReply(agency=agency, language=language, title=title, text=text)
        for language, title, text in DEFAULT_REPLIES
        if (language, title) not in taken
    ]
    CrisisReply.objects.bulk_create(rows)
    audit_record(
        agency=agency,
        actor=None,
        action=SEEDED,
        actor_label="crisis:defaults",
        after={"replies": len(rows)},
    )
    return len(rows)


def _reply_clean(agency: Agency, reply: CrisisReply) -> None:
    reply.title = reply.title.strip()
    reply.text = reply.text.strip()
    errors: dict[str, list[str]] = {}
    if not reply.title:
        errors["title"] = [_("Give the reply a title.")]
    if not reply.text:
        errors["text"] = [_("Write the reply.")]
    elif len(reply.text) > MAX_REPLY_CHARS:
        errors["text"] = [_("A reply may be at most %(n)d characters.") % {"n": MAX_REPLY_CHARS}]
    if reply.language not in Language.values:
        errors["language"] = [_("Choose English or Dutch.")]
    if errors:
        raise ValidationError(errors)
    clash = CrisisReply.objects.filter(
        agency=agency, language=reply.language, title__iexact=reply.title
    ).exclude(pk=reply.pk)
    if clash.exists():
        raise ValidationError({"title": [_("This language already has a reply with that title.")]})
    reply.full_clean(exclude=["agency", "created_by"])


@transaction.atomic
def crisis_reply_create(
    *, agency: Agency, actor, language: str, title: str, text: str
) -> CrisisReply:
    reply = CrisisReply(
        agency=agency,
        language=language,
        title=title,
        text=text,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _reply_clean(agency, reply)
    reply.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="crisis.reply_create",
        obj=reply,
        after={"language": reply.language, "title": reply.title, "text": reply.text},
    )
    return reply


@transaction.atomic
def crisis_reply_update(*, reply: CrisisReply, actor, changes: dict[str, Any]) -> CrisisReply:
    reply = CrisisReply.objects.select_for_update().get(pk=reply.pk)
    before = {"language": reply.language, "title": reply.title, "text": reply.text}
    for field in ("language", "title", "text"):
        if field in changes:
            setattr(reply, field, changes[field])
    _reply_clean(reply.agency, reply)
    reply.save()
    audit_record(
        agency=reply.agency,
        actor=actor,
        action="crisis.reply_update",
        obj=reply,
        before=before,
        after={"language": reply.language, "title": reply.title, "text": reply.text},
    )
    return reply


@transaction.atomic
def crisis_reply_delete(*, reply: CrisisReply, actor) -> None:
    audit_record(
        agency=reply.agency,
        actor=actor,
        action="crisis.reply_delete",
        obj=reply,
        before={"language": reply.language, "title": reply.title, "text": reply.text},
    )
    reply.delete()


# --- Freezing scheduled deliverables -------------------------------------------------------

FROZEN_REASON = gettext_lazy(
    "Frozen by crisis mode on %(date)s: it may not go out until someone releases it on the "
    "crisis page."
)


def deliverables_freeze(*, agency: Agency, actor, now: datetime) -> int:
    """Freeze every deliverable scheduled to publish from today on (not posted yet, due
    today or later in the agency's time zone) that is not frozen already. Call inside the
    transaction that switches crisis mode on. Returns how many were frozen."""
    today = agency_today(agency)
    already = FrozenDeliverable.objects.filter(agency=agency, released_at__isnull=True).values(
        "deliverable_id"
    )
    scheduled = list(
        Deliverable.objects.filter(agency=agency, due_date__gte=today)
        .exclude(status=DeliverableStatus.POSTED)
        .exclude(pk__in=already)
        .order_by("pk")
        .values_list("pk", "due_date", "status")
    )
    FrozenDeliverable.objects.bulk_create(
        [
            FrozenDeliverable(
                agency=agency,
                deliverable_id=pk,
                frozen_at=now,
                scheduled_for=due,
                scheduled_status=status,
            )
            for pk, due, status in scheduled
        ]
    )
    audit_record(
        agency=agency,
        actor=actor,
        action="crisis.freeze",
        after={"deliverables": [pk for pk, _, _ in scheduled]},
    )
    return len(scheduled)


def deliverable_scheduled_in_crisis(*, deliverable: Deliverable, actor) -> bool:
    """The campaigns listener (campaigns/holds.py): a deliverable created or given a new
    date while crisis mode is on is frozen like those scheduled when it went on. Returns
    whether it was frozen."""
    agency = deliverable.agency
    if deliverable.status == DeliverableStatus.POSTED or deliverable.due_date is None:
        return False
    if not moderation_settings_get(agency=agency).crisis_mode:
        return False
    if deliverable.due_date < agency_today(agency):
        return False
    open_freeze = FrozenDeliverable.objects.filter(
        agency=agency, deliverable=deliverable, released_at__isnull=True
    )
    if open_freeze.exists():
        return False
    FrozenDeliverable.objects.create(
        agency=agency,
        deliverable=deliverable,
        frozen_at=timezone.now(),
        scheduled_for=deliverable.due_date,
        scheduled_status=deliverable.status,
    )
    audit_record(
        agency=agency, actor=actor, action="crisis.freeze", after={"deliverables": [deliverable.pk]}
    )
    return True


def crisis_mode_changed(*, agency: Agency, actor, enabled: bool, now: datetime) -> None:
    """The crisis listener moderation calls from crisis_mode_set (in its transaction):
    switching on freezes the scheduled deliverables; switching off releases nothing (they
    wait on the crisis page for a person to release them)."""
    if enabled:
        deliverables_freeze(agency=agency, actor=actor, now=now)
    else:
        waiting = FrozenDeliverable.objects.filter(agency=agency, released_at__isnull=True)
        audit_record(
            agency=agency,
            actor=actor,
            action="crisis.freeze_ended",
            after={"awaiting_release": waiting.count()},
        )


def frozen_holds(*, agency_id: int, deliverable_ids: list[int]) -> dict[int, str]:
    """The campaigns hold provider (campaigns/holds.py): frozen deliverables and why."""
    if not deliverable_ids:
        return {}
    rows = FrozenDeliverable.objects.filter(
        agency_id=agency_id, deliverable_id__in=deliverable_ids, released_at__isnull=True
    ).values_list("deliverable_id", "frozen_at")
    return {pk: str(FROZEN_REASON % {"date": date_short(at)}) for pk, at in rows}


def _refuse_during_crisis(agency: Agency) -> None:
    if moderation_settings_get(agency=agency).crisis_mode:
        raise ValidationError(
            _("Crisis mode is still on: end it before releasing frozen deliverables.")
        )


@transaction.atomic
def frozen_release(*, frozen: FrozenDeliverable, actor, now: datetime | None = None) -> None:
    """Lift one freeze: the deliverable may be posted again by a person. Nothing is
    published here."""
    _refuse_during_crisis(frozen.agency)
    frozen = FrozenDeliverable.objects.select_for_update().get(pk=frozen.pk)
    if frozen.released_at is not None:
        raise ValidationError(_("This deliverable was released already."))
    frozen.released_at = now or timezone.now()
    frozen.released_by = actor if getattr(actor, "is_authenticated", False) else None
    frozen.save(update_fields=["released_at", "released_by"])
    audit_record(
        agency=frozen.agency,
        actor=actor,
        action="crisis.release",
        obj=frozen,
        after={"deliverable": frozen.deliverable_id},
    )


@transaction.atomic
def frozen_release_all(*, agency: Agency, actor, now: datetime | None = None) -> int:
    """Lift every freeze still in place. Returns how many were released."""
    _refuse_during_crisis(agency)
    rows = list(
        FrozenDeliverable.objects.select_for_update()
        .filter(agency=agency, released_at__isnull=True)
        .order_by("pk")
    )
    now = now or timezone.now()
    user = actor if getattr(actor, "is_authenticated", False) else None
    FrozenDeliverable.objects.filter(pk__in=[r.pk for r in rows]).update(
        released_at=now, released_by=user
    )
    audit_record(
        agency=agency,
        actor=actor,
        action="crisis.release_all",
        after={"deliverables": [r.deliverable_id for r in rows]},
    )
    return len(rows)


# --- Drills --------------------------------------------------------------------------------


def _level_minutes(raw: Any) -> dict[str, int]:
    """{level: minutes} with known levels and whole minutes in range, keyed by level."""
    if not isinstance(raw, dict):
        raise ValidationError({"level_minutes": [_("Give the minutes per escalation level.")]})
    clean: dict[str, int] = {}
    for key, value in raw.items():
        try:
            level = Level(int(key))
        except (TypeError, ValueError):
            raise ValidationError(
                {"level_minutes": [_("Unknown escalation level: %(v)s.") % {"v": key}]}
            ) from None
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            minutes = None
        else:
            try:
                minutes = int(value)
            except ValueError:
                minutes = None
        if minutes is None or not 0 <= minutes <= MAX_DRILL_MINUTES:
            raise ValidationError(
                {
                    "level_minutes": [
                        _("Minutes to %(level)s must be a whole number from 0 to %(max)d.")
                        % {"level": level.label, "max": MAX_DRILL_MINUTES}
                    ]
                }
            )
        clean[str(int(level))] = minutes
    return dict(sorted(clean.items()))


@transaction.atomic
def drill_create(
    *,
    agency: Agency,
    actor,
    held_on: date,
    scenario: str,
    outcome: str,
    participants: Iterable[int] = (),
    level_minutes: dict | None = None,
    notes: str = "",
) -> Drill:
    """Record a drill. Participants are staff members of the agency (user ids)."""
    errors: dict[str, list[str]] = {}
    scenario = (scenario or "").strip()
    if not scenario:
        errors["scenario"] = [_("Describe the scenario.")]
    if held_on > agency_today(agency):
        errors["held_on"] = [_("A drill is recorded after it took place: not in the future.")]
    if outcome not in DrillOutcome.values:
        errors["outcome"] = [_("Choose an outcome.")]
    user_ids = sorted(set(participants))
    staff = set(
        Membership.objects.filter(
            agency=agency, user_id__in=user_ids, role__in=STAFF_ROLES
        ).values_list("user_id", flat=True)
    )
    if set(user_ids) - staff:
        errors["participants"] = [_("Participants must be staff members of this agency.")]
    try:
        minutes = _level_minutes(level_minutes or {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
        minutes = {}
    if errors:
        raise ValidationError(errors)
    drill = Drill(
        agency=agency,
        held_on=held_on,
        scenario=scenario,
        outcome=outcome,
        level_minutes=minutes,
        notes=(notes or "").strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    drill.full_clean(exclude=["agency", "created_by"])
    drill.save()
    DrillParticipant.objects.bulk_create(
        [DrillParticipant(agency=agency, drill=drill, user_id=pk) for pk in user_ids]
    )
    audit_record(
        agency=agency,
        actor=actor,
        action="crisis.drill_create",
        obj=drill,
        after={
            "held_on": held_on.isoformat(),
            "scenario": scenario,
            "outcome": outcome,
            "participants": user_ids,
            "level_minutes": minutes,
        },
    )
    return drill


# --- The quarterly reminder ----------------------------------------------------------------


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_ago(day: date) -> date:
    """The same day three months earlier (the month's last day where it is shorter)."""
    months = day.year * 12 + day.month - 1 - 3
    year, month = divmod(months, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ReminderSummary:
    due: bool
    notified: int
    last_drill: date | None


def drill_reminders_send(*, agency: Agency, today: date | None = None) -> ReminderSummary:
    """Remind the owners when the last drill is older than a quarter (or there is none):
    an in-app notification and an e-mail each, once per agency and calendar quarter, so
    reruns and retries never remind twice."""
    today = today or agency_today(agency)
    last = (
        Drill.objects.filter(agency=agency).order_by("-held_on").values_list("held_on", flat=True)
    ).first()
    if last is not None and last >= quarter_ago(today):
        return ReminderSummary(due=False, notified=0, last_drill=last)
    try:
        with transaction.atomic():
            marker = DrillReminder.objects.create(
                agency=agency, quarter=quarter_of(today), sent_at=timezone.now()
            )
            owners = list(
                Membership.objects.filter(agency=agency, role=Role.OWNER)
                .order_by("user_id")
                .values_list("user_id", "user__email")
            )
            if last is None:
                text = "No crisis drill is on record: run a mock escalation this quarter."
            else:
                text = (
                    f"The last crisis drill was on {last.isoformat()}, more than a quarter "
                    "ago: run a mock escalation this quarter."
                )
            Notification.objects.bulk_create(
                [
                    Notification(
                        agency=agency,
                        user_id=user_id,
                        text=text,
                        data={"code": "drill_due", "last": last.isoformat() if last else None},
                    )
                    for user_id, _email in owners
                ]
            )
            marker.recipients = len(owners)
            marker.save(update_fields=["recipients"])
            audit_record(
                agency=agency,
                actor=None,
                actor_label="crisis:drill_reminders",
                action="crisis.drill_reminder",
                obj=marker,
                after={"quarter": marker.quarter, "owners": [u for u, _ in owners]},
            )
            mails = [
                (
                    f"{agency.name}: crisis drill due",
                    text,
                    settings.DEFAULT_FROM_EMAIL,
                    [email],
                )
                for _user, email in owners
                if email
            ]
            if mails:
                transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    except IntegrityError:  # reminded this quarter already
        return ReminderSummary(due=True, notified=0, last_drill=last)
    return ReminderSummary(due=True, notified=len(owners), last_drill=last)


def staff_members(agency: Agency):
    """The users a drill may list as participants."""
    return (
        get_user_model()
        .objects.filter(memberships__agency=agency, memberships__role__in=STAFF_ROLES)
        .order_by("email")
    )

"""Read queries for moderation: calendars, policies, queues, metrics for the sponsor report."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from agencies.models import Agency
from core.numbers import ascii_int
from creators.models import Creator

from .business_time import BusinessCalendar
from .models import (
    AutomatedAction,
    Case,
    CaseStatus,
    CaseStint,
    Holiday,
    InboundMessage,
    Level,
    Notification,
    OutboxMessage,
    Policy,
    PolicyVersion,
)


def agency_calendar(agency: Agency) -> BusinessCalendar:
    """The agency's business calendar: timezone, weekdays, hours and holidays (one query)."""
    holidays = Holiday.objects.filter(agency=agency).values_list("date", flat=True)
    return BusinessCalendar.build(
        timezone=agency.timezone,
        days=agency.business_days,
        start=agency.business_day_start,
        end=agency.business_day_end,
        holidays=list(holidays),
    )


def agency_calendars(agencies: list[Agency]) -> dict[int, BusinessCalendar]:
    """The business calendars of several agencies, by agency id (one query)."""
    holidays: dict[int, list] = {a.pk: [] for a in agencies}
    for agency_id, day in Holiday.objects.filter(agency__in=agencies).values_list(
        "agency_id", "date"
    ):
        holidays[agency_id].append(day)
    return {
        a.pk: BusinessCalendar.build(
            timezone=a.timezone,
            days=a.business_days,
            start=a.business_day_start,
            end=a.business_day_end,
            holidays=holidays[a.pk],
        )
        for a in agencies
    }


def policy_versions(agency: Agency) -> tuple[PolicyVersion | None, dict[int, PolicyVersion]]:
    """The agency's default policy version and each creator's own, by creator id (one query)."""
    default, per_creator = None, {}
    for policy in Policy.objects.filter(
        agency=agency, current_version__isnull=False
    ).select_related("current_version"):
        if policy.creator_id is None:
            default = policy.current_version
        else:
            per_creator[policy.creator_id] = policy.current_version
    return default, per_creator


def effective_policy_version(agency: Agency, creator_id: int | None) -> PolicyVersion | None:
    """The creator's own policy if they have one, else the agency's default (one query)."""
    policies = (
        Policy.objects.filter(agency=agency, current_version__isnull=False)
        .filter(Q(creator__isnull=True) | Q(creator_id=creator_id))
        .select_related("current_version")
    )
    chosen = None
    for policy in policies:
        if policy.creator_id is not None or chosen is None:
            chosen = policy
    return chosen.current_version if chosen else None


def policy_list(agency: Agency) -> QuerySet[Policy]:
    return Policy.objects.filter(agency=agency).select_related("creator", "current_version")


def case_queue(
    agency: Agency,
    *,
    status: str = "",
    level: str = "",
    assignee: str = "",
    creator: str = "",
    overdue: bool = False,
    now: datetime | None = None,
) -> QuerySet[Case]:
    cases = Case.objects.filter(agency=agency).select_related(
        "assignee", "creator", "message__contact"
    )
    if status:
        cases = cases.filter(status=status)
    if (level_number := ascii_int(level)) is not None:
        cases = cases.filter(level=level_number)
    if assignee == "me":
        pass  # resolved by the view, which knows the user
    elif (assignee_id := ascii_int(assignee)) is not None:
        cases = cases.filter(assignee_id=assignee_id)
    if (creator_id := ascii_int(creator)) is not None:
        cases = cases.filter(creator_id=creator_id)
    if overdue and now is not None:
        cases = cases.filter(status=CaseStatus.OPEN, due_at__lt=now)
    return cases


def creator_cases(agency: Agency, creator: Creator) -> QuerySet[Case]:
    return Case.objects.filter(agency=agency, creator=creator).select_related("message")


def notifications_for(agency: Agency, user, *, limit: int = 5) -> list[Notification]:
    """The member's latest unread in-app notifications in this agency (one query)."""
    return list(
        Notification.objects.filter(agency=agency, user=user, read_at__isnull=True).select_related(
            "case"
        )[:limit]
    )


def message_list(agency: Agency) -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(agency=agency).select_related("contact", "creator")


def inbox_messages(agency: Agency) -> QuerySet[InboundMessage]:
    """Every message of the agency with its author, creator and decisions (the decisions in
    one more query per page)."""
    decisions = AutomatedAction.objects.only("id", "message_id", "kind", "reasons").order_by("id")
    return message_list(agency).prefetch_related(Prefetch("actions", queryset=decisions))


def inbox_creators(agency: Agency) -> list[Creator]:
    """The creators the inbox filter offers (one query)."""
    return list(
        Creator.objects.for_agency(agency).only("id", "display_name").order_by("display_name")
    )


def outbox_list(agency: Agency) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(agency=agency)


# --- metrics ------------------------------------------------------------------------------


@dataclass
class SlaFigure:
    total: int = 0
    within: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.within / self.total, 1) if self.total else None


@dataclass
class ModerationMetrics:
    per_level: dict[int, SlaFigure] = field(default_factory=dict)
    per_person: dict[str, SlaFigure] = field(default_factory=dict)
    median_first_response_minutes: float | None = None
    incidents: int = 0
    incidents_per_creator: dict[str, int] = field(default_factory=dict)
    incidents_per_campaign: dict[str, int] = field(default_factory=dict)
    messages: int = 0


def moderation_metrics(
    *,
    agency: Agency,
    start: datetime,
    end: datetime,
    campaign_code: str | None = None,
    creators: list[Creator] | None = None,
    now: datetime | None = None,
) -> ModerationMetrics:
    """SLA and incident figures for cases opened in [start, end).

    A stint counts as within SLA when it ended by its due time, or is still running and
    not yet due. Optionally narrowed to a campaign code and/or creators (the sponsor
    report passes both). Four queries whatever the number of cases.
    """

    now = now or timezone.now()
    cases = Case.objects.filter(agency=agency, opened_at__gte=start, opened_at__lt=end)
    messages = InboundMessage.objects.filter(agency=agency, sent_at__gte=start, sent_at__lt=end)
    if campaign_code:
        cases = cases.filter(campaign_code=campaign_code)
        messages = messages.filter(campaign_code=campaign_code)
    if creators is not None:
        ids = [c.pk for c in creators]
        cases = cases.filter(creator_id__in=ids)
        messages = messages.filter(creator_id__in=ids)
    metrics = ModerationMetrics(per_level={level: SlaFigure() for level in Level})
    stints = CaseStint.objects.filter(case__in=cases).values_list(
        "level", "assignee__email", "due_at", "ended_at"
    )
    for level, email, due_at, ended_at in stints:
        within = (ended_at or now) <= due_at
        for figure in (
            metrics.per_level.setdefault(level, SlaFigure()),
            metrics.per_person.setdefault(email or "", SlaFigure()),
        ):
            figure.total += 1
            figure.within += within
    metrics.per_person.pop("", None)
    responses = [
        (first - opened).total_seconds() / 60
        for opened, first in cases.filter(first_response_at__isnull=False).values_list(
            "opened_at", "first_response_at"
        )
    ]
    metrics.median_first_response_minutes = (
        round(statistics.median(responses), 1) if responses else None
    )
    per_creator: Counter[str] = Counter()
    per_campaign: Counter[str] = Counter()
    for name, code, n in cases.values_list("creator__display_name", "campaign_code").annotate(
        n=Count("id")
    ):
        metrics.incidents += n
        per_creator[name or ""] += n
        if code:
            per_campaign[code] += n
    metrics.incidents_per_creator = dict(per_creator.most_common())
    metrics.incidents_per_campaign = dict(per_campaign.most_common())
    metrics.messages = messages.count()
    return metrics

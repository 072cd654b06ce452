"""Threshold crossings: re-evaluate every creator's program eligibility, remember the result
(`EligibilityState`) and tell the account manager when it changes.

Run daily by Celery beat (`creators.tasks`), one transaction per agency. The first
evaluation of a creator only records the result (no mail: nothing was crossed); afterwards
any change of status (eligible / close to eligible / not eligible) for a program is one
audit entry per program and one e-mail per creator, to their account manager, or to the
agency's owners when the creator has none (or theirs has left the agency). The e-mail
gives the age rule's date and days only to a reader whose role may see the date of birth
(`eligibility.redact`). Idempotent: a second run the same day finds nothing changed and
sends nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.languages import addresses_by_language
from agencies.models import Agency, Membership
from agencies.roles import Role
from creators.models import (
    Creator,
    CreatorStatus,
    EligibilityState,
    EligibilityStatus,
    Program,
)
from creators.permissions import PERSONAL_DATA_VIEW

from .eligibility import CLOSED_PROGRAMS, ProgramResult, redact
from .selectors import agency_today, creator_insights

_BATCH = 500
ACTOR_LABEL = "celery:eligibility_scan"


@dataclass(frozen=True)
class ScanSummary:
    evaluated: int
    recorded: int
    changed: int
    mailed: int


@dataclass(frozen=True)
class Crossing:
    program: str
    before: str
    result: ProgramResult


def _describe(creator: Creator, crossings: list[Crossing], *, personal_data: bool) -> str:
    lines = [
        _("The program eligibility of %(creator)s changed:") % {"creator": creator},
        "",
    ]
    for crossing in crossings:
        program = Program(crossing.program).label
        lines.append(
            _("%(program)s: %(before)s → %(after)s")
            % {
                "program": program,
                "before": EligibilityStatus(crossing.before).label,
                "after": EligibilityStatus(crossing.result.status).label,
            }
        )
        if crossing.program in CLOSED_PROGRAMS:
            lines.append("  " + _("(closed to new sign-ups: only for creators already in it)"))
        for rule in redact(crossing.result, personal_data=personal_data).rules:
            mark = "✓" if rule.passed else "✗"
            lines.append(f"  {mark} {rule.label}: {rule.message}")
        lines.append("")
    return "\n".join(lines)


@transaction.atomic
def eligibility_scan(*, agency: Agency, today: date | None = None) -> ScanSummary:
    """Evaluate the agency's active and paused creators, store each result and notify on
    every change. Locks the agency row first, so two scans of one agency run one after the
    other (the second then finds nothing to send). A fixed number of queries for the
    evaluation; state writes are batched."""
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    today = today or agency_today(agency)
    creators = Creator.objects.for_agency(agency).exclude(status=CreatorStatus.OFFBOARDED)
    insights = creator_insights(agency=agency, creators=creators, today=today)
    states = {
        (state.creator_id, state.program): state
        for state in EligibilityState.objects.for_agency(agency)
    }
    now = timezone.now()
    new, changed = [], []
    crossings: dict[int, list[Crossing]] = defaultdict(list)
    for creator_id, insight in insights.items():
        for program, result in insight.eligibility.items():
            failing = list(result.failing)
            state = states.get((creator_id, program))
            if state is None:
                new.append(
                    EligibilityState(
                        agency=agency,
                        creator_id=creator_id,
                        program=program,
                        status=result.status,
                        failing_rules=failing,
                        evaluated_on=today,
                        changed_at=now,
                    )
                )
                continue
            if state.status == result.status and state.failing_rules == failing:
                continue
            if state.status != result.status:
                crossings[creator_id].append(Crossing(program, state.status, result))
                state.changed_at = now
            state.status, state.failing_rules, state.evaluated_on = result.status, failing, today
            changed.append(state)
    EligibilityState.objects.bulk_create(new, batch_size=_BATCH)
    EligibilityState.objects.bulk_update(
        changed, ["status", "failing_rules", "evaluated_on", "changed_at"], batch_size=_BATCH
    )
    mailed = _notify(agency, crossings) if crossings else 0
    return ScanSummary(
        evaluated=len(insights),
        recorded=len(new),
        changed=sum(len(c) for c in crossings.values()),
        mailed=mailed,
    )


def _notify(agency: Agency, crossings: dict[int, list[Crossing]]) -> int:
    owners = list(
        Membership.objects.filter(agency=agency, role=Role.OWNER)
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    # The account manager's role today, in the same query: they may have been given another
    # role (finance: no date of birth) or have left the agency since they were assigned.
    manager_role = Membership.objects.filter(
        agency=agency, user=OuterRef("account_manager")
    ).values("role")[:1]
    creators = (
        Creator.objects.for_agency(agency)
        .filter(pk__in=list(crossings))
        .select_related("account_manager")
        .annotate(manager_role=Subquery(manager_role))
        .order_by("pk")
    )
    mailed = 0
    for creator in creators:
        manager = creator.account_manager.email if creator.manager_role else ""
        if manager:
            recipients, personal_data = [manager], creator.manager_role in PERSONAL_DATA_VIEW
        else:
            recipients, personal_data = owners, Role.OWNER in PERSONAL_DATA_VIEW
        for crossing in crossings[creator.pk]:
            audit_record(
                agency=agency,
                actor=None,
                actor_label=ACTOR_LABEL,
                action="creator.eligibility_change",
                obj=creator,
                after={
                    "program": crossing.program,
                    "previous_status": crossing.before,
                    "status": crossing.result.status,
                    "failing_rules": list(crossing.result.failing),
                    "notified": recipients,
                },
            )
        if not recipients:
            continue
        # Each recipient reads it in their own language (agencies/languages.py).
        for language, addresses in addresses_by_language(
            agency_id=agency.pk, emails=recipients
        ).items():
            with translation.override(language):
                send_mail(
                    subject=_("Program eligibility changed: %(creator)s") % {"creator": creator},
                    message=_describe(creator, crossings[creator.pk], personal_data=personal_data),
                    from_email=None,
                    recipient_list=addresses,
                )
        mailed += 1
    return mailed

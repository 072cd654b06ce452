"""The demo crisis playbook behind `manage.py seed_demo`: the agency's reply library (the
English and Dutch defaults) and one past mock-escalation drill with its staff, the minutes
to each level and a follow-up in the notes.

Idempotent: the library is made once, and an agency with a drill on record gets no other.
"""

from __future__ import annotations

from datetime import timedelta

from agencies.models import Agency
from creators.insights.selectors import agency_today
from moderation.models import Level

from .models import Drill, DrillOutcome
from .services import crisis_replies_ensure, drill_create, staff_members


def seed_demo_crisis(agency: Agency) -> bool:
    """The library and a drill about seven weeks ago. Returns whether a drill was made."""
    crisis_replies_ensure(agency=agency)
    if Drill.objects.filter(agency=agency).exists():
        return False
    drill_create(
        agency=agency,
        actor=None,
        held_on=agency_today(agency) - timedelta(weeks=7),
        scenario="A sponsor's product recall trends under a creator's sponsored video",
        outcome=DrillOutcome.NEEDS_WORK,
        participants=list(staff_members(agency).values_list("pk", flat=True)[:4]),
        level_minutes={
            str(int(Level.TRIAGE)): 4,
            str(int(Level.HUMAN_REVIEW)): 22,
            str(int(Level.ACCOUNT_MANAGER)): 51,
            str(int(Level.LEGAL_PR)): 134,
        },
        notes=(
            "Legal / PR was reached by phone only after two hours: add their weekend number "
            "to the SLA settings. The holding statement went out within the hour."
        ),
    )
    return True

"""The follow-up DM 24 to 48 hours after the opt-in: only with consent, inside the DM caps,
through the outbox, once per lead (`manage.py leads_follow_up` and the beat task)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from leads.models import FollowUp, Lead
from leads.tasks import agency_follow_ups, follow_ups
from moderation.models import ActionKind, ActionOutcome, AutomatedAction, OutboxMessage
from moderation.outbox import send_due_actions
from moderation.policies import (
    crisis_mode_set,
    policy_create,
    policy_ensure_default,
    policy_version_publish,
)
from moderation.rules import default_rules

from .conftest import conversation, say

pytestmark = pytest.mark.django_db


def _run(agency, at) -> str:
    out = StringIO()
    call_command("leads_follow_up", "--agency", agency.slug, "--now", at.isoformat(), stdout=out)
    return out.getvalue()


@pytest.fixture
def opted_in(agency):
    return conversation(agency, start=timezone.now() - timedelta(hours=2))


def _follow_ups() -> list[AutomatedAction]:
    return [
        a
        for a in AutomatedAction.objects.filter(kind=ActionKind.DM)
        if any(r.get("code") == "lead_follow_up" for r in a.reasons if isinstance(r, dict))
    ]


def test_nothing_is_sent_before_24_hours(agency, opted_in):
    assert "0 follow-up(s) scheduled" in _run(agency, opted_in + timedelta(hours=23, minutes=59))
    assert Lead.objects.get().follow_up == FollowUp.WAITING
    assert not _follow_ups()


def test_after_24_hours_one_follow_up_is_scheduled_in_the_conversation_language(agency, opted_in):
    at = opted_in + timedelta(hours=25)
    output = _run(agency, at)

    assert "acme: 1 follow-up(s) scheduled, 0 suppressed, 0 missed" in output
    lead = Lead.objects.get()
    action = lead.follow_up_action
    assert lead.follow_up == FollowUp.SCHEDULED
    assert (action.kind, action.outcome, action.promotional) == (
        ActionKind.DM,
        ActionOutcome.SCHEDULED,
        True,
    )
    assert action.contact == lead.contact and action.text.startswith("Hoi!")
    assert at < action.due_at <= opted_in + timedelta(hours=48)
    # The outbox sends it (with the sequence's own DMs) when it is due.
    with time_machine.travel(action.due_at + timedelta(seconds=1)):
        send_due_actions(agency_id=agency.pk)
    assert OutboxMessage.objects.filter(action=action, recipient="fenna").exists()


def test_reruns_schedule_nothing_twice(agency, opted_in):
    at = opted_in + timedelta(hours=25)
    _run(agency, at)
    assert "0 follow-up(s) scheduled" in _run(agency, at + timedelta(hours=1))
    assert agency_follow_ups(agency.pk) == 0
    assert len(_follow_ups()) == 1


def test_the_dm_limit_holds(agency, owner):
    rules = default_rules()
    # The sequence itself sends four DMs: ask name, consent, address, hand-off.
    rules["limits"]["dms_per_person_per_7_days"] = 4
    policy_create(agency=agency, actor=owner, name="Default", rules=rules)
    opted_in = conversation(agency, start=timezone.now() - timedelta(hours=2))

    assert "0 follow-up(s) scheduled, 1 suppressed" in _run(agency, opted_in + timedelta(hours=25))
    lead = Lead.objects.get()
    assert lead.follow_up == FollowUp.SUPPRESSED
    assert lead.follow_up_action.outcome == ActionOutcome.SUPPRESSED
    assert lead.follow_up_action.reasons[-1]["code"] == "dm_limit"


def test_no_follow_up_after_an_opt_out(agency, opted_in):
    say(agency, "STOP")
    _run(agency, opted_in + timedelta(hours=25))
    lead = Lead.objects.get()
    assert lead.follow_up == FollowUp.SUPPRESSED
    assert lead.follow_up_action.reasons[-1] == {"code": "opted_out"}


def test_no_follow_up_in_crisis_mode(agency, owner, opted_in):
    crisis_mode_set(agency=agency, actor=owner, enabled=True)
    _run(agency, opted_in + timedelta(hours=25))
    assert Lead.objects.get().follow_up_action.reasons[-1] == {"code": "crisis"}


def test_a_lead_past_its_48_hour_window_is_marked_missed(agency, opted_in):
    # The policy's random delay may reach 60 minutes: at 47h30 it could land after 48h.
    assert "1 missed" in _run(agency, opted_in + timedelta(hours=47, minutes=30))
    assert Lead.objects.get().follow_up == FollowUp.MISSED
    assert not _follow_ups()


def test_the_beat_task_runs_every_agency(
    agency, other_agency, opted_in, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(opted_in + timedelta(hours=25)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert follow_ups() == 2
    assert Lead.objects.get().follow_up == FollowUp.SCHEDULED


def test_another_agencys_leads_are_left_alone(agency, other_agency, opted_in):
    _run(other_agency, opted_in + timedelta(hours=25))
    assert Lead.objects.get().follow_up == FollowUp.WAITING


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agency", "nope"], "No agency"),
        (["--agency", "acme", "--now", "yesterday"], "--now must be a time"),
    ],
)
def test_bad_input_is_refused_with_one_line(agency, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("leads_follow_up", *args, stdout=StringIO())
    assert not _follow_ups()


def test_no_follow_up_when_the_policy_switches_the_dm_sequence_off(agency, owner, opted_in):
    rules = default_rules()
    rules["dm_sequence"]["enabled"] = False
    policy_version_publish(policy=policy_ensure_default(agency=agency), actor=owner, rules=rules)
    assert "1 suppressed" in _run(agency, opted_in + timedelta(hours=25))
    lead = Lead.objects.get()
    assert lead.follow_up == FollowUp.SUPPRESSED and lead.follow_up_action is None
    assert not _follow_ups()

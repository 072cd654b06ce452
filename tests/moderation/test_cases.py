"""Review queue: SLA due times in business minutes, breach → notification → escalation,
and the metrics the sponsor report uses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from agencies.models import AuditLog
from moderation.cases import breach_scan, case_escalate, case_note, case_open, case_resolve
from moderation.models import CaseEvent, CaseStatus, Holiday, Level, Notification
from moderation.policies import sla_rule_update, sla_rules_ensure
from moderation.selectors import moderation_metrics
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def test_a_case_opened_friday_evening_is_due_monday_morning(agency):
    case = case_open(agency=agency, title="Angry comment", now=at(2025, 3, 7, 19, 0))
    assert case.due_at == at(2025, 3, 10, 10, 0)  # 60 business minutes after Monday 09:00


def test_the_due_time_skips_an_agency_holiday(agency):
    Holiday.objects.create(agency=agency, date=date(2025, 4, 28), name="King's Day")
    case = case_open(agency=agency, title="x", now=at(2025, 4, 25, 17, 0))
    assert case.due_at == at(2025, 4, 29, 9, 30)


def test_the_due_time_follows_the_dst_change(agency):
    case = case_open(agency=agency, title="x", now=at(2025, 3, 28, 17, 0))
    assert case.due_at == datetime(2025, 3, 31, 7, 30, tzinfo=UTC)  # 09:30 CEST


def test_owners_set_the_sla_and_assignee_of_a_level(agency, owner, community_manager):
    rule = sla_rules_ensure(agency=agency)[Level.HUMAN_REVIEW - 1]
    sla_rule_update(rule=rule, actor=owner, minutes=30, assignee=community_manager)
    case = case_open(agency=agency, title="x", now=at(2025, 3, 4, 10, 0))
    assert case.due_at == at(2025, 3, 4, 10, 30) and case.assignee == community_manager
    assert AuditLog.objects.get(agency=agency, action="sla.update").after["minutes"] == 30


def test_a_breach_notifies_and_escalates_to_the_account_manager(agency, manager):
    creator = CreatorFactory(agency=agency, account_manager=manager)
    with time_machine.travel(at(2025, 3, 4, 10, 0), tick=False):
        case = case_open(agency=agency, title="Negative comment", creator=creator)
    # nothing happens before the due time
    assert breach_scan(now=at(2025, 3, 4, 10, 59)) == 0
    with time_machine.travel(at(2025, 3, 4, 11, 1), tick=False):
        assert breach_scan() == 1
    case.refresh_from_db()
    assert case.level == Level.ACCOUNT_MANAGER and case.assignee == manager
    assert case.due_at == at(2025, 3, 4, 15, 1)  # 240 business minutes later
    assert Notification.objects.filter(user=manager, case=case).exists()
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["opened", "breached", "escalated"]
    assert AuditLog.objects.filter(agency=agency, action="case.breach").count() == 1
    # a second scan does not escalate again before the new due time
    assert breach_scan(now=at(2025, 3, 4, 12, 0)) == 0


def test_breach_emails_are_sent_after_commit(agency, manager, django_capture_on_commit_callbacks):
    creator = CreatorFactory(agency=agency, account_manager=manager)
    case_open(agency=agency, title="x", creator=creator, now=at(2025, 3, 4, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        breach_scan(now=at(2025, 3, 4, 12, 0))
    assert any(manager.email in message.to for message in mail.outbox)


def test_an_unassigned_breach_notifies_the_levels_roles(agency, owner, community_manager):
    case_open(agency=agency, title="x", now=at(2025, 3, 4, 10, 0))
    breach_scan(now=at(2025, 3, 4, 12, 0))
    assert Notification.objects.filter(user=community_manager).exists()


def test_the_top_level_is_notified_but_not_escalated_further(agency, owner):
    case = case_open(agency=agency, title="x", level=Level.LEGAL_PR, now=at(2025, 3, 4, 9, 0))
    assert breach_scan(now=at(2025, 3, 6, 9, 0)) == 1
    case.refresh_from_db()
    assert case.level == Level.LEGAL_PR and case.breach_notified_level == Level.LEGAL_PR
    assert breach_scan(now=at(2025, 3, 7, 9, 0)) == 0
    with pytest.raises(ValidationError):
        case_escalate(case=case, actor=owner)


def test_resolved_cases_never_breach(agency, owner):
    case = case_open(agency=agency, title="x", now=at(2025, 3, 4, 10, 0))
    case_resolve(case=case, actor=owner, note="handled", now=at(2025, 3, 4, 10, 30))
    assert breach_scan(now=at(2025, 3, 5, 10, 0)) == 0
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.first_response_at is not None


def test_metrics_per_level_person_creator_and_campaign(agency, owner, community_manager):
    rule = sla_rules_ensure(agency=agency)[Level.HUMAN_REVIEW - 1]
    sla_rule_update(rule=rule, actor=owner, minutes=60, assignee=community_manager)
    alice = CreatorFactory(agency=agency, display_name="Alice")
    on_time = case_open(
        agency=agency, title="a", creator=alice, campaign_code="SUMMER", now=at(2025, 3, 4, 10, 0)
    )
    late = case_open(agency=agency, title="b", creator=alice, now=at(2025, 3, 4, 10, 0))
    case_note(case=on_time, actor=community_manager, text="on it", now=at(2025, 3, 4, 10, 20))
    case_resolve(case=on_time, actor=community_manager, now=at(2025, 3, 4, 10, 40))
    case_resolve(case=late, actor=community_manager, now=at(2025, 3, 4, 13, 0))
    metrics = moderation_metrics(
        agency=agency,
        start=at(2025, 3, 1, 0, 0),
        end=at(2025, 4, 1, 0, 0),
        now=at(2025, 3, 5, 0, 0),
    )
    assert metrics.per_level[Level.HUMAN_REVIEW].percent == 50.0
    assert metrics.per_person[community_manager.email].within == 1
    assert metrics.median_first_response_minutes == pytest.approx((20 + 180) / 2)
    assert metrics.incidents_per_creator == {"Alice": 2}
    assert metrics.incidents_per_campaign == {"SUMMER": 1}
    summer = moderation_metrics(
        agency=agency,
        start=at(2025, 3, 1, 0, 0),
        end=at(2025, 4, 1, 0, 0),
        campaign_code="SUMMER",
        creators=[alice],
    )
    assert summer.incidents == 1 and summer.per_level[Level.HUMAN_REVIEW].percent == 100.0


def test_metrics_of_an_empty_period_are_empty(agency):
    metrics = moderation_metrics(
        agency=agency, start=at(2025, 1, 1, 0, 0), end=at(2025, 2, 1, 0, 0)
    )
    assert metrics.incidents == 0 and metrics.median_first_response_minutes is None
    assert metrics.per_level[Level.HUMAN_REVIEW].percent is None


def test_escalating_is_audited_with_the_actor(agency, community_manager):
    case = case_open(agency=agency, title="x", now=at(2025, 3, 4, 10, 0))
    case_escalate(case=case, actor=community_manager, note="needs AM", now=at(2025, 3, 4, 10, 5))
    entry = AuditLog.objects.get(agency=agency, action="case.escalate")
    assert entry.actor == community_manager and entry.after["level"] == Level.ACCOUNT_MANAGER


def test_utc_times_are_accepted(agency):
    case = case_open(agency=agency, title="x", now=datetime(2025, 3, 4, 9, 0, tzinfo=UTC))
    assert case.due_at == at(2025, 3, 4, 11, 0)
    assert case.due_at - case.opened_at == timedelta(hours=1)


def test_members_see_their_own_notifications_on_the_review_queue(
    agency, manager, community_manager
):
    from django.urls import reverse

    from tests.helpers import client_for

    creator = CreatorFactory(agency=agency, account_manager=manager)
    case_open(agency=agency, title="Angry comment", creator=creator, now=at(2025, 3, 4, 10, 0))
    breach_scan(now=at(2025, 3, 4, 12, 0))
    url = reverse("moderation:queue", kwargs={"agency_slug": agency.slug})

    mine = client_for(manager).get(url).content.decode()
    theirs = client_for(community_manager).get(url).content.decode()

    assert "Case escalated to Account manager: Angry comment" in mine
    assert "Case escalated to Account manager" not in theirs
    assert "SLA breached (Human review): Angry comment" in theirs

"""Threshold crossings: the scheduled scan records each creator's eligibility, mails the
account manager when it changes (once), and writes an audit entry."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.core import mail

from agencies.models import AuditLog
from creators import tasks
from creators.insights.eligibility_watch import eligibility_scan
from creators.models import AccountSnapshot, CreatorStatus, EligibilityState

from .insights_support import insight_creator
from .roster_data import bulk_roster


def _cross(creator, *, followers=10_000, day=date(2024, 2, 1)):
    account = creator.social_accounts.get()
    account.followers = followers
    account.save()
    AccountSnapshot.objects.create(
        agency=creator.agency,
        social_account=account,
        date=day,
        followers=followers,
        views_last_30_days=100_000,
    )


def test_the_first_scan_only_records_the_results(agency, manager):
    creator = insight_creator(agency, followers=9_999, account_manager=manager)

    summary = eligibility_scan(agency=agency)

    assert (summary.evaluated, summary.recorded, summary.changed, summary.mailed) == (1, 2, 0, 0)
    states = dict(EligibilityState.objects.filter(creator=creator).values_list("program", "status"))
    assert states == {"creativity_program": "close", "creator_fund": "close"}
    assert mail.outbox == []
    assert not AuditLog.objects.filter(action="creator.eligibility_change").exists()


def test_crossing_a_threshold_mails_the_account_manager_once(agency, manager):
    creator = insight_creator(agency, followers=9_999, account_manager=manager)
    eligibility_scan(agency=agency)
    _cross(creator)

    summary = eligibility_scan(agency=agency)
    again = eligibility_scan(agency=agency)

    assert (summary.changed, summary.mailed) == (2, 1)
    assert (again.changed, again.mailed) == (0, 0)
    (message,) = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == f"Program eligibility changed: {creator.display_name}"
    assert "Creativity Program: Close to eligible → Eligible" in message.body
    assert "✓ At least 10,000 followers: 10,000 followers." in message.body
    assert "closed to new sign-ups" in message.body
    entries = AuditLog.objects.filter(agency=agency, action="creator.eligibility_change")
    assert sorted(e.after["program"] for e in entries) == ["creativity_program", "creator_fund"]
    entry = entries.get(after__program="creativity_program")
    assert entry.actor_label == "celery:eligibility_scan"
    assert entry.object_id == str(creator.pk)
    assert entry.after["previous_status"] == "close"
    assert entry.after["status"] == "eligible"
    assert entry.after["notified"] == [manager.email]


def test_dropping_below_a_threshold_is_a_crossing_too(agency, manager):
    creator = insight_creator(agency, account_manager=manager)
    eligibility_scan(agency=agency)
    _cross(creator, followers=5_000)

    summary = eligibility_scan(agency=agency)

    assert summary.changed == 2
    assert "Eligible → Not eligible" in mail.outbox[0].body


def test_without_an_account_manager_the_owners_are_told(agency, owner):
    creator = insight_creator(agency, followers=9_999)
    eligibility_scan(agency=agency)
    _cross(creator)

    eligibility_scan(agency=agency)

    assert mail.outbox[0].to == [owner.email]


def test_offboarded_creators_are_not_scanned(agency):
    insight_creator(agency, status=CreatorStatus.OFFBOARDED)

    assert eligibility_scan(agency=agency).evaluated == 0


def test_another_agencys_creators_are_left_alone(agency, other_agency):
    insight_creator(other_agency)

    eligibility_scan(agency=agency)

    assert not EligibilityState.objects.exists()


def test_the_task_scans_every_agency_after_commit(
    agency, other_agency, manager, django_capture_on_commit_callbacks
):
    creator = insight_creator(agency, followers=9_999, account_manager=manager)
    insight_creator(other_agency)

    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.eligibility_scan()
    _cross(creator)
    changed = tasks.agency_eligibility_scan(agency.pk)

    assert queued == 2
    assert EligibilityState.objects.filter(agency=other_agency).count() == 2
    assert changed == 2
    assert len(mail.outbox) == 1
    assert tasks.agency_eligibility_scan(10**9) == 0  # an agency deleted since


def test_the_scan_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["creators-eligibility-scan"]

    assert entry["task"] == "creators.eligibility_scan"
    assert entry["schedule"] == 24 * 60 * 60


@pytest.mark.parametrize("size", [10, 300])
def test_rescanning_an_unchanged_roster_costs_the_same_queries_at_any_size(
    agency, manager, size, django_assert_num_queries
):
    bulk_roster(agency, size, manager=manager)
    eligibility_scan(agency=agency)
    # savepoint, the agency row lock; the insights: creators, TikTok accounts, strikes,
    # niches, videos, RPM table, Q4 uplift, rate card; the stored states; release.
    with django_assert_num_queries(12):
        summary = eligibility_scan(agency=agency)
    assert summary.evaluated == size
    assert summary.changed == 0

"""The quarterly drill reminder: the command and the beat task, once per quarter."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from crisis.models import DrillReminder
from crisis.services import quarter_ago
from crisis.tasks import agency_drill_reminders, drill_reminders
from moderation.models import Notification

from .builders import make_drill

pytestmark = pytest.mark.django_db


def run(agency, day: str) -> str:
    out = StringIO()
    call_command("crisis_drill_reminders", "--agency", agency.slug, "--date", day, stdout=out)
    return out.getvalue()


def test_owners_are_reminded_when_the_last_drill_is_older_than_a_quarter(
    agency, owner, manager, django_capture_on_commit_callbacks
):
    make_drill(agency, held_on=dt.date(2026, 6, 1))

    with django_capture_on_commit_callbacks(execute=True):
        output = run(agency, "2026-10-05")

    assert "1 owner(s) reminded" in output
    note = Notification.objects.get(agency=agency)
    assert note.user == owner and note.data == {"code": "drill_due", "last": "2026-06-01"}
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_a_rerun_in_the_same_quarter_reminds_nobody(agency, owner):
    run(agency, "2026-10-05")

    output = run(agency, "2026-12-30")

    assert "reminded already" in output
    assert Notification.objects.filter(agency=agency).count() == 1
    assert DrillReminder.objects.get(agency=agency).quarter == "2026Q4"


def test_the_next_quarter_reminds_again(agency, owner):
    run(agency, "2026-10-05")
    run(agency, "2027-01-02")

    assert Notification.objects.filter(agency=agency).count() == 2


def test_a_recent_drill_means_no_reminder(agency, owner):
    make_drill(agency, held_on=dt.date(2026, 8, 1))

    output = run(agency, "2026-10-05")

    assert "not due" in output
    assert not Notification.objects.filter(agency=agency).exists()


def test_the_beat_task_queues_each_agency_and_the_agency_task_reminds_once(
    agency, other_agency, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert drill_reminders() == 2

    assert Notification.objects.filter(agency=agency, user=owner).count() == 1
    assert agency_drill_reminders(agency.pk) == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--agency", "nope"], "No agency with slug 'nope'"),
        (["--agency", "acme", "--date", "05-10-2026"], "--date must be a date"),
    ],
)
def test_bad_input_exits_with_one_line(agency, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("crisis_drill_reminders", *args)


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 5, 31), dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 15), dt.date(2025, 10, 15)),
        (dt.date(2024, 5, 29), dt.date(2024, 2, 29)),
    ],
)
def test_a_quarter_ago(day, expected):
    assert quarter_ago(day) == expected

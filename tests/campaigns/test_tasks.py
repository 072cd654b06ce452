from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from campaigns import tasks

from .test_contracts import make_contract

pytestmark = pytest.mark.django_db


def test_the_reminder_task_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["campaigns-contract-reminders"]
    assert entry["task"] == "campaigns.contract_reminders"


def test_the_beat_task_fans_out_per_agency_and_mails_once(
    agency, manager, other_agency, django_capture_on_commit_callbacks
):
    from tests.factories import CreatorFactory

    make_contract(
        agency,
        manager,
        [CreatorFactory(agency=agency)],
        category="",
        status="signed",
        end_date=dt.date(2024, 6, 30),
        account_manager=manager,
    )
    with time_machine.travel(dt.datetime(2024, 6, 25, 9, tzinfo=dt.UTC)):
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                assert tasks.contract_reminders.delay().get() == 2
    assert len(mail.outbox) == 1

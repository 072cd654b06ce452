"""A contract reminder reaches its recipient in their own language (the one they chose with
their weekly digest), its date written out in that language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from agencies.models import Membership
from campaigns import services
from cockpit.models import DigestSubscription
from tests.factories import CreatorFactory

from .test_contracts import make_contract

pytestmark = pytest.mark.django_db


def test_the_reminder_is_mailed_in_the_recipients_language(agency, manager):
    membership = Membership.objects.get(agency=agency, user=manager)
    DigestSubscription.objects.create(agency=agency, membership=membership, language="nl")
    make_contract(
        agency,
        manager,
        [CreatorFactory(agency=agency)],
        category="",
        status="signed",
        end_date=dt.date(2024, 6, 30),
        account_manager=manager,
    )

    assert services.contract_reminders_send(agency=agency, today=dt.date(2024, 5, 31)) == 1

    (message,) = mail.outbox
    assert message.to == [manager.email]
    assert " over 30 dagen: " in message.subject
    assert "zondag 30 juni 2024" in message.body

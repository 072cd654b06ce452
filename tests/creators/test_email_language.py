"""The eligibility and re-apply reminders reach each recipient in their own language (the one
they chose with their weekly digest)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from agencies.models import Membership
from agencies.roles import Role
from cockpit.models import DigestSubscription
from creators.applications import application_decide, application_submit
from creators.insights.eligibility_watch import eligibility_scan
from creators.insights.selectors import agency_today
from creators.models import AccountSnapshot
from tests.factories import CreatorFactory
from tests.helpers import member

from .insights_support import insight_creator

pytestmark = pytest.mark.django_db


def _reads(agency, user, language: str) -> None:
    membership = Membership.objects.get(agency=agency, user=user)
    DigestSubscription.objects.create(agency=agency, membership=membership, language=language)


def test_an_eligibility_change_is_mailed_in_the_managers_language(agency, manager):
    _reads(agency, manager, "nl")
    creator = insight_creator(agency, followers=9_999, account_manager=manager)
    eligibility_scan(agency=agency)
    account = creator.social_accounts.get()
    account.followers = 10_000
    account.save()
    AccountSnapshot.objects.create(
        agency=agency,
        social_account=account,
        date=agency_today(agency),
        followers=10_000,
        views_last_30_days=100_000,
    )

    assert eligibility_scan(agency=agency).mailed == 1

    (message,) = mail.outbox
    assert message.to == [manager.email]
    assert message.subject == f"Programmageschiktheid gewijzigd: {creator.display_name}"


def test_the_reapply_reminder_goes_to_each_owner_in_their_language(agency, owner):
    second_owner = member(agency, Role.OWNER, email="second-owner@acme.test")
    _reads(agency, owner, "nl")
    creator = CreatorFactory(agency=agency, account_manager=None)
    today = agency_today(agency)
    application = application_submit(
        creator=creator,
        actor=None,
        program="creativity_program",
        submitted_on=today - timedelta(days=40),
        review_weeks=2,
        has_id_document=True,
        has_tax_information=True,
        sample_posts="https://tiktok.com/@a/video/1",
    )
    application_decide(
        application=application,
        actor=None,
        outcome="rejected",
        decided_on=today - timedelta(days=31),
        rejection_reason="Not enough original content",
    )

    call_command("application_reminders", "--agency", agency.slug, stdout=io.StringIO())

    by_reader = {tuple(m.to): m for m in mail.outbox}
    assert set(by_reader) == {(owner.email,), (second_owner.email,)}
    assert "opnieuw aanvragen" in by_reader[owner.email,].subject
    assert "may apply to the Creativity Program again" in by_reader[second_owner.email,].subject

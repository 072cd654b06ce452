"""Case notices by e-mail go out in each recipient's language (issue 16): the language the
member chose for their weekly digest (cockpit registers it with agencies/languages.py), the
site's default for a member who never chose."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from agencies.models import Membership
from agencies.roles import Role
from cockpit.models import DigestSubscription
from moderation.cases import breach_scan, case_open
from moderation.models import Level
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=AMS)


def _reads(agency, user, language: str) -> None:
    membership = Membership.objects.get(agency=agency, user=user)
    DigestSubscription.objects.create(agency=agency, membership=membership, language=language)


def _bodies_to(address: str) -> list[str]:
    return sorted(m.body for m in mail.outbox if address in m.to)


def test_each_recipient_reads_the_breach_notice_in_their_language(
    agency, owner, community_manager, django_capture_on_commit_callbacks
):
    _reads(agency, community_manager, "nl")  # the owner never chose: English
    case_open(agency=agency, title="Angry comment", now=at(2025, 3, 4, 10, 0))

    with django_capture_on_commit_callbacks(execute=True):
        assert breach_scan(now=at(2025, 3, 4, 12, 0)) == 1

    # The breach goes to the level's roles; the escalation that follows to the next level's
    # (the owner again), each mail in its reader's language.
    [dutch] = _bodies_to(community_manager.email)
    assert dutch.startswith("SLA overschreden (") and dutch.endswith("): Angry comment")
    escalated, breached = _bodies_to(owner.email)
    assert breached.startswith("SLA breached (") and breached.endswith("): Angry comment")
    assert escalated.startswith("Case escalated to ")
    for message in mail.outbox:
        assert message.subject == message.body[:120]
        assert len(message.to) == 1


def test_recipients_who_read_the_same_language_share_one_mail(
    agency, owner, community_manager, django_capture_on_commit_callbacks
):
    _reads(agency, owner, "nl")
    _reads(agency, community_manager, "nl")
    case_open(agency=agency, title="x", level=Level.HUMAN_REVIEW, now=at(2025, 3, 4, 10, 0))

    with django_capture_on_commit_callbacks(execute=True):
        breach_scan(now=at(2025, 3, 4, 12, 0))

    [breach] = [m for m in mail.outbox if m.body.startswith("SLA overschreden (")]
    assert sorted(breach.to) == sorted([owner.email, community_manager.email])
    assert all(not m.body.startswith("SLA breached") for m in mail.outbox)


def test_a_language_chosen_in_another_agency_does_not_count(
    agency, other_agency, owner, community_manager, django_capture_on_commit_callbacks
):
    MembershipFactory(user=owner, agency=other_agency, role=Role.OWNER)
    _reads(other_agency, owner, "nl")
    case_open(agency=agency, title="x", level=Level.LEGAL_PR, now=at(2025, 3, 4, 9, 0))

    with django_capture_on_commit_callbacks(execute=True):
        breach_scan(now=at(2025, 3, 6, 9, 0))

    [body] = _bodies_to(owner.email)
    assert body.startswith("SLA breached (")

"""While crisis mode is on, DMs flagged risky go to a Legal / PR case and get no automated
DM; triage runs through its Celery task, as in production."""

from __future__ import annotations

import pytest

from moderation.models import ActionKind, Case, Level
from moderation.policies import crisis_mode_set
from moderation.tasks import triage_messages
from tests.moderation.conftest import make_message

pytestmark = pytest.mark.django_db


def triaged(agency, text: str, **kwargs):
    message = make_message(agency, text, kind="dm", **kwargs)
    triage_messages(agency.pk, [message.pk])
    message.refresh_from_db()
    return message


def case_of(message) -> Case:
    return Case.objects.get(message=message)


def test_a_negative_dm_goes_to_legal_pr_while_crisis_mode_is_on(agency, owner):
    crisis_mode_set(agency=agency, actor=owner, enabled=True)

    message = triaged(agency, "This is awful, terrible, the worst brand ever. I hate it.")

    assert case_of(message).level == Level.LEGAL_PR
    assert {"code": "crisis_dm"} in message.reasons
    assert not message.actions.filter(kind=ActionKind.DM).exists()


def test_the_same_dm_goes_to_human_review_without_crisis_mode(agency):
    message = triaged(agency, "This is awful, terrible, the worst brand ever. I hate it.")

    assert case_of(message).level == Level.HUMAN_REVIEW
    assert {"code": "crisis_dm"} not in message.reasons


def test_a_hidden_insulting_dm_also_opens_a_legal_pr_case_in_a_crisis(agency, owner):
    crisis_mode_set(agency=agency, actor=owner, enabled=True)

    message = triaged(agency, "you idiot", author="troll")

    assert message.hidden
    assert case_of(message).level == Level.LEGAL_PR


def test_an_insulting_dm_outside_a_crisis_is_only_hidden(agency):
    message = triaged(agency, "you idiot", author="troll")

    assert message.hidden and not Case.objects.filter(message=message).exists()


def test_a_friendly_opted_in_dm_still_gets_the_sequence_in_a_crisis(agency, owner):
    crisis_mode_set(agency=agency, actor=owner, enabled=True)

    message = triaged(agency, "Hi! I'd love more info please", opt_in=True, author="fan2")

    assert not Case.objects.filter(message=message).exists()
    assert message.actions.filter(kind=ActionKind.DM).exists()


def test_a_brand_inquiry_is_not_risky(agency, owner):
    crisis_mode_set(agency=agency, actor=owner, enabled=True)

    message = triaged(agency, "What are your rates for a sponsored post?", author="brand")

    assert case_of(message).level == Level.ACCOUNT_MANAGER

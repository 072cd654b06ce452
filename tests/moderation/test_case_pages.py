"""The queue and a case: message preview, SLA countdown, the timeline as sentences, and
staff replying from a case through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import AuditLog
from agencies.roles import Role
from moderation.cases import case_escalate
from moderation.models import (
    ActionKind,
    ActionOutcome,
    AutomatedAction,
    Case,
    CaseEvent,
    Level,
    OutboxMessage,
)
from moderation.policies import crisis_mode_set, policy_create
from moderation.rules import default_rules
from moderation.templatetags.moderation_tags import duration, sla_countdown
from moderation.triage import message_triage
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def cm(agency):
    return member(agency, Role.COMMUNITY_MANAGER, email="cm@acme.test")


def url(agency, name, **kwargs) -> str:
    return reverse(f"moderation:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def case_for(agency, message_factory, text="This is terrible and awful, I hate it", **kw):
    message = message_factory(agency, text, **kw)
    message_triage(message_id=message.pk)
    return Case.objects.get(message=message)


# --- the SLA countdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "1 min"),
        (35, "35 min"),
        (60, "1 h"),
        (125, "2 h 5 min"),
        (11 * 60 + 5, "11 h"),
        (24 * 60, "1 day"),
        (50 * 60, "2 days 2 h"),
    ],
)
def test_durations_read_like_people_say_them(minutes, text):
    with translation.override("en"):
        assert duration(minutes) == text


def test_the_countdown_says_due_in_or_overdue_by():
    now = timezone.now()
    with translation.override("en"):
        assert sla_countdown(now + timedelta(minutes=34, seconds=10), now) == "due in 35 min"
        assert sla_countdown(now - timedelta(hours=2), now) == "overdue by 2 h"
        assert sla_countdown(None, now) == ""


def test_the_queue_shows_the_message_and_its_countdown(agency, cm, message_factory):
    case = case_for(agency, message_factory)
    with time_machine.travel(case.due_at - timedelta(minutes=35), tick=False):
        html = client_for(cm).get(url(agency, "queue")).content.decode()
    assert "This is terrible and awful, I hate it" in html
    assert "due in 35 min" in html
    with time_machine.travel(case.due_at + timedelta(hours=2), tick=False):
        html = client_for(cm).get(url(agency, "queue")).content.decode()
    assert "overdue by 2 h" in html


def test_the_queue_shows_due_times_in_the_agencys_timezone(agency, cm, message_factory):
    case = case_for(agency, message_factory)
    local = timezone.localtime(case.due_at, agency.tzinfo)
    html = client_for(cm).get(url(agency, "queue")).content.decode()
    assert local.strftime("%H:%M") in html


# --- the case page in the reader's language --------------------------------------------------


def test_the_timeline_and_title_are_sentences_not_codes(agency, cm, owner, message_factory):
    case = case_for(agency, message_factory)
    case_escalate(case=case, actor=owner, note="needs the manager")
    response = client_for(cm).get(url(agency, "case", pk=case.pk))
    html = response.content.decode()
    assert "Comment from @fan" in html
    assert "The tone is negative: sentiment" in html
    assert "Escalated to Account manager. needs the manager" in html
    assert "automated.escalate" not in html and "{&#x27;code" not in html


def test_the_case_page_reads_in_dutch(agency, cm, owner, message_factory):
    case = case_for(agency, message_factory)
    case_escalate(case=case, actor=owner)
    html = client_for(cm).get(url(agency, "case", pk=case.pk), HTTP_ACCEPT_LANGUAGE="nl")
    assert "Accountmanager" in html.content.decode()


def test_a_threat_case_title_names_the_category(agency, cm, message_factory):
    case = case_for(agency, message_factory, "I'll find where you live and hurt you")
    html = client_for(cm).get(url(agency, "case", pk=case.pk)).content.decode()
    assert "Threats or violence: comment from @fan" in html


# --- replying from a case ------------------------------------------------------------------


def test_staff_reply_to_a_comment_goes_through_the_outbox_and_is_audited(
    agency, cm, message_factory
):
    case = case_for(agency, message_factory)
    response = client_for(cm).post(
        url(agency, "case-reply", pk=case.pk), {"reply-text": "Sorry to hear that, DM us?"}
    )
    assert response.status_code == 302
    action = AutomatedAction.objects.get(kind=ActionKind.REPLY)
    assert action.outcome == ActionOutcome.SENT and not action.promotional
    row = OutboxMessage.objects.get(action=action)
    assert (row.kind, row.recipient, row.text) == ("reply", "fan", "Sorry to hear that, DM us?")
    assert row.in_reply_to == case.message.platform_message_id
    event = CaseEvent.objects.get(case=case, kind="reply")
    assert event.actor == cm
    entry = AuditLog.objects.get(agency=agency, action="case.reply")
    assert entry.actor == cm and entry.after["action"] == action.pk
    page = client_for(cm).get(url(agency, "case", pk=case.pk)).content.decode()
    assert "Reply by a person" in page
    case.refresh_from_db()
    assert case.first_response_at is not None


def test_staff_reply_to_a_dm_is_a_dm(agency, cm, message_factory):
    case = case_for(agency, message_factory, "what are your rates?", kind="dm", author="brand")
    client_for(cm).post(url(agency, "case-reply", pk=case.pk), {"reply-text": "Our manager writes"})
    assert OutboxMessage.objects.get().kind == ActionKind.DM


def test_no_dm_to_someone_who_opted_out(agency, cm, message_factory):
    case = case_for(agency, message_factory, "what are your rates?", kind="dm", author="brand")
    contact = case.message.contact
    contact.dm_opted_out_at = timezone.now()
    contact.save()
    response = client_for(cm).post(url(agency, "case-reply", pk=case.pk), {"reply-text": "Hello"})
    assert response.status_code == 400
    assert "opted out of DMs" in response.content.decode()
    assert (
        not OutboxMessage.objects.exists()
        and not AuditLog.objects.filter(action="case.reply").exists()
    )


def test_a_reply_respects_the_accounts_reply_limit(agency, cm, owner, message_factory):
    rules = default_rules()
    rules["limits"]["replies_per_account_per_hour"] = 1
    policy_create(agency=agency, actor=owner, name="Tight", rules=rules)
    first = case_for(agency, message_factory, "awful, terrible, I hate it", author="a")
    second = case_for(agency, message_factory, "awful, terrible, I hate it", author="b")
    client = client_for(cm)
    response = client.post(url(agency, "case-reply", pk=first.pk), {"reply-text": "Sorry"})
    assert response.status_code == 302
    response = client.post(url(agency, "case-reply", pk=second.pk), {"reply-text": "Sorry"})
    assert response.status_code == 400 and "reply limit" in response.content.decode()
    assert OutboxMessage.objects.count() == 1


def test_crisis_mode_lets_only_legal_pr_answer(agency, cm, owner, message_factory):
    case = case_for(agency, message_factory)
    crisis_mode_set(agency=agency, actor=owner, enabled=True)
    client = client_for(cm)
    response = client.post(url(agency, "case-reply", pk=case.pk), {"reply-text": "Hi"})
    assert response.status_code == 400 and "Crisis mode is on" in response.content.decode()
    legal = case_for(agency, message_factory, "my lawyer will sue you", author="suer")
    assert legal.level == Level.LEGAL_PR
    response = client.post(url(agency, "case-reply", pk=legal.pk), {"reply-text": "We hear you"})
    assert response.status_code == 302 and OutboxMessage.objects.filter(kind="reply").count() == 1


@pytest.mark.parametrize(
    ("text", "error"),
    [("", "This field is required."), ("   ", "This field is required."), ("x" * 1001, "1000")],
)
def test_bad_replies_are_refused_with_a_clear_message(agency, cm, message_factory, text, error):
    case = case_for(agency, message_factory)
    response = client_for(cm).post(url(agency, "case-reply", pk=case.pk), {"reply-text": text})
    assert response.status_code == 400 and error in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_a_resolved_case_cannot_be_answered(agency, cm, owner, message_factory):
    from moderation.cases import case_resolve

    case = case_for(agency, message_factory)
    case_resolve(case=case, actor=owner)
    response = client_for(cm).post(url(agency, "case-reply", pk=case.pk), {"reply-text": "late"})
    assert response.status_code == 400 and not OutboxMessage.objects.exists()


def test_another_agencys_case_cannot_be_answered(agency, other_agency, cm, message_factory):
    theirs = case_for(other_agency, message_factory)
    response = client_for(cm).post(url(agency, "case-reply", pk=theirs.pk), {"reply-text": "hi"})
    assert response.status_code == 404 and not OutboxMessage.objects.exists()


@pytest.mark.parametrize(("role", "status"), [(Role.FINANCE, 403), (Role.CREATOR, 403)])
def test_finance_and_creators_cannot_reply(agency, message_factory, role, status):
    case = case_for(agency, message_factory)
    response = client_for(member(agency, role)).post(
        url(agency, "case-reply", pk=case.pk), {"reply-text": "hi"}
    )
    assert response.status_code == status and not OutboxMessage.objects.exists()


def test_the_inbox_says_a_person_answered(agency, cm, message_factory):
    case = case_for(agency, message_factory)
    client = client_for(cm)
    client.post(url(agency, "case-reply", pk=case.pk), {"reply-text": "Sorry to hear"})
    html = client.get(url(agency, "inbox")).content.decode()
    assert "Sent to Human review, answered by a person" in html
    assert "automated reply" not in html


def test_notifications_read_in_the_readers_language(agency, owner, cm, message_factory):
    from moderation.models import Notification

    case = case_for(agency, message_factory, "I'll find where you live", author="angry")
    case.level = Level.HUMAN_REVIEW  # as if opened lower, to see an escalation notice
    case.save()
    case_escalate(case=case, actor=cm)
    note = Notification.objects.get(user=owner, case=case)
    assert note.data == {"code": "escalated", "level": Level.ACCOUNT_MANAGER}
    client = client_for(owner)
    html = client.get(url(agency, "queue")).content.decode()
    assert "Case escalated to Account manager: Threats or violence: comment from @angry" in html
    dutch = client.get(url(agency, "queue"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Zaak geëscaleerd naar Accountmanager" in dutch

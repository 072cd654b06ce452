"""Triage: hide/remove/escalate, delayed replies, the DM opt-in sequence, limits, crisis."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from agencies.models import AuditLog
from moderation.models import (
    ActionKind,
    ActionOutcome,
    AutomatedAction,
    Case,
    Contact,
    DmState,
    Level,
    OutboxMessage,
)
from moderation.outbox import send_due_actions
from moderation.policies import crisis_mode_set, policy_create, policy_version_publish
from moderation.rules import default_rules
from moderation.triage import message_triage

pytestmark = pytest.mark.django_db


def triage(message, **kwargs):
    return message_triage(message_id=message.pk, **kwargs)


def test_an_abusive_comment_is_hidden_and_the_hide_goes_through_the_outbox(agency, message_factory):
    message = message_factory(agency, "you are such an idiot")
    [action] = triage(message)
    message.refresh_from_db()
    assert message.hidden and message.category == "harassment"
    assert action.kind == ActionKind.HIDE and action.policy_version == message.policy_version
    assert action.reasons[0] == {"code": "keyword", "category": "harassment", "match": "idiot"}
    assert OutboxMessage.objects.get(action=action).kind == ActionKind.HIDE
    entry = AuditLog.objects.get(agency=agency, action="automated.hide")
    assert entry.after["policy_version"] == message.policy_version_id


def test_a_scam_link_is_removed(agency, message_factory):
    message = message_factory(agency, "claim it here bit.ly/abc")
    [action] = triage(message)
    message.refresh_from_db()
    assert action.kind == ActionKind.REMOVE and message.removed


def test_a_negative_comment_goes_to_the_human_review_queue(agency, message_factory):
    message = message_factory(agency, "This is terrible, the worst product ever, awful")
    [action] = triage(message)
    assert action.kind == ActionKind.ESCALATE
    case = Case.objects.get(message=message)
    assert case.level == Level.HUMAN_REVIEW
    assert [r["code"] for r in action.reasons[-3:]] == ["sentiment", "escalated", "case"]


def test_a_price_question_gets_a_reply_scheduled_inside_the_delay_window(agency, message_factory):
    now = timezone.now()
    for n in range(25):  # the default hourly limit is 30
        message = message_factory(agency, "Wat is de prijs?", author=f"fan{n}")
        [action] = triage(message, now=now, rng=random.Random(n))
        assert action.kind == ActionKind.REPLY and action.outcome == ActionOutcome.SCHEDULED
        assert timedelta(minutes=10) <= action.due_at - now <= timedelta(minutes=60)
        assert action.text.startswith("Bedankt")  # the Dutch template for a Dutch comment
    assert not OutboxMessage.objects.exists()  # nothing goes out before its time


def test_the_sender_posts_due_replies_once(agency, message_factory):
    message = message_factory(agency, "how much is this?")
    [action] = triage(message)
    assert send_due_actions(now=action.due_at - timedelta(seconds=1)) == 0
    assert send_due_actions(now=action.due_at) == 1
    assert send_due_actions(now=action.due_at + timedelta(hours=1)) == 0
    outbox = OutboxMessage.objects.get()
    assert outbox.in_reply_to == message.platform_message_id and outbox.recipient == "fan"
    action.refresh_from_db()
    assert action.outcome == ActionOutcome.SENT


def test_the_sender_named_an_agency_posts_only_that_agencys_replies(
    agency, other_agency, message_factory
):
    # given a due reply in each of two agencies
    [mine] = triage(message_factory(agency, "how much is this?"))
    [theirs] = triage(message_factory(other_agency, "how much is this?"))
    due = max(mine.due_at, theirs.due_at)

    # when the sender is run for the first agency only (platform_sync --agency, the beat's
    # loop): on SQLite nothing else would keep the other agency's reply back
    sent = send_due_actions(agency_id=agency.pk, now=due)

    # then only its reply went out
    assert sent == 1
    assert list(OutboxMessage.objects.values_list("agency_id", flat=True)) == [agency.pk]


def test_triage_is_idempotent(agency, message_factory):
    message = message_factory(agency, "how much is this?")
    triage(message)
    assert triage(message) == []
    assert AutomatedAction.objects.count() == 1


def test_replies_per_account_per_hour_are_limited(agency, owner, message_factory):
    rules = default_rules()
    rules["limits"]["replies_per_account_per_hour"] = 3
    policy_create(agency=agency, actor=owner, name="Default", rules=rules)
    outcomes = [
        triage(message_factory(agency, "price?", author=f"fan{n}"))[0].outcome for n in range(5)
    ]
    assert outcomes.count(ActionOutcome.SCHEDULED) == 3
    assert outcomes.count(ActionOutcome.SUPPRESSED) == 2


def test_a_dm_without_opt_in_gets_no_automated_dm(agency, message_factory):
    message = message_factory(agency, "hey there", kind="dm")
    [action] = triage(message)
    assert action.kind == ActionKind.NONE and action.reasons[-1] == {"code": "no_opt_in"}
    assert not AutomatedAction.objects.filter(kind=ActionKind.DM).exists()


def test_the_opt_in_sequence_asks_name_then_consent_then_hands_to_a_person(agency, message_factory):
    first = triage(message_factory(agency, "info please", kind="dm", author="lead"))[0]
    assert first.kind == ActionKind.DM and "name" in first.text
    second = triage(message_factory(agency, "Sam", kind="dm", author="lead"))[0]
    assert "YES" in second.text
    asked = triage(message_factory(agency, "yes!", kind="dm", author="lead"))[0]
    assert asked.kind == ActionKind.DM and "e-mail address" in asked.text
    third = triage(message_factory(agency, "sam@example.com", kind="dm", author="lead"))[0]
    contact = Contact.objects.get(handle="lead")
    assert contact.name == "Sam" and contact.email_consent_at is not None
    assert contact.email == "sam@example.com"
    assert contact.dm_state == DmState.HANDED_OFF
    assert third.kind == ActionKind.DM and "team" in third.text
    assert Case.objects.get(title__startswith="Lead: @lead").level == Level.HUMAN_REVIEW
    after = triage(message_factory(agency, "thanks", kind="dm", author="lead"))[0]
    assert after.kind == ActionKind.NONE


def test_dutch_consent_ja_is_accepted(agency, message_factory):
    triage(message_factory(agency, "Hallo", kind="dm", author="lead", opt_in=True))
    triage(message_factory(agency, "Sanne", kind="dm", author="lead"))
    triage(message_factory(agency, "JA", kind="dm", author="lead"))
    assert Contact.objects.get(handle="lead").dm_state == DmState.ASKED_EMAIL


def test_an_opted_out_person_gets_nothing_ever(agency, message_factory):
    triage(message_factory(agency, "info?", kind="dm", author="lead"))
    pending = AutomatedAction.objects.get(kind=ActionKind.DM)
    triage(message_factory(agency, "STOP", kind="dm", author="lead"))
    pending.refresh_from_db()
    assert pending.outcome == ActionOutcome.CANCELLED
    triage(message_factory(agency, "info?", kind="dm", author="lead"))
    triage(message_factory(agency, "prijs?", kind="dm", author="lead", opt_in=True))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        send_due_actions()
    assert not OutboxMessage.objects.exists()
    assert not AutomatedAction.objects.filter(
        kind=ActionKind.DM, outcome__in=[ActionOutcome.SCHEDULED, ActionOutcome.SENT]
    ).exists()


def test_crisis_mode_cancels_pending_promotional_replies_and_suppresses_new_ones(
    agency, owner, message_factory
):
    [pending] = triage(message_factory(agency, "link?"))
    cancelled = crisis_mode_set(agency=agency, actor=owner, enabled=True)
    pending.refresh_from_db()
    assert cancelled == 1 and pending.outcome == ActionOutcome.CANCELLED
    [new] = triage(message_factory(agency, "price?", author="other"))
    assert new.outcome == ActionOutcome.SUPPRESSED and new.reasons[-1] == {"code": "crisis"}
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert send_due_actions() == 0
    entry = AuditLog.objects.get(agency=agency, action="moderation.crisis_on")
    assert entry.actor == owner and entry.after["cancelled_replies"] == 1


def test_crisis_mode_still_allows_non_promotional_replies(agency, owner, message_factory):
    crisis_mode_set(agency=agency, actor=owner, enabled=True)
    [action] = triage(message_factory(agency, "open to a collab?"))
    assert action.outcome == ActionOutcome.SCHEDULED and not action.promotional


def test_a_decision_records_the_version_it_used_even_after_a_new_one(
    agency, owner, message_factory
):
    policy = policy_create(agency=agency, actor=owner, name="Default")
    [action] = triage(message_factory(agency, "idiot"))
    policy_version_publish(policy=policy, actor=owner, rules=default_rules())
    action.refresh_from_db()
    assert action.policy_version.number == 1
    [later] = triage(message_factory(agency, "idiot", author="x"))
    assert later.policy_version.number == 2


@pytest.mark.parametrize("copies", [1, 10])
def test_a_triage_batch_costs_the_same_queries_for_5_or_50_messages(agency, owner, copies):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moderation.cases import case_open
    from moderation.inbound import MessageIn, messages_ingest
    from moderation.policies import moderation_settings_get, policy_ensure_default
    from moderation.triage import messages_triage

    # as in production, the policy, the settings and the SLA rules exist already
    policy_ensure_default(agency=agency)
    moderation_settings_get(agency=agency)
    case_open(agency=agency, title="warm-up")
    now = timezone.now()
    mix = [  # one message per decision: hide, escalate, reply, nothing, a DM opt-in
        ("comment", "you idiot"),
        ("comment", "This is terrible and awful, I hate it"),
        ("comment", "how much is it?"),
        ("comment", "lovely video"),
        ("dm", "info please"),
    ]
    batch = [
        MessageIn("tiktok", f"q{n}-{i}", kind, "acme", f"fan{n}-{i}", text, now)
        for n in range(copies)
        for i, (kind, text) in enumerate(mix)
    ]
    ids = messages_ingest(agency=agency, messages=batch, source="api").created

    with CaptureQueriesContext(connection) as queries:
        actions = messages_triage(message_ids=ids, now=now)

    assert len(actions) == 5 * copies
    # savepoint; the messages (locked), their authors (by key), their agency, the policies with
    # their current versions, the moderation settings; the account counters (create the
    # missing, lock) and their replies of the last day; the DM authors (lock) and their DMs
    # of the last 7 days; the cases (savepoint, SLA rules, holidays, cases, stints, events,
    # release); the actions, the outbox rows, the audit entries of cases and actions; the
    # contacts, the counters and the messages updated; release. The same whatever the size of
    # the batch (up to a few hundred rows, when inserts start to be split in chunks).
    # With REDIS_URL set (as in CI) the DM limit is a Redis script: no author lock, no count.
    expected = QUERIES_PER_BATCH - (2 if settings.REDIS_URL else 0)
    assert len(queries) == expected, [q["sql"][:90] for q in queries.captured_queries]


QUERIES_PER_BATCH = 25


def test_one_bad_message_does_not_block_the_rest_of_its_batch(agency, message_factory):
    from unittest import mock

    from moderation import triage as triage_module
    from moderation.models import InboundMessage, MessageStatus
    from moderation.tasks import triage_messages

    good = message_factory(agency, "how much?", author="a")
    bad = message_factory(agency, "poison", author="b")
    real_classify = triage_module.classify

    def classify(text, compiled):
        if text == "poison":
            raise RuntimeError("boom")
        return real_classify(text, compiled)

    with mock.patch.object(triage_module, "classify", side_effect=classify):
        assert triage_messages(good.agency_id, [good.pk, bad.pk]) == 1

    statuses = dict(InboundMessage.objects.values_list("pk", "status"))
    assert statuses == {good.pk: MessageStatus.TRIAGED, bad.pk: MessageStatus.FAILED}
    assert AutomatedAction.objects.filter(message=good).count() == 1


def test_an_action_is_built_from_positional_arguments_in_the_models_field_order():
    # `_Batch.record` passes its values positionally (the constructor's fast path): a field
    # added or moved in the model must show up here rather than shift a value into another.
    from moderation.triage import ACTION_ARGS

    fields = [f.attname for f in AutomatedAction._meta.concrete_fields]
    # the rest keep their defaults: set when sent, and when stored
    assert fields == [*ACTION_ARGS, "sent_at", "created_at"]


def test_a_hidden_message_reaches_the_connector_with_its_author(agency, message_factory):
    message = message_factory(agency, "you are such an idiot", author="rude")

    [action] = triage(message)

    # the connector reads the author from the action without another query
    assert action.contact.handle == "rude" and action.contact.pk == action.contact_id
    assert action.message.contact is action.contact
    assert OutboxMessage.objects.get(action=action).recipient == "rude"

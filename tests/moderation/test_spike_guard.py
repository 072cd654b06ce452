"""The comment-spike guard: a token bucket per creator account that pauses automated replies
when comment volume spikes and sends those comments to a person instead. Every behaviour is
checked with the bucket in the database (locked counter row) and in Redis (Lua script)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import fakeredis
import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from agencies.models import AuditLog
from moderation import limits
from moderation.limits import AccountGate, bucket_take
from moderation.models import ActionKind, ActionOutcome, Case, InboundMessage, Level
from moderation.policies import policy_create
from moderation.rules import default_rules, validate_rules
from moderation.triage import messages_triage

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture(params=["database", "redis"])
def backend(request, monkeypatch):
    if request.param == "redis":
        server = fakeredis.FakeRedis()
        monkeypatch.setattr(limits, "redis_client", lambda: server)
    return request.param


@pytest.fixture
def small_bucket(agency, owner):
    """A policy whose bucket holds 3 comments and gets one back per minute."""
    rules = default_rules()
    rules["spike_guard"] = {"enabled": True, "capacity": 3, "refill_per_minute": 1}
    return policy_create(agency=agency, actor=owner, name="Default", rules=rules)


def arrive(agency, message_factory, texts, *, account="acmecreator", prefix="fan"):
    """Ingest comments and triage them as one batch; returns their actions in order."""
    messages = [
        message_factory(agency, text, author=f"{prefix}{n}", account=account)
        for n, text in enumerate(texts)
    ]
    actions = messages_triage(message_ids=[m.pk for m in messages])
    return [action for m in messages for action in actions[m.pk]]


def kinds(actions) -> list[str]:
    return [f"{a.kind}/{a.outcome}" for a in actions]


REPLY = f"{ActionKind.REPLY}/{ActionOutcome.SCHEDULED}"
TO_PERSON = f"{ActionKind.ESCALATE}/{ActionOutcome.DONE}"


def test_a_comment_spike_pauses_automated_replies_and_sends_the_comments_to_review(
    agency, small_bucket, message_factory, backend
):
    with time_machine.travel(T0, tick=False):
        actions = arrive(agency, message_factory, ["how much?"] * 5)

    assert kinds(actions) == [REPLY] * 3 + [TO_PERSON] * 2
    paused = actions[3:]
    spike = {"code": "spike", "account": "acmecreator"}
    assert all(spike in a.reasons for a in paused)
    cases = Case.objects.filter(agency=agency, message__in=[a.message_id for a in paused])
    assert cases.count() == 2 and {c.level for c in cases} == {Level.HUMAN_REVIEW}
    message = InboundMessage.objects.get(pk=paused[0].message_id)
    assert spike in message.reasons
    assert AuditLog.objects.filter(agency=agency, action="automated.escalate").count() == 2


def test_the_bucket_refills_over_time_and_automation_resumes(
    agency, small_bucket, message_factory, backend
):
    with time_machine.travel(T0, tick=False):
        assert kinds(arrive(agency, message_factory, ["price?"] * 4, prefix="a")) == [
            *[REPLY] * 3,
            TO_PERSON,
        ]
    # two minutes later two tokens are back, not more
    with time_machine.travel(T0 + timedelta(minutes=2), tick=False):
        assert kinds(arrive(agency, message_factory, ["price?"] * 3, prefix="b")) == [
            *[REPLY] * 2,
            TO_PERSON,
        ]
    # after a quiet hour the bucket is full again, but never fuller than its capacity
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        assert kinds(arrive(agency, message_factory, ["price?"] * 4, prefix="c")) == [
            *[REPLY] * 3,
            TO_PERSON,
        ]


def test_every_comment_counts_toward_a_spike_not_only_questions(
    agency, small_bucket, message_factory, backend
):
    with time_machine.travel(T0, tick=False):
        arrive(agency, message_factory, ["lovely video"] * 3, prefix="a")
        [action] = arrive(agency, message_factory, ["link?"], prefix="b")
    assert kinds([action]) == [TO_PERSON]


def test_a_spike_on_one_account_leaves_the_other_accounts_automated(
    agency, small_bucket, message_factory, backend
):
    with time_machine.travel(T0, tick=False):
        arrive(agency, message_factory, ["wow"] * 3, account="viral", prefix="a")
        assert kinds(arrive(agency, message_factory, ["price?"], account="viral", prefix="b")) == [
            TO_PERSON
        ]
        assert kinds(arrive(agency, message_factory, ["price?"], account="quiet", prefix="c")) == [
            REPLY
        ]


def test_abuse_is_still_hidden_during_a_spike(agency, small_bucket, message_factory, backend):
    with time_machine.travel(T0, tick=False):
        actions = arrive(agency, message_factory, ["wow"] * 3 + ["you idiot"])
    assert actions[-1].kind == ActionKind.HIDE


def test_a_switched_off_guard_never_pauses(agency, owner, message_factory, backend):
    rules = default_rules()
    rules["spike_guard"] = {"enabled": False, "capacity": 1, "refill_per_minute": 1}
    policy_create(agency=agency, actor=owner, name="Default", rules=rules)
    with time_machine.travel(T0, tick=False):
        assert kinds(arrive(agency, message_factory, ["price?"] * 4)) == [REPLY] * 4


def test_a_policy_without_a_guard_setting_gets_the_default_one():
    rules = default_rules()
    del rules["spike_guard"]
    assert validate_rules(rules)["spike_guard"] == {
        "enabled": True,
        "capacity": 300,
        "refill_per_minute": 20,
    }


@pytest.mark.parametrize(
    ("guard", "message"),
    [
        ({"capacity": 0}, "spike_guard.capacity must be a whole number from 1"),
        ({"refill_per_minute": "fast"}, "spike_guard.refill_per_minute must be a whole number"),
        ("on", "spike_guard must be an object"),
    ],
)
def test_a_bad_guard_setting_is_refused_with_a_clear_message(guard, message):
    rules = default_rules()
    rules["spike_guard"] = guard
    with pytest.raises(ValidationError, match=message):
        validate_rules(rules)


@given(
    tokens=st.floats(0, 50),
    minutes=st.floats(0, 600),
    capacity=st.integers(1, 50),
    per_minute=st.integers(1, 100),
    wanted=st.integers(0, 100),
)
def test_a_bucket_never_grants_more_than_it_holds_nor_fills_beyond_capacity(
    tokens, minutes, capacity, per_minute, wanted
):
    tokens = min(tokens, capacity)
    granted, left, _ = bucket_take(
        tokens=tokens,
        checked_at=T0,
        now=T0 + timedelta(minutes=minutes),
        capacity=capacity,
        per_minute=per_minute,
        wanted=wanted,
    )
    assert 0 <= granted <= wanted
    assert granted <= tokens + minutes * per_minute
    assert 0 <= left <= capacity
    if wanted >= capacity:  # a bucket asked for everything ends empty (up to a fraction)
        assert left < 1


def test_time_running_backwards_refills_nothing():
    granted, left, checked = bucket_take(
        tokens=1.0,
        checked_at=T0,
        now=T0 - timedelta(minutes=5),
        capacity=3,
        per_minute=1,
        wanted=3,
    )
    assert (granted, left, checked) == (1, 0.0, T0)


def test_fifty_concurrent_takes_from_redis_grant_exactly_the_capacity(agency, monkeypatch):
    server = fakeredis.FakeRedis()
    monkeypatch.setattr(limits, "redis_client", lambda: server)
    guard = {"enabled": True, "capacity": 10, "refill_per_minute": 1}

    def take(_):
        gate = AccountGate(agency_id=agency.pk, accounts=set(), now=T0)
        return gate.spike_take(("tiktok", "viral"), wanted=1, guard=guard)

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert sum(pool.map(take, range(50))) == 10

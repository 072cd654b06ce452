"""The per-person DM limit holds when many workers try at once (real threads, real rows),
with the limit counted on the locked contact row and with it counted in Redis."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import fakeredis
import pytest
from django.db import connection, connections
from django.utils import timezone

from moderation import limits
from moderation.models import ActionKind, ActionOutcome, AutomatedAction, Contact, OutboxMessage
from moderation.outbox import send_due_actions
from moderation.policies import policy_ensure_default
from moderation.triage import automated_dm_schedule
from tests.factories import AgencyFactory

ATTEMPTS = 50


@pytest.fixture(params=["database", "redis"])
def backend(request, monkeypatch):
    if request.param == "redis":
        server = fakeredis.FakeRedis()  # one server shared by every worker thread
        monkeypatch.setattr(limits, "redis_client", lambda: server)
    return request.param


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_dm_attempts_to_one_person_send_exactly_five_in_seven_days(backend):
    # given a person who opted in, and the default policy (5 automated DMs per 7 days)
    agency = AgencyFactory(slug="concurrency")
    version = policy_ensure_default(agency=agency).current_version
    contact = Contact.objects.create(
        agency=agency, platform="tiktok", handle="lead", dm_opted_in_at=timezone.now()
    )
    now = timezone.now()
    start = threading.Barrier(ATTEMPTS if connection.vendor == "postgresql" else 1)
    # SQLite's in-memory test database allows one writer at a time across threads (its
    # shared-cache lock fails instead of waiting), so there the attempts take turns;
    # PostgreSQL runs them truly at once and relies on the locked contact row.
    sqlite_turns = threading.Lock() if connection.vendor == "sqlite" else None

    def attempt(n: int) -> str:
        try:
            if sqlite_turns is None:
                start.wait(timeout=30)
                return automated_dm_schedule(
                    contact=contact, version=version, text=f"hello {n}", reasons=[], now=now
                ).outcome
            with sqlite_turns:
                return automated_dm_schedule(
                    contact=contact, version=version, text=f"hello {n}", reasons=[], now=now
                ).outcome
        finally:
            connections.close_all()

    # when 50 workers try to DM the same person at the same moment
    with ThreadPoolExecutor(max_workers=ATTEMPTS if sqlite_turns is None else 8) as pool:
        outcomes = list(pool.map(attempt, range(ATTEMPTS)))

    # then exactly five are scheduled, the rest suppressed and recorded as such
    assert outcomes.count(ActionOutcome.SCHEDULED) == 5
    assert outcomes.count(ActionOutcome.SUPPRESSED) == ATTEMPTS - 5
    assert AutomatedAction.objects.filter(contact=contact, kind=ActionKind.DM).count() == ATTEMPTS

    # and once due, exactly five are sent within the 7 days
    assert send_due_actions(now=now + timedelta(hours=2)) == 5
    assert OutboxMessage.objects.filter(recipient="lead").count() == 5

    # a new attempt six days later is still refused; after the window it is allowed again
    later = automated_dm_schedule(
        contact=contact, version=version, text="again", reasons=[], now=now + timedelta(days=6)
    )
    assert later.outcome == ActionOutcome.SUPPRESSED
    week_later = automated_dm_schedule(
        contact=contact, version=version, text="again", reasons=[], now=now + timedelta(days=8)
    )
    assert week_later.outcome == ActionOutcome.SCHEDULED


def test_fifty_concurrent_reservations_in_redis_admit_exactly_five(monkeypatch):
    # The Lua script is the whole guarantee on Redis: no database row serialises the
    # workers here, they all reserve at the same moment.
    server = fakeredis.FakeRedis()
    monkeypatch.setattr(limits, "redis_client", lambda: server)
    now = timezone.now()
    start = threading.Barrier(ATTEMPTS)

    def reserve(_):
        allowance = limits.DmAllowance(agency_id=1, contact_ids=[7], now=now)
        start.wait(timeout=30)
        return allowance.take(7, limit=5, due_at=now + timedelta(minutes=30))

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        results = list(pool.map(reserve, range(ATTEMPTS)))
    assert results.count(None) == 5
    assert sorted(r for r in results if r is not None) == [5] * (ATTEMPTS - 5)

"""The crisis API: replies, drills and frozen deliverables, the pages' twins."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from crisis.models import CrisisReply, Drill, FrozenDeliverable
from moderation.policies import crisis_mode_set
from tests.helpers import client_for, scoping_queries

from .builders import make_drill, make_frozen, make_reply

pytestmark = pytest.mark.django_db
JSON = "application/json"


def api(name: str, agency, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def test_the_reply_list_starts_with_the_defaults_and_filters(agency, manager_client):
    everything = manager_client.get(api("crisis-reply-list", agency)).json()
    dutch = manager_client.get(api("crisis-reply-list", agency), {"language": "nl"}).json()

    assert everything["count"] == 8
    assert {row["language"] for row in dutch["results"]} == {"nl"} and dutch["count"] == 4
    bad = manager_client.get(api("crisis-reply-list", agency), {"language": "fr"})
    assert bad.status_code == 400


def test_creating_editing_and_deleting_a_reply(agency, community_manager):
    client = client_for(community_manager)

    created = client.post(
        api("crisis-reply-list", agency),
        {"language": "en", "title": "Apology", "text": "We are sorry."},
        content_type=JSON,
    )
    pk = created.json()["id"]
    edited = client.patch(
        api("crisis-reply-detail", agency, pk=pk),
        {"text": "We are truly sorry."},
        content_type=JSON,
    )
    deleted = client.delete(api("crisis-reply-detail", agency, pk=pk))

    assert created.status_code == 201 and edited.json()["text"] == "We are truly sorry."
    assert deleted.status_code == 204 and not CrisisReply.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"language": "en", "title": "", "text": "x"},
        {"language": "xx", "title": "T", "text": "x"},
        {"language": "en", "title": "T", "text": "x" * 1001},
        {"language": "en", "title": "Holding statement", "text": "dup"},
    ],
    ids=["no-title", "language", "too-long", "duplicate"],
)
def test_a_bad_reply_answers_400_and_writes_nothing(agency, owner_client, body):
    owner_client.get(api("crisis-reply-list", agency))
    before = CrisisReply.objects.filter(agency=agency).count()

    response = owner_client.post(api("crisis-reply-list", agency), body, content_type=JSON)

    assert response.status_code == 400
    assert CrisisReply.objects.filter(agency=agency).count() == before


def test_a_manager_cannot_write_the_library(agency, manager_client):
    response = manager_client.post(
        api("crisis-reply-list", agency),
        {"language": "en", "title": "T", "text": "x"},
        content_type=JSON,
    )
    assert response.status_code == 403


def test_another_agencys_reply_answers_404(agency, other_agency, owner_client):
    theirs = make_reply(other_agency)

    assert owner_client.get(api("crisis-reply-detail", agency, pk=theirs.pk)).status_code == 404
    response = owner_client.delete(api("crisis-reply-detail", agency, pk=theirs.pk))
    assert response.status_code == 404
    assert CrisisReply.objects.filter(pk=theirs.pk).exists()


def test_recording_a_drill(agency, owner, manager_client, manager):
    response = manager_client.post(
        api("crisis-drill-list", agency),
        {
            "held_on": "2026-10-01",
            "scenario": "Leaked contract",
            "outcome": "passed",
            "participants": [owner.pk, manager.pk],
            "level_minutes": {"1": 3, "3": 40},
        },
        content_type=JSON,
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert sorted(body["participants"]) == sorted([owner.pk, manager.pk])
    assert body["level_minutes"] == {"1": 3, "3": 40}
    detail = manager_client.get(api("crisis-drill-detail", agency, pk=body["id"])).json()
    assert detail["scenario"] == "Leaked contract"


@pytest.mark.parametrize(
    "body",
    [
        {"held_on": "2999-01-01", "scenario": "x", "outcome": "passed"},
        {"held_on": "2026-01-01", "scenario": "", "outcome": "passed"},
        {"held_on": "2026-01-01", "scenario": "x", "outcome": "passed", "participants": [999]},
        {"held_on": "2026-01-01", "scenario": "x", "outcome": "passed", "level_minutes": {"9": 1}},
        {"held_on": "2026-01-01", "scenario": "x", "outcome": "passed", "level_minutes": {"1": -1}},
        {"held_on": "2026-01-01", "scenario": "x", "outcome": "maybe"},
    ],
    ids=["future", "no-scenario", "stranger", "level", "negative", "outcome"],
)
def test_a_bad_drill_answers_400_and_writes_nothing(agency, owner_client, body):
    response = owner_client.post(api("crisis-drill-list", agency), body, content_type=JSON)

    assert response.status_code == 400, response.json()
    assert not Drill.objects.filter(agency=agency).exists()


def test_the_frozen_list_and_release(agency, owner, owner_client):
    waiting = make_frozen(agency)
    released = make_frozen(agency)
    owner_client.post(api("crisis-frozen-release", agency, pk=released.pk))

    rows = owner_client.get(api("crisis-frozen-list", agency), {"waiting": "true"}).json()

    assert [row["id"] for row in rows["results"]] == [waiting.pk]
    assert rows["results"][0]["frozen"] is True
    detail = owner_client.get(api("crisis-frozen-detail", agency, pk=released.pk)).json()
    assert detail["frozen"] is False and detail["released_by"] == owner.pk
    assert owner_client.get(api("crisis-frozen-list", agency), {"waiting": "x"}).status_code == 400


def test_release_is_refused_during_a_crisis(agency, owner, owner_client):
    row = make_frozen(agency)
    crisis_mode_set(agency=agency, actor=owner, enabled=True)

    response = owner_client.post(api("crisis-frozen-release", agency, pk=row.pk))

    assert response.status_code == 400
    assert "Crisis mode is still on" in str(response.json())
    row.refresh_from_db()
    assert row.released_at is None


def test_a_community_manager_cannot_release(agency, community_manager):
    row = make_frozen(agency)

    response = client_for(community_manager).post(api("crisis-frozen-release", agency, pk=row.pk))

    assert response.status_code == 403


def test_another_agencys_frozen_deliverable_answers_404(agency, other_agency, owner_client):
    theirs = make_frozen(other_agency)

    assert owner_client.get(api("crisis-frozen-detail", agency, pk=theirs.pk)).status_code == 404
    assert owner_client.post(api("crisis-frozen-release", agency, pk=theirs.pk)).status_code == 404
    assert FrozenDeliverable.objects.get(pk=theirs.pk).released_at is None


@pytest.mark.parametrize("size", [1, 6])
def test_the_lists_cost_the_same_queries_at_any_size(
    agency, owner, owner_client, size, django_assert_num_queries
):
    owner_client.get(api("crisis-reply-list", agency))  # the defaults, made once
    for day in range(size):
        make_reply(agency)
        make_frozen(agency)
        make_drill(
            agency, held_on=dt.date(2025, 1, 1) + dt.timedelta(days=day), participants=[owner.pk]
        )
    # session, user, savepoint, membership; the defaults' marker; count and page; release
    with django_assert_num_queries(8 + scoping_queries()):
        assert owner_client.get(api("crisis-reply-list", agency)).status_code == 200
    # session, user, savepoint, membership; count and page (deliverable, campaign, creator,
    # releaser joined); release
    with django_assert_num_queries(7 + scoping_queries()):
        assert owner_client.get(api("crisis-frozen-list", agency)).status_code == 200
    # session, user, savepoint, membership; count, page and the participants; release
    with django_assert_num_queries(8 + scoping_queries()):
        assert owner_client.get(api("crisis-drill-list", agency)).status_code == 200

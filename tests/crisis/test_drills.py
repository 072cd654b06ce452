"""Drill records: the form, the detail page, bad input, roles and tenants."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from crisis.models import Drill
from tests.helpers import client_for, member, scoping_queries

from .builders import make_drill

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {
        "held_on": "2026-10-01",
        "scenario": "A sponsor's product recall goes viral",
        "outcome": "needs_work",
        "level_1": "4",
        "level_2": "25",
        "level_4": "95",
        "notes": "Legal was reached by phone only.",
    }
    data.update(overrides)
    return data


def test_recording_a_drill_and_reading_it_back(agency, owner, manager):
    client = client_for(manager)

    response = client.post(
        reverse("crisis:drill-create", args=[agency.slug]),
        {**form_data(), "participants": [str(owner.pk), str(manager.pk)]},
    )

    drill = Drill.objects.get(agency=agency)
    assert response.status_code == 302
    assert drill.level_minutes == {"1": 4, "2": 25, "4": 95}
    assert sorted(drill.participant_ids) == sorted([owner.pk, manager.pk])
    page = client.get(reverse("crisis:drill", args=[agency.slug, drill.pk])).content.decode()
    assert "A sponsor&#x27;s product recall goes viral" in page
    assert "Minutes to Legal / PR" in page and "95" in page and owner.email in page
    entry = AuditLog.objects.get(agency=agency, action="crisis.drill_create")
    assert entry.actor == manager and entry.after["level_minutes"] == {"1": 4, "2": 25, "4": 95}


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"held_on": "2999-01-01"}, "not in the future"),
        ({"held_on": "yesterday"}, "Enter a valid date"),
        ({"scenario": ""}, "This field is required"),
        ({"outcome": "won"}, "Select a valid choice"),
        ({"level_2": "-3"}, "greater than or equal to 0"),
        ({"level_3": "99999999"}, "less than or equal to"),
    ],
    ids=["future", "not-a-date", "no-scenario", "outcome", "negative", "too-long"],
)
def test_a_bad_drill_is_refused_and_nothing_is_written(agency, owner_client, overrides, error):
    response = owner_client.post(
        reverse("crisis:drill-create", args=[agency.slug]), form_data(**overrides)
    )

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Drill.objects.filter(agency=agency).exists()


def test_a_member_of_another_agency_cannot_be_a_participant(agency, other_agency, owner_client):
    stranger = member(other_agency, "owner")

    response = owner_client.post(
        reverse("crisis:drill-create", args=[agency.slug]),
        {**form_data(), "participants": [str(stranger.pk)]},
    )

    assert response.status_code == 400
    assert not Drill.objects.filter(agency=agency).exists()


def test_the_service_refuses_a_creator_as_participant(agency, creator_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        make_drill(agency, participants=[creator_user.pk])

    assert "staff members" in str(error.value)
    assert not Drill.objects.filter(agency=agency).exists()


def test_a_community_manager_reads_drills_but_cannot_record_one(agency, community_manager):
    client = client_for(community_manager)
    drill = make_drill(agency)

    assert client.get(reverse("crisis:drills", args=[agency.slug])).status_code == 200
    assert client.get(reverse("crisis:drill", args=[agency.slug, drill.pk])).status_code == 200
    response = client.post(reverse("crisis:drill-create", args=[agency.slug]), form_data())
    assert response.status_code == 403
    assert Drill.objects.filter(agency=agency).count() == 1


def test_another_agencys_drill_is_not_found(agency, other_agency, owner_client):
    theirs = make_drill(other_agency)

    response = owner_client.get(reverse("crisis:drill", args=[agency.slug, theirs.pk]))

    assert response.status_code == 404


def test_no_drills_yet_shows_an_empty_state_with_the_next_step(agency, owner_client):
    page = owner_client.get(reverse("crisis:drills", args=[agency.slug])).content.decode()

    assert 'data-testid="empty-state"' in page and "Record a drill" in page


@pytest.mark.parametrize("size", [1, 8])
def test_the_drill_list_costs_the_same_queries_at_any_size(
    agency, owner_client, size, django_assert_num_queries
):
    for day in range(size):
        make_drill(agency, held_on=dt.date(2025, 1, 1) + dt.timedelta(days=day))
    # session, user, savepoint, memberships; count of drills; page of drills (with their recorders);
    # release; then the session save (savepoint, update, release). The same at every size.
    with django_assert_num_queries(10 + scoping_queries()):
        response = owner_client.get(reverse("crisis:drills", args=[agency.slug]))
    assert response.status_code == 200

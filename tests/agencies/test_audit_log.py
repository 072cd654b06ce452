"""The audit log page: owner only, filterable, paginated, diffs readable, queries bounded."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from agencies.audit import audit_record
from agencies.models import AuditLog
from agencies.roles import Role
from tests.agencies.support import scoping_queries
from tests.factories import CreatorFactory
from tests.helpers import member


def _url(agency) -> str:
    return reverse("agencies:audit", args=[agency.slug])


def _record(agency, actor, action="creator.update", obj=None, when=None, **kwargs):
    if when is None:
        return audit_record(agency=agency, actor=actor, action=action, obj=obj, **kwargs)
    with time_machine.travel(when, tick=False):
        return audit_record(agency=agency, actor=actor, action=action, obj=obj, **kwargs)


def _actions(response) -> list[str]:
    return [row.entry.action for row in response.context["rows"]]


def test_the_owner_reads_the_log_newest_first_with_a_readable_diff(owner_client, owner, agency):
    creator = CreatorFactory(agency=agency, display_name="Lina Makes")
    _record(agency, owner, "creator.create", creator, when=datetime(2026, 3, 1, 9, tzinfo=UTC))
    _record(
        agency,
        owner,
        "creator.update",
        creator,
        when=datetime(2026, 3, 2, 9, tzinfo=UTC),
        before={"status": "active", "notes": "x"},
        after={"status": "paused", "notes": "x"},
    )

    response = owner_client.get(_url(agency))

    assert response.status_code == 200
    assert _actions(response) == ["creator.update", "creator.create"]
    [change] = response.context["rows"][0].changes
    assert (change.key, change.field, change.before, change.after) == (
        "status",
        "status",
        "Active",
        "Paused",
    )
    content = response.content.decode()
    assert "<del>Active</del> → <ins>Paused</ins>" in content
    assert "Creator changed" in content
    assert "owner@acme.test" in content
    # Shown in the agency's time zone (Amsterdam is UTC+1 in early March).
    assert "2 Mar 2026, 10:00" in content


def test_entries_without_an_actor_show_their_label(owner_client, agency):
    audit_record(agency=agency, actor=None, action="payout.import", actor_label="celery:import")
    response = owner_client.get(_url(agency))
    assert "celery:import" in response.content.decode()


def test_another_agencys_entries_never_show(owner_client, agency, other_agency, outsider):
    _record(other_agency, outsider, "creator.delete")
    response = owner_client.get(_url(agency))
    assert _actions(response) == []
    assert "creator.delete" not in response.content.decode()
    assert "owner@rival.test" not in response.content.decode()


def test_filter_by_action_actor_object_type_and_text(owner_client, owner, agency):
    manager = member(agency, Role.MANAGER, email="mara@acme.test")
    lina = CreatorFactory(agency=agency, display_name="Lina Makes")
    tom = CreatorFactory(agency=agency, display_name="Tom Tries")
    _record(agency, owner, "creator.create", lina)
    _record(agency, manager, "creator.update", lina)
    _record(agency, manager, "creator.update", tom)
    _record(agency, owner, "agency.update", agency)

    def actions(**params):
        response = owner_client.get(_url(agency), params)
        assert response.status_code == 200
        assert not response.context["form"].errors
        return sorted(_actions(response))

    assert actions(action="creator.update") == ["creator.update", "creator.update"]
    assert actions(actor=manager.pk) == ["creator.update", "creator.update"]
    assert actions(object_type="agencies.agency") == ["agency.update"]
    assert actions(q="lina") == ["creator.create", "creator.update"]
    assert actions(q="lina", actor=owner.pk) == ["creator.create"]
    assert actions(q=str(tom.pk)) == ["creator.update"]


def test_the_filter_offers_only_what_occurs_in_this_agency(
    owner_client, owner, agency, other_agency, outsider
):
    _record(agency, owner, "creator.create", CreatorFactory(agency=agency))
    _record(other_agency, outsider, "payout.approve")

    form = owner_client.get(_url(agency)).context["form"]

    assert [value for value, _label in form.fields["action"].choices] == ["", "creator.create"]
    assert [value for value, _label in form.fields["object_type"].choices] == [
        "",
        "creators.creator",
    ]
    assert list(form.fields["actor"].queryset) == [owner]


def test_the_date_range_is_read_in_the_agencys_time_zone(owner_client, owner, agency):
    # 23:30 UTC on 1 March is already 2 March in Amsterdam.
    _record(agency, owner, "late.evening", when=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    _record(agency, owner, "early.morning", when=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    _record(agency, owner, "next.week", when=datetime(2026, 3, 9, 12, 0, tzinfo=UTC))

    def actions(**params):
        return _actions(owner_client.get(_url(agency), params))

    assert actions(date_from="2026-03-02", date_to="2026-03-02") == ["late.evening"]
    assert actions(date_to="2026-03-01") == ["early.morning"]
    assert actions(date_from="2026-03-02") == ["next.week", "late.evening"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to", "must not be before"),
        ({"date_from": "yesterday"}, "date_from", "valid date"),
        ({"action": "no.such.action"}, "action", "valid choice"),
        ({"actor": "999999"}, "actor", "valid choice"),
        ({"actor": "abc"}, "actor", "valid choice"),
        ({"object_type": "auth.user"}, "object_type", "valid choice"),
    ],
)
def test_a_bad_filter_shows_an_error_and_is_ignored(
    owner_client, owner, agency, params, field, message
):
    _record(agency, owner, "creator.create")

    response = owner_client.get(_url(agency), params)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert _actions(response) == ["creator.create"]


def test_the_log_is_paginated_by_fifty(owner_client, owner, agency):
    for n in range(51):
        _record(agency, owner, f"thing.n{n:02d}")

    first = owner_client.get(_url(agency))
    second = owner_client.get(_url(agency), {"page": 2})

    assert len(first.context["rows"]) == 50
    assert _actions(second) == ["thing.n00"]
    assert 'rel="next"' in first.content.decode()


def test_an_empty_log_explains_itself(owner_client, agency):
    response = owner_client.get(_url(agency))
    assert "No entries" in response.content.decode()


def test_a_manager_cannot_read_the_audit_log(manager_client, agency):
    assert manager_client.get(_url(agency)).status_code == 403


@pytest.mark.parametrize("size", [3, 60])
def test_the_audit_page_query_count_does_not_grow_with_entries(
    owner_client, owner, agency, size, django_assert_num_queries
):
    people = [owner, member(agency, Role.MANAGER), member(agency, Role.FINANCE)]
    for n in range(size):
        creator = CreatorFactory(agency=agency) if n < 5 else None
        _record(agency, people[n % 3], f"thing.a{n % 4}", creator, before={"a": 1}, after={"a": n})
    owner_client.get(_url(agency))  # the first visit also saves the session

    # savepoint (ATOMIC_REQUESTS), session, user, memberships + agencies (agency_view), actions,
    # object types and actors for the filter, count,
    # one page of entries with their actors, release.
    with django_assert_num_queries(10 + scoping_queries()):
        response = owner_client.get(_url(agency))

    assert len(response.context["rows"]) == min(size, 50)
    assert AuditLog.objects.filter(agency=agency).count() == size

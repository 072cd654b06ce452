"""The audit log through the API: the page's twin (owner only, the same filters and order),
with the values before and after; bad filters are a 400 naming them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from agencies.audit import audit_record
from agencies.roles import Role
from tests.agencies.support import scoping_queries
from tests.factories import CreatorFactory
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db

QUERIES = 7


def _url(agency, **query) -> str:
    url = reverse("api:audit-log", kwargs={"agency_slug": agency.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _record(agency, actor, action="creator.update", obj=None, when=None, **kwargs):
    when = when or datetime(2026, 3, 1, 9, tzinfo=UTC)
    with time_machine.travel(when, tick=False):
        return audit_record(agency=agency, actor=actor, action=action, obj=obj, **kwargs)


def test_the_owner_reads_the_log_newest_first_with_before_and_after(owner_client, owner, agency):
    creator = CreatorFactory(agency=agency, display_name="Lina Makes")
    _record(agency, owner, "creator.create", creator, when=datetime(2026, 3, 1, 9, tzinfo=UTC))
    _record(
        agency,
        owner,
        "creator.update",
        creator,
        when=datetime(2026, 3, 2, 9, tzinfo=UTC),
        before={"status": "active"},
        after={"status": "paused"},
    )

    body = owner_client.get(_url(agency)).json()

    assert body["count"] == 2
    first, second = body["results"]
    assert [first["action"], second["action"]] == ["creator.update", "creator.create"]
    assert first["before"] == {"status": "active"} and first["after"] == {"status": "paused"}
    assert first["actor"] == owner.pk and first["actor_email"] == owner.email
    assert first["object_repr"] == "Lina Makes" and first["object_id"] == str(creator.pk)
    assert first["summary"]
    # The agency's time zone (Amsterdam, UTC+1 in March), as on the page.
    assert first["created_at"] == "2026-03-02T10:00:00+01:00"


def test_the_filters_mean_what_the_page_filters_mean(owner_client, owner, agency):
    finance = member(agency, Role.FINANCE)
    creator = CreatorFactory(agency=agency, display_name="Findable Name")
    _record(agency, owner, "creator.create", creator, when=datetime(2026, 3, 1, 9, tzinfo=UTC))
    _record(agency, finance, "payout.hold", when=datetime(2026, 3, 5, 23, 30, tzinfo=UTC))
    _record(agency, None, "system.sync", actor_label="celery:platforms.sync")

    def actions(**query) -> list[str]:
        response = owner_client.get(_url(agency, **query))
        assert response.status_code == 200, response.content
        return [row["action"] for row in response.json()["results"]]

    assert actions(action="payout.hold") == ["payout.hold"]
    assert actions(actor=finance.pk) == ["payout.hold"]
    assert actions(object_type="creators.creator") == ["creator.create"]
    assert actions(q="Findable") == ["creator.create"]
    assert actions(q="celery") == ["system.sync"]
    # 23:30 UTC on 5 March is 00:30 on 6 March in Amsterdam.
    assert actions(date_from="2026-03-06", date_to="2026-03-06") == ["payout.hold"]
    assert actions(date_to="2026-03-05") == ["system.sync", "creator.create"]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_from": "2026-03-06", "date_to": "2026-03-01"}, "date_to"),
        ({"actor": "abc"}, "actor"),
        ({"actor": "999999"}, "actor"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(owner_client, agency, query, field):
    response = owner_client.get(_url(agency, **query))
    assert response.status_code == 400
    assert field in response.json()


def test_another_agencys_user_is_refused_as_an_actor(owner_client, agency, other_agency):
    outsider = member(other_agency, Role.OWNER, email="outsider@example.com")
    response = owner_client.get(_url(agency, actor=outsider.pk))
    assert response.status_code == 400 and "actor" in response.json()


def test_another_agencys_entries_never_show(owner_client, owner, agency, other_agency):
    _record(other_agency, member(other_agency, Role.OWNER), "creator.create")
    _record(agency, owner, "creator.update")
    assert [r["action"] for r in owner_client.get(_url(agency)).json()["results"]] == [
        "creator.update"
    ]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.CREATOR])
def test_only_the_owner_reads_it(agency, role):
    assert client_for(member(agency, role)).get(_url(agency)).status_code == 403


@pytest.mark.parametrize("size", [3, 60])
def test_the_list_costs_the_same_queries_for_3_or_60_entries(
    owner_client, owner, agency, size, django_assert_num_queries
):
    people = [owner, member(agency, Role.MANAGER), member(agency, Role.FINANCE)]
    for n in range(size):
        _record(agency, people[n % 3], f"thing.a{n % 4}", before={"a": 1}, after={"a": n})
    owner_client.get(_url(agency))  # the first visit also saves the session

    # session, user, membership + agency, count, one page of entries with their actors
    # (+ the scope statements and the request's transaction).
    with django_assert_num_queries(QUERIES + scoping_queries()):
        response = owner_client.get(_url(agency))

    assert response.status_code == 200
    assert len(response.json()["results"]) == min(size, 50)


def test_moments_recorded_in_a_snapshot_read_in_the_agencys_zone(owner_client, owner, agency):
    _record(
        agency,
        owner,
        "payout.hold",
        before={"expected_release": None, "note": "2026-03-02T09:00:00+00:00 is text"},
        after={"released_at": "2026-03-02T09:00:00+00:00", "day": "2026-03-02"},
    )
    [row] = owner_client.get(_url(agency)).json()["results"]
    assert row["after"] == {"released_at": "2026-03-02T10:00:00+01:00", "day": "2026-03-02"}
    assert row["before"]["note"] == "2026-03-02T09:00:00+00:00 is text"

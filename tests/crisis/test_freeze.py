"""Crisis mode freezes the deliverables scheduled to publish; they wait for a person to
release them after the crisis, and nothing marks a frozen one posted meanwhile."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from campaigns.models import DeliverableStatus
from crisis.models import FrozenDeliverable
from tests.helpers import client_for, member, scoping_queries

from .builders import make_frozen
from .conftest import switch_crisis

pytestmark = pytest.mark.django_db


def post_link(client, agency, deliverable):
    return client.post(
        reverse("campaigns:deliverable-posted", args=[agency.slug, deliverable.pk]),
        {"post_url": "https://www.tiktok.com/@a/video/2"},
        follow=True,
    )


def test_crisis_mode_freezes_only_the_deliverables_scheduled_from_today(
    agency, owner_client, owner, schedule
):
    response = switch_crisis(owner_client, agency, on=True)

    assert response.status_code == 302
    frozen = FrozenDeliverable.objects.filter(agency=agency)
    assert {f.deliverable_id for f in frozen} == {
        schedule["approved"].pk,
        schedule["today"].pk,
    }
    row = frozen.get(deliverable=schedule["approved"])
    assert row.scheduled_for == schedule["approved"].due_date
    assert row.scheduled_status == DeliverableStatus.APPROVED
    entry = AuditLog.objects.get(agency=agency, action="crisis.freeze")
    assert entry.actor == owner
    assert sorted(entry.after["deliverables"]) == sorted(
        [schedule["approved"].pk, schedule["today"].pk]
    )


def test_a_frozen_deliverable_cannot_be_marked_posted_and_its_page_says_why(
    agency, owner_client, schedule
):
    switch_crisis(owner_client, agency, on=True)
    approved = schedule["approved"]

    response = post_link(owner_client, agency, approved)

    approved.refresh_from_db()
    assert approved.status == DeliverableStatus.APPROVED and approved.post_url == ""
    assert "Frozen by crisis mode" in response.content.decode()
    page = owner_client.get(
        reverse("campaigns:deliverable-detail", args=[agency.slug, approved.pk])
    )
    assert 'data-testid="deliverable-hold"' in page.content.decode()


def test_the_api_refuses_to_post_a_frozen_deliverable(agency, owner_client, schedule):
    switch_crisis(owner_client, agency, on=True)
    approved = schedule["approved"]

    response = owner_client.post(
        reverse("api:deliverable-posted", args=[agency.slug, approved.pk]),
        {"post_url": "https://www.tiktok.com/@a/video/2"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "Frozen by crisis mode" in str(response.json())


def test_ending_crisis_mode_releases_nothing_by_itself(agency, owner_client, schedule):
    switch_crisis(owner_client, agency, on=True)
    switch_crisis(owner_client, agency, on=False)

    assert FrozenDeliverable.objects.filter(agency=agency, released_at__isnull=True).count() == 2
    post_link(owner_client, agency, schedule["approved"])
    schedule["approved"].refresh_from_db()
    assert schedule["approved"].status == DeliverableStatus.APPROVED
    page = owner_client.get(reverse("crisis:index", args=[agency.slug]))
    assert page.content.decode().count("Frozen by crisis mode") == 2
    assert AuditLog.objects.get(agency=agency, action="crisis.freeze_ended").after == {
        "awaiting_release": 2
    }


def test_switching_crisis_mode_on_twice_freezes_each_deliverable_once(
    agency, owner_client, schedule
):
    switch_crisis(owner_client, agency, on=True)
    switch_crisis(owner_client, agency, on=False)
    switch_crisis(owner_client, agency, on=True)

    assert FrozenDeliverable.objects.filter(agency=agency).count() == 2


def test_release_is_refused_while_crisis_mode_is_on(agency, owner_client, schedule):
    switch_crisis(owner_client, agency, on=True)
    row = FrozenDeliverable.objects.get(deliverable=schedule["approved"])

    response = owner_client.post(
        reverse("crisis:frozen-release", args=[agency.slug, row.pk]), follow=True
    )

    row.refresh_from_db()
    assert row.released_at is None
    assert "Crisis mode is still on" in response.content.decode()


def test_releasing_one_lets_it_be_posted_again_and_is_audited(
    agency, owner_client, owner, schedule
):
    switch_crisis(owner_client, agency, on=True)
    switch_crisis(owner_client, agency, on=False)
    row = FrozenDeliverable.objects.get(deliverable=schedule["approved"])

    owner_client.post(reverse("crisis:frozen-release", args=[agency.slug, row.pk]))

    row.refresh_from_db()
    assert row.released_at is not None and row.released_by == owner
    # released, not published: the deliverable is as it was until a person posts it
    schedule["approved"].refresh_from_db()
    assert schedule["approved"].status == DeliverableStatus.APPROVED
    post_link(owner_client, agency, schedule["approved"])
    schedule["approved"].refresh_from_db()
    assert schedule["approved"].status == DeliverableStatus.POSTED
    assert AuditLog.objects.filter(agency=agency, action="crisis.release", actor=owner).count() == 1
    again = owner_client.post(
        reverse("crisis:frozen-release", args=[agency.slug, row.pk]), follow=True
    )
    assert "released already" in again.content.decode()


def test_release_all(agency, manager_client, owner_client, schedule):
    switch_crisis(owner_client, agency, on=True)
    switch_crisis(owner_client, agency, on=False)

    response = manager_client.post(reverse("crisis:frozen-release-all", args=[agency.slug]))

    assert response.status_code == 302
    assert not FrozenDeliverable.objects.filter(agency=agency, released_at__isnull=True).exists()
    entry = AuditLog.objects.get(agency=agency, action="crisis.release_all")
    assert len(entry.after["deliverables"]) == 2


def test_a_community_manager_sees_the_frozen_list_but_cannot_release(
    agency, owner_client, community_manager, schedule
):
    switch_crisis(owner_client, agency, on=True)
    switch_crisis(owner_client, agency, on=False)
    row = FrozenDeliverable.objects.get(deliverable=schedule["approved"])
    client = client_for(community_manager)

    assert client.get(reverse("crisis:index", args=[agency.slug])).status_code == 200
    response = client.post(reverse("crisis:frozen-release", args=[agency.slug, row.pk]))

    assert response.status_code == 403
    row.refresh_from_db()
    assert row.released_at is None


def test_another_agencys_frozen_deliverable_is_not_found(
    agency, other_agency, owner_client, schedule
):
    rival_owner = member(other_agency, "owner")
    rival = client_for(rival_owner)
    switch_crisis(owner_client, agency, on=True)
    switch_crisis(owner_client, agency, on=False)
    row = FrozenDeliverable.objects.get(deliverable=schedule["approved"])

    response = rival.post(reverse("crisis:frozen-release", args=[other_agency.slug, row.pk]))

    assert response.status_code == 404
    row.refresh_from_db()
    assert row.released_at is None


def test_the_crisis_page_without_frozen_deliverables_shows_an_empty_state(agency, owner_client):
    response = owner_client.get(reverse("crisis:index", args=[agency.slug]))

    assert response.status_code == 200
    assert 'data-testid="empty-state"' in response.content.decode()


def test_the_deliverable_list_marks_frozen_deliverables_on_hold(agency, owner_client, schedule):
    switch_crisis(owner_client, agency, on=True)

    page = owner_client.get(reverse("campaigns:deliverable-list", args=[agency.slug]))

    assert page.content.decode().count('data-testid="deliverable-hold"') == 2


@pytest.mark.parametrize("size", [1, 5])
def test_the_crisis_page_costs_the_same_queries_at_any_size(
    agency, owner_client, size, django_assert_num_queries
):
    for _ in range(size):
        make_frozen(agency)
    owner_client.get(reverse("crisis:index", args=[agency.slug]))  # moderation settings made
    # session, user, savepoint, memberships; moderation settings; count of frozen rows; those
    # still frozen; the last drill; page of rows (with
    # deliverable, campaign, creator, releaser); release. The same at every size.
    with django_assert_num_queries(10 + scoping_queries()):
        response = owner_client.get(reverse("crisis:index", args=[agency.slug]))
    assert response.status_code == 200


def _plan(client, agency, campaign, creator, due):
    return client.post(
        reverse("campaigns:deliverable-create", args=[agency.slug, campaign.pk]),
        {
            "creator": creator.pk,
            "kind": "video",
            "platform": "tiktok",
            "due_date": due.isoformat(),
            "fee": "100.00",
            "caption": "New spring flavours #ad",
        },
    )


def test_a_deliverable_planned_while_crisis_mode_is_on_is_frozen_too(
    agency, owner_client, owner, schedule
):
    switch_crisis(owner_client, agency, on=True)
    campaign, creator = schedule["approved"].campaign, schedule["approved"].creator
    due = schedule["approved"].due_date

    response = _plan(owner_client, agency, campaign, creator, due)

    assert response.status_code == 302
    planned = campaign.deliverables.order_by("-pk").first()
    frozen = FrozenDeliverable.objects.get(deliverable=planned)
    assert (frozen.scheduled_for, frozen.released_at) == (due, None)
    entry = AuditLog.objects.filter(agency=agency, action="crisis.freeze").order_by("-pk")[0]
    assert (entry.actor, entry.after) == (owner, {"deliverables": [planned.pk]})


def test_a_deliverable_moved_to_a_new_date_during_crisis_mode_is_frozen(
    agency, owner_client, schedule
):
    switch_crisis(owner_client, agency, on=True)
    past = schedule["past"]  # due yesterday: crisis mode left it alone
    assert not FrozenDeliverable.objects.filter(deliverable=past).exists()

    response = owner_client.post(
        reverse("campaigns:deliverable-edit", args=[agency.slug, past.pk]),
        {
            "creator": past.creator_id,
            "kind": past.kind,
            "platform": past.platform,
            "due_date": schedule["approved"].due_date.isoformat(),
            "fee": str(past.fee),
            "caption": past.caption,
        },
    )

    assert response.status_code == 302
    assert FrozenDeliverable.objects.filter(deliverable=past, released_at=None).count() == 1


def test_a_deliverable_planned_outside_crisis_mode_is_not_frozen(agency, owner_client, schedule):
    campaign, creator = schedule["approved"].campaign, schedule["approved"].creator

    response = _plan(owner_client, agency, campaign, creator, schedule["approved"].due_date)

    assert response.status_code == 302
    assert not FrozenDeliverable.objects.exists()

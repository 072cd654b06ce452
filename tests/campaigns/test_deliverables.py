"""The disclosure workflow: creator submits → approver approves or requests changes → posted."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import AuditLog
from campaigns import services
from campaigns.models import Deliverable
from creators.models import Creator
from tests.factories import CreatorFactory

from .factories import CampaignFactory, DeliverableFactory

pytestmark = pytest.mark.django_db

CHECKLIST = {
    "disclosure_text": "Paid partnership",
    "required_hashtags": ["#ad"],
    "required_mentions": ["@brand"],
}
GOOD = "New drop! Paid partnership with @brand #ad"


@pytest.fixture
def deliverable(agency, creator_user):
    creator = Creator.objects.get(user=creator_user)
    campaign = CampaignFactory(agency=agency, checklist=CHECKLIST)
    return DeliverableFactory(campaign=campaign, creator=creator)


def url(name, deliverable):
    return reverse(name, kwargs={"agency_slug": "acme", "pk": deliverable.pk})


def test_a_creator_sees_why_a_draft_fails_fixes_it_and_the_approver_approves(
    deliverable, creator_client, manager, manager_client
):
    # given a caption that lacks the mention and the hashtag
    response = creator_client.post(
        url("campaigns:portal-submit", deliverable),
        {"caption": "New drop! Paid partnership #adventure"},
    )
    # then the creator sees what is missing, and nothing changed
    assert response.status_code == 400
    body = response.content.decode()
    assert "The caption is missing: #ad, @brand." in body
    deliverable.refresh_from_db()
    assert deliverable.status == "planned" and deliverable.caption == ""

    # when the creator fixes it
    response = creator_client.post(url("campaigns:portal-submit", deliverable), {"caption": GOOD})
    assert response.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == "submitted"

    # then any manager (no designated approver) approves it
    response = manager_client.post(
        url("campaigns:deliverable-review", deliverable), {"decision": "approve"}
    )
    assert response.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == "approved" and deliverable.approved_by == manager
    assert AuditLog.objects.filter(action="deliverable.approve", actor=manager).exists()


def test_only_the_designated_approver_may_review(agency, deliverable, owner, manager):
    services.checklist_update(
        campaign=deliverable.campaign, actor=owner, fields={**CHECKLIST, "approver": owner}
    )
    deliverable = services.deliverable_submit(deliverable=deliverable, actor=owner, caption=GOOD)
    with pytest.raises(ValidationError, match="designated approver"):
        services.deliverable_review(deliverable=deliverable, actor=manager, approve=True)
    services.deliverable_review(deliverable=deliverable, actor=owner, approve=True)


def test_a_draft_cannot_be_approved_while_the_checklist_fails(deliverable, owner, manager):
    deliverable = services.deliverable_submit(deliverable=deliverable, actor=manager, caption=GOOD)
    # the checklist gains a tag after the draft was submitted
    services.checklist_update(
        campaign=deliverable.campaign, actor=owner, fields={"required_hashtags": "#ad #SpringDrop"}
    )
    with pytest.raises(ValidationError, match="#SpringDrop"):
        services.deliverable_review(deliverable=deliverable, actor=manager, approve=True)
    deliverable.refresh_from_db()
    assert deliverable.status == "submitted"


def test_requesting_changes_needs_a_comment_and_is_audited(deliverable, manager, creator_client):
    deliverable = services.deliverable_submit(deliverable=deliverable, actor=manager, caption=GOOD)
    with pytest.raises(ValidationError):
        services.deliverable_review(deliverable=deliverable, actor=manager, approve=False)
    services.deliverable_review(
        deliverable=deliverable,
        actor=manager,
        approve=False,
        comment="Show the can in the first 3 seconds",
    )
    entry = AuditLog.objects.get(action="deliverable.request_changes")
    assert entry.after["comment"] == "Show the can in the first 3 seconds"
    page = creator_client.get(url("campaigns:portal-deliverable", deliverable)).content.decode()
    assert "Show the can in the first 3 seconds" in page


def test_the_creator_posts_the_link_of_an_approved_deliverable(
    deliverable, manager, creator_client
):
    deliverable = services.deliverable_submit(deliverable=deliverable, actor=manager, caption=GOOD)
    services.deliverable_review(deliverable=deliverable, actor=manager, approve=True)
    response = creator_client.post(
        url("campaigns:portal-posted", deliverable),
        {
            "post_url": "https://www.tiktok.com/@me/video/123",
            "post_id": "123",
            "video_duration_seconds": "45",
        },
    )
    assert response.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.status == "posted" and deliverable.posted_at is not None
    assert deliverable.earns_creativity_rewards is False  # 45 s is not over one minute
    assert (
        "no Creativity rewards"
        in creator_client.get(url("campaigns:portal-deliverable", deliverable)).content.decode()
    )


def test_a_planned_deliverable_cannot_be_posted(deliverable, manager):
    with pytest.raises(ValidationError, match="approved"):
        services.deliverable_mark_posted(
            deliverable=deliverable, actor=manager, post_url="https://x.test/1"
        )


def test_a_creator_never_sees_another_creators_deliverable(agency, deliverable, creator_client):
    someone_else = DeliverableFactory(
        campaign=deliverable.campaign, creator=CreatorFactory(agency=agency)
    )
    assert creator_client.get(url("campaigns:portal-deliverable", someone_else)).status_code == 404
    assert (
        creator_client.post(
            url("campaigns:portal-submit", someone_else), {"caption": GOOD}
        ).status_code
        == 404
    )
    listing = creator_client.get(reverse("campaigns:portal", kwargs={"agency_slug": "acme"}))
    assert [d.pk for d in listing.context["deliverables"]] == [deliverable.pk]


@pytest.mark.parametrize(
    ("utc_time", "overdue"),
    [
        # due 20 March; Amsterdam is UTC+1 then: 23:30 UTC on the 20th is already the 21st there
        (dt.datetime(2024, 3, 20, 22, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2024, 3, 20, 23, 30, tzinfo=dt.UTC), True),
    ],
)
def test_overdue_is_judged_in_the_agencys_timezone(deliverable, creator_client, utc_time, overdue):
    with time_machine.travel(utc_time, tick=False):
        page = creator_client.get(reverse("campaigns:portal", kwargs={"agency_slug": "acme"}))
    assert ("Overdue" in page.content.decode()) is overdue


def test_a_video_over_a_minute_earns_creativity_rewards():
    assert Deliverable(video_duration_seconds=61).earns_creativity_rewards is True
    assert Deliverable(video_duration_seconds=60).earns_creativity_rewards is False
    assert Deliverable().earns_creativity_rewards is None


def test_staff_create_a_campaign_with_a_checklist_through_the_pages(
    agency, manager, manager_client
):
    from .factories import SponsorFactory

    sponsor = SponsorFactory(agency=agency)
    response = manager_client.post(
        reverse("campaigns:create", kwargs={"agency_slug": "acme"}),
        {
            "name": "Spring",
            "code": "spring-24",
            "sponsor": sponsor.pk,
            "start_date": "2024-03-01",
            "end_date": "2024-04-30",
            "budget": "5000",
            "currency": "EUR",
            "attribution_window_days": "14",
        },
    )
    assert response.status_code == 302
    campaign = sponsor.campaigns.get()
    assert campaign.code == "SPRING-24"
    response = manager_client.post(
        reverse("campaigns:checklist", kwargs={"agency_slug": "acme", "pk": campaign.pk}),
        {
            "disclosure_text": "Betaald partnerschap",
            "required_hashtags": "ad, #Lente",
            "required_mentions": "brand",
            "approver": manager.pk,
        },
    )
    assert response.status_code == 302
    campaign.checklist.refresh_from_db()
    assert campaign.checklist.required_hashtags == ["#ad", "#Lente"]
    assert campaign.checklist.required_mentions == ["@brand"]


def test_a_duplicate_campaign_code_is_an_error_next_to_the_field(agency, manager_client):
    existing = CampaignFactory(agency=agency, code="DUP-1")
    response = manager_client.post(
        reverse("campaigns:create", kwargs={"agency_slug": "acme"}),
        {
            "name": "Again",
            "code": "dup-1",
            "sponsor": existing.sponsor_id,
            "start_date": "2024-03-01",
            "end_date": "2024-02-01",
            "budget": "-1",
            "currency": "EUR",
            "attribution_window_days": "10",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"end_date", "budget", "attribution_window_days"} <= set(form.errors)
    response = manager_client.post(
        reverse("campaigns:create", kwargs={"agency_slug": "acme"}),
        {
            "name": "Again",
            "code": "dup-1",
            "sponsor": existing.sponsor_id,
            "start_date": "2024-03-01",
            "end_date": "2024-04-01",
            "budget": "1",
            "currency": "EUR",
            "attribution_window_days": "7",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors
    assert agency and existing.__class__.objects.filter(code="DUP-1").count() == 1

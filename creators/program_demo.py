"""Demo program applications (seed_demo): per agency, one application waiting for review
and one rejection whose wait is over (the roster's "can re-apply" filter finds it), recorded
through the services so the audit log reads as it would in use. Safe to run again."""

from __future__ import annotations

from datetime import timedelta

from agencies.models import Agency

from .applications import application_decide, application_submit
from .insights.selectors import agency_today
from .models import Creator, CreatorStatus, ProgramApplication

SAMPLE_POSTS = (
    "https://www.tiktok.com/@demo/video/7300000000000000001\n"
    "https://www.tiktok.com/@demo/video/7300000000000000002"
)


def seed_demo_applications(agency: Agency) -> int:
    """Add the demo applications unless the agency has some; the number added."""
    if ProgramApplication.objects.for_agency(agency).exists():
        return 0
    creators = list(
        Creator.objects.for_agency(agency)
        .filter(status=CreatorStatus.ACTIVE, user__isnull=True)
        .order_by("pk")[:2]
    )
    if len(creators) < 2:
        return 0
    waiting_creator, rejected_creator = creators
    today = agency_today(agency)
    application_submit(
        creator=waiting_creator,
        actor=None,
        program="creativity_program",
        submitted_on=today - timedelta(days=9),
        review_weeks=3,
        has_id_document=True,
        has_tax_information=False,
        sample_posts=SAMPLE_POSTS,
        id_name=waiting_creator.legal_name,
    )
    rejected = application_submit(
        creator=rejected_creator,
        actor=None,
        program="creativity_program",
        submitted_on=today - timedelta(days=60),
        review_weeks=2,
        has_id_document=True,
        has_tax_information=True,
        sample_posts=SAMPLE_POSTS,
    )
    application_decide(
        application=rejected,
        actor=None,
        outcome="rejected",
        decided_on=today - timedelta(days=45),
        rejection_reason="Not enough original content in the last 30 days",
        reapply_wait_days=30,
    )
    return 2

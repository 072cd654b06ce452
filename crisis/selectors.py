"""Crisis reads: the reply library, frozen deliverables and drills, scoped to the agency."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from agencies.models import Agency

from .models import CrisisReply, Drill, FrozenDeliverable


def reply_list(agency: Agency, *, language: str = "", q: str = "") -> QuerySet[CrisisReply]:
    replies = CrisisReply.objects.filter(agency=agency)
    if language:
        replies = replies.filter(language=language)
    if q:
        replies = replies.filter(Q(title__icontains=q) | Q(text__icontains=q))
    return replies.order_by("language", "title", "id")


def frozen_list(agency: Agency, *, waiting: bool | None = None) -> QuerySet[FrozenDeliverable]:
    rows = FrozenDeliverable.objects.filter(agency=agency).select_related(
        "deliverable__campaign", "deliverable__creator", "released_by"
    )
    if waiting is True:
        rows = rows.filter(released_at__isnull=True)
    elif waiting is False:
        rows = rows.filter(released_at__isnull=False)
    return rows.order_by("released_at", "scheduled_for", "id")


def drill_list(agency: Agency) -> QuerySet[Drill]:
    return (
        Drill.objects.filter(agency=agency).select_related("created_by").order_by("-held_on", "-id")
    )


def drill_detail_queryset(agency: Agency) -> QuerySet[Drill]:
    return drill_list(agency).prefetch_related("participants__user")


def drills_with_participant_ids(agency: Agency) -> QuerySet[Drill]:
    """For the API: the participants' user ids only (no user rows)."""
    return drill_list(agency).prefetch_related("participants")

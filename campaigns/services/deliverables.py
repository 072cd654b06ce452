"""Deliverables and their review: creator submits → approver approves or asks for changes →
posted. A draft whose caption fails the disclosure checklist is neither accepted nor
approvable; every decision is audited and kept in the deliverable's review history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency

from ..checklist import missing_items
from ..holds import deliverable_holds, deliverable_scheduled
from ..models import (
    Campaign,
    Checklist,
    Deliverable,
    DeliverableReview,
    DeliverableStatus,
)
from ..permissions import DEFAULT_APPROVERS
from ._common import apply_fields, role_of

DELIVERABLE_FIELDS = [
    "creator",
    "kind",
    "platform",
    "due_date",
    "fee",
    "caption",
    "video_duration_seconds",
    "experiment",
    "variant",
]
WORKFLOW_FIELDS = ["status", "caption", "post_url", "post_id", "posted_at", "approved_by"]
SUBMITTABLE = (
    DeliverableStatus.PLANNED,
    DeliverableStatus.SUBMITTED,
    DeliverableStatus.CHANGES_REQUESTED,
)


def checklist_of(campaign: Campaign) -> Checklist | None:
    try:
        return campaign.checklist
    except Checklist.DoesNotExist:
        return None


def caption_missing(deliverable: Deliverable, caption: str | None = None) -> list[str]:
    """The checklist items the caption (or the deliverable's own) lacks."""
    checklist = checklist_of(deliverable.campaign)
    if checklist is None:
        return []
    return missing_items(
        deliverable.caption if caption is None else caption,
        disclosure_text=checklist.disclosure_text,
        hashtags=checklist.required_hashtags,
        mentions=checklist.required_mentions,
    )


def can_review(deliverable: Deliverable, user) -> bool:
    """The designated approver; without one, an owner or account manager."""
    checklist = checklist_of(deliverable.campaign)
    if checklist is not None and checklist.approver_id:
        return checklist.approver_id == getattr(user, "pk", None)
    return role_of(deliverable.agency, user) in DEFAULT_APPROVERS


def _check_refs(agency: Agency, deliverable: Deliverable) -> None:
    if deliverable.creator_id and deliverable.creator.agency_id != agency.pk:
        raise ValidationError({"creator": _("Choose a creator of this agency.")})


@transaction.atomic
def deliverable_create(*, campaign: Campaign, actor, fields: dict[str, Any]) -> Deliverable:
    fields = dict(fields)
    if not fields.get("due_date"):
        checklist = checklist_of(campaign)
        fields["due_date"] = (checklist and checklist.publish_by_date) or campaign.end_date
    deliverable = Deliverable(agency=campaign.agency, campaign=campaign)
    apply_fields(deliverable, fields, DELIVERABLE_FIELDS)
    _check_refs(campaign.agency, deliverable)
    deliverable.full_clean()
    deliverable.save()
    audit_record(
        agency=campaign.agency,
        actor=actor,
        action="deliverable.create",
        obj=deliverable,
        after=snapshot(deliverable, DELIVERABLE_FIELDS),
    )
    deliverable_scheduled(deliverable=deliverable, actor=actor)
    return deliverable


@transaction.atomic
def deliverable_update(*, deliverable: Deliverable, actor, fields: dict[str, Any]) -> Deliverable:
    """Staff edit the assignment. An approved caption is frozen: changing it sends the
    deliverable back for review."""
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    before = snapshot(deliverable, [*DELIVERABLE_FIELDS, "status"])
    apply_fields(deliverable, fields, DELIVERABLE_FIELDS)
    _check_refs(deliverable.agency, deliverable)
    if (
        deliverable.status == DeliverableStatus.APPROVED
        and deliverable.caption != before["caption"]
    ):
        deliverable.status = DeliverableStatus.SUBMITTED
        deliverable.approved_at = None
        deliverable.approved_by = None
    if deliverable.status == DeliverableStatus.POSTED and deliverable.caption != before["caption"]:
        raise ValidationError({"caption": _("The post is live; its caption cannot change here.")})
    deliverable.full_clean()
    deliverable.save()
    audit_record(
        agency=deliverable.agency,
        actor=actor,
        action="deliverable.update",
        obj=deliverable,
        before=before,
        after=snapshot(deliverable, [*DELIVERABLE_FIELDS, "status"]),
    )
    if str(deliverable.due_date) != str(before.get("due_date")):
        deliverable_scheduled(deliverable=deliverable, actor=actor)
    return deliverable


def _record(deliverable: Deliverable, actor, decision: str, comment: str = "") -> None:
    DeliverableReview.objects.create(
        agency=deliverable.agency,
        deliverable=deliverable,
        decision=decision,
        comment=comment,
        caption=deliverable.caption,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


@transaction.atomic
def deliverable_submit(
    *, deliverable: Deliverable, actor, caption: str, video_duration_seconds: int | None = None
) -> Deliverable:
    """The creator (or staff for them) submits a draft caption for review. Refused, with
    the missing items, when the caption fails the disclosure checklist."""
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if deliverable.status not in SUBMITTABLE:
        raise ValidationError(_("This deliverable is already approved or posted."))
    missing = caption_missing(deliverable, caption)
    if missing:
        raise ValidationError(
            {"caption": _("The caption is missing: %(items)s.") % {"items": ", ".join(missing)}}
        )
    before = snapshot(deliverable, WORKFLOW_FIELDS)
    deliverable.caption = caption
    if video_duration_seconds is not None:
        deliverable.video_duration_seconds = video_duration_seconds
    deliverable.status = DeliverableStatus.SUBMITTED
    deliverable.submitted_at = timezone.now()
    deliverable.full_clean()
    deliverable.save()
    _record(deliverable, actor, DeliverableReview.Decision.SUBMITTED)
    audit_record(
        agency=deliverable.agency,
        actor=actor,
        action="deliverable.submit",
        obj=deliverable,
        before=before,
        after=snapshot(deliverable, WORKFLOW_FIELDS),
    )
    return deliverable


@transaction.atomic
def deliverable_review(
    *, deliverable: Deliverable, actor, approve: bool, comment: str = ""
) -> Deliverable:
    """The approver approves the submitted draft, or requests changes with a comment.
    Approval is refused while the caption fails the checklist (it may have changed since
    the draft was submitted)."""
    deliverable = (
        # Lock the deliverable only: the checklist is a nullable (outer) join.
        Deliverable.objects.select_for_update(of=("self",))
        .select_related("campaign__checklist")
        .get(pk=deliverable.pk)
    )
    if deliverable.status != DeliverableStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted draft can be reviewed."))
    if not can_review(deliverable, actor):
        raise ValidationError(_("Only the campaign's designated approver can review drafts."))
    comment = comment.strip()
    before = snapshot(deliverable, WORKFLOW_FIELDS)
    if approve:
        missing = caption_missing(deliverable)
        if missing:
            raise ValidationError(
                _("Cannot approve: the caption is missing %(items)s.")
                % {"items": ", ".join(missing)}
            )
        deliverable.status = DeliverableStatus.APPROVED
        deliverable.approved_at = timezone.now()
        deliverable.approved_by = actor
        decision = DeliverableReview.Decision.APPROVED
    else:
        if not comment:
            raise ValidationError({"comment": _("Tell the creator what to change.")})
        deliverable.status = DeliverableStatus.CHANGES_REQUESTED
        decision = DeliverableReview.Decision.CHANGES_REQUESTED
    deliverable.full_clean()
    deliverable.save()
    _record(deliverable, actor, decision, comment)
    after = snapshot(deliverable, WORKFLOW_FIELDS)
    if comment:
        after["comment"] = comment
    audit_record(
        agency=deliverable.agency,
        actor=actor,
        action=f"deliverable.{'approve' if approve else 'request_changes'}",
        obj=deliverable,
        before=before,
        after=after,
    )
    return deliverable


@transaction.atomic
def deliverable_mark_posted(
    *,
    deliverable: Deliverable,
    actor,
    post_url: str,
    post_id: str = "",
    posted_at: datetime | None = None,
    video_duration_seconds: int | None = None,
) -> Deliverable:
    """Record the live post of an approved deliverable (or correct a posted one's link)."""
    deliverable = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if deliverable.status not in (DeliverableStatus.APPROVED, DeliverableStatus.POSTED):
        raise ValidationError(_("Only an approved deliverable can be posted."))
    # A hold from a higher app (crisis mode's freeze, campaigns/holds.py) stops it going out.
    hold = deliverable_holds(agency_id=deliverable.agency_id, deliverable_ids=[deliverable.pk])
    if hold:
        raise ValidationError(hold[deliverable.pk])
    posted_at = posted_at or timezone.now()
    if posted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"posted_at": _("The post time cannot be in the future.")})
    before = snapshot(deliverable, [*WORKFLOW_FIELDS, "video_duration_seconds"])
    deliverable.post_url = post_url.strip()
    deliverable.post_id = post_id.strip()
    deliverable.posted_at = posted_at
    if video_duration_seconds is not None:
        deliverable.video_duration_seconds = video_duration_seconds
    if not deliverable.post_url:
        raise ValidationError({"post_url": _("Give the link to the live post.")})
    deliverable.status = DeliverableStatus.POSTED
    deliverable.full_clean()
    deliverable.save()
    _record(deliverable, actor, DeliverableReview.Decision.POSTED)
    audit_record(
        agency=deliverable.agency,
        actor=actor,
        action="deliverable.post",
        obj=deliverable,
        before=before,
        after=snapshot(deliverable, [*WORKFLOW_FIELDS, "video_duration_seconds"]),
    )
    return deliverable

"""Issues in the exceptions queue that are not a choice between candidates: returns that
fit no credit, deposits waiting for an exchange rate. A person closes them with a note."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from payouts.models import ReconciliationIssue

ISSUE_FIELDS = ["kind", "transaction", "resolved_at", "resolution"]


@transaction.atomic
def issue_resolve(*, issue: ReconciliationIssue, actor, resolution: str) -> ReconciliationIssue:
    """Close an open issue with the person's note (required); audited. Locks the issue."""
    issue = ReconciliationIssue.objects.select_for_update().get(pk=issue.pk)
    if issue.resolved_at is not None:
        raise ValidationError(_("This issue is already closed."))
    resolution = " ".join((resolution or "").split())
    if not resolution:
        raise ValidationError(_("Say how the issue was handled."))
    before = snapshot(issue, ISSUE_FIELDS)
    issue.resolved_at = timezone.now()
    issue.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    issue.resolution = resolution[:200]
    issue.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_record(
        agency=issue.agency,
        actor=actor,
        action="reconciliation_issue.resolve",
        obj=issue,
        before=before,
        after=snapshot(issue, ISSUE_FIELDS),
    )
    return issue

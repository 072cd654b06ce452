"""Reads of the leads app."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import Agency

from .models import Lead

# What the list, the exports and the API show of a lead and its relations.
LIST_RELATED = ("contact", "creator", "campaign", "deliverable", "conversion")


def lead_list(*, agency: Agency) -> QuerySet[Lead]:
    """The agency's leads, newest first, with what a row shows (one query)."""
    return (
        Lead.objects.filter(agency=agency)
        .select_related(*LIST_RELATED)
        .order_by("-captured_at", "-id")
    )


def lead_get_queryset(*, agency: Agency) -> QuerySet[Lead]:
    """One lead with its conversation's messages and follow-up DM (for the detail page)."""
    return lead_list(agency=agency).select_related(
        "source_message", "first_comment", "follow_up_action"
    )


def lead_count(*, agency: Agency) -> int:
    return Lead.objects.filter(agency=agency).count()


def masked_email(email: str) -> str:
    """The address with its local part hidden ("s•••@example.com"), for roles that see that
    a lead gave one but not the address itself."""
    local, sep, domain = email.partition("@")
    if not sep:
        return "•••"
    return f"{local[:1]}•••@{domain}"

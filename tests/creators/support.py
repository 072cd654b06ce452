"""Helpers for the roster tests."""

from __future__ import annotations

from django.urls import reverse

from agencies.models import AuditLog
from tests.helpers import scoping_queries


def audit_actions(agency, **filters) -> list[str]:
    return list(
        AuditLog.objects.filter(agency=agency, **filters)
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )


def roster_url(agency, **query) -> str:
    url = reverse("creators:list", args=[agency.slug])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


__all__ = ["scoping_queries"]

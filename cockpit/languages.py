"""The member's e-mail language for the apps below cockpit (agencies/languages.py): the
language they chose for their weekly digest."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import OuterRef, Subquery

from .models import DigestSubscription


def digest_language(agency_ids: Collection[int]) -> Subquery:
    """For a user queryset: the digest language the user chose in one of these agencies."""
    return Subquery(
        DigestSubscription.objects.filter(
            membership__user=OuterRef("pk"), membership__agency_id__in=list(agency_ids)
        )
        .order_by("membership__agency_id")
        .values("language")[:1]
    )

from __future__ import annotations

from django.core.management.base import CommandError

from agencies.models import Agency


def agency_from(slug: str) -> Agency:
    try:
        return Agency.objects.get(slug=slug)
    except Agency.DoesNotExist:
        raise CommandError(f"No agency with slug {slug!r}.") from None

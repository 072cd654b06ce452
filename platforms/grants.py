"""What a platform grant needs: the scopes Talentdesk asks for, and how long before expiry an
access token is refreshed.

Apart from `services` (which imports the platform connectors and their HTTP client) because
the selectors, and through them the creator page's template tag, need only these: Django
imports every tag library when a process builds its template engine.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from .models import PlatformKind

# Refresh this long before the access token runs out, so a sync never starts on a token that
# expires halfway through.
REFRESH_MARGIN = timedelta(minutes=10)


def needed_scopes(platform: str = PlatformKind.TIKTOK) -> list[str]:
    return list(settings.TIKTOK_SCOPES)

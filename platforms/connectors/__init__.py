"""The connector registry: which implementation talks to an account's platform.

`connector_for(account)` answers the platform's connector for a linked account and the manual
connector (moderation's outbox) for everything else: no account, an unlinked one, one that
needs reconnecting or was disconnected. Implementations are named by dotted path and resolved
when asked for, so adding a platform is one line here and nothing imports in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from platforms.models import PlatformAccount

PLATFORM_CONNECTORS = {
    "tiktok": "platforms.connectors.linked.TikTokLinkedConnector",
}
MANUAL_CONNECTOR = "platforms.connectors.manual.ManualConnector"


def connector_for(account: PlatformAccount | None, **kwargs):
    """The connector for `account` (kwargs go to the platform's connector, e.g. `api=`)."""
    if account is None or not account.is_linked or account.platform not in PLATFORM_CONNECTORS:
        return import_string(MANUAL_CONNECTOR)(account)
    return import_string(PLATFORM_CONNECTORS[account.platform])(account, **kwargs)


def is_live(connector) -> bool:
    """True for a platform connector, False for the manual (outbox) one."""
    return not getattr(connector, "manual", False)

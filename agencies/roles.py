from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Account manager")
    FINANCE = "finance", _("Finance")
    COMMUNITY_MANAGER = "community_manager", _("Community manager")
    CREATOR = "creator", _("Creator")


ALL_ROLES = frozenset(Role)
STAFF_ROLES = frozenset({Role.OWNER, Role.MANAGER, Role.FINANCE, Role.COMMUNITY_MANAGER})
CREATOR_ROLES = frozenset({Role.CREATOR})

"""Who may do what with sponsors, contracts, campaigns, deliverables, KPIs and experiments."""

from __future__ import annotations

from agencies.roles import CREATOR_ROLES, Role

# Community managers work moderation only; creators use the portal.
CAMPAIGN_VIEW = frozenset({Role.OWNER, Role.MANAGER, Role.FINANCE})
CAMPAIGN_EDIT = frozenset({Role.OWNER, Role.MANAGER})
CONTRACT_EDIT = frozenset({Role.OWNER, Role.MANAGER})
# Signing despite an exclusivity conflict needs an owner and a written reason.
CONTRACT_OVERRIDE = frozenset({Role.OWNER})
# Finance attributes revenue, so it may load metrics and conversions too.
KPI_WRITE = frozenset({Role.OWNER, Role.MANAGER, Role.FINANCE})
# Without a designated approver, these roles may approve drafts.
DEFAULT_APPROVERS = frozenset({Role.OWNER, Role.MANAGER})
PORTAL = CREATOR_ROLES

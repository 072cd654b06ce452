"""Who may do what in moderation."""

from __future__ import annotations

from agencies.roles import CREATOR_ROLES, Role

# The review queue, cases and outbox: staff except finance.
QUEUE = frozenset({Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER})
CASE_ACT = QUEUE
POLICY_VIEW = QUEUE
POLICY_EDIT = frozenset({Role.OWNER, Role.COMMUNITY_MANAGER})
MESSAGE_IMPORT = frozenset({Role.OWNER, Role.COMMUNITY_MANAGER})
CRISIS = frozenset({Role.OWNER, Role.MANAGER})
# "Assign escalation SLAs": levels, SLAs, assignees, holidays, the webhook secret.
SLA_EDIT = frozenset({Role.OWNER})
PORTAL = CREATOR_ROLES

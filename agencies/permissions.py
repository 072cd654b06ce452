"""Who may do what in the agency itself (settings, members, audit log, tokens)."""

from __future__ import annotations

from .roles import ALL_ROLES, STAFF_ROLES, Role

AGENCY_VIEW = STAFF_ROLES
AGENCY_ADMIN = frozenset({Role.OWNER})
# Start a further agency from the switcher (the creator becomes its owner).
AGENCY_CREATE = frozenset({Role.OWNER})
MEMBERS_MANAGE = frozenset({Role.OWNER})
AUDIT_VIEW = frozenset({Role.OWNER})
API_TOKENS = ALL_ROLES

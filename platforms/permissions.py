"""Who may see and change platform connections. Views declare these, never raw roles."""

from __future__ import annotations

from agencies.roles import CREATOR_ROLES, STAFF_ROLES, Role

# Every staff role sees which accounts are linked and how their grants stand.
ACCOUNTS_VIEW = STAFF_ROLES
# Linking and disconnecting act on a creator's behalf: owners and account managers.
ACCOUNTS_LINK = frozenset({Role.OWNER, Role.MANAGER})
# A creator links and disconnects their own accounts in the portal.
PORTAL_ACCOUNTS = CREATOR_ROLES
# The OAuth callback: whoever started the link (the state says which agency and person).
CALLBACK = ACCOUNTS_LINK | PORTAL_ACCOUNTS

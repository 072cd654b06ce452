"""Who may do what with the roster. Views and API views declare these, never raw roles."""

from __future__ import annotations

from agencies.roles import CREATOR_ROLES, STAFF_ROLES, Role

# Every staff role reads the roster; finance and community managers only read.
ROSTER_VIEW = STAFF_ROLES
ROSTER_EDIT = frozenset({Role.OWNER, Role.MANAGER})
ROSTER_IMPORT = ROSTER_EDIT
ROSTER_EXPORT = STAFF_ROLES
# A creator's legal name and date of birth (contracts, payouts, age checks): owners and
# account managers only; other staff never see them (pages, exports, API, search). A creator
# sees their own in the portal.
PERSONAL_DATA_VIEW = frozenset({Role.OWNER, Role.MANAGER})
# Who can be a creator's account manager.
ACCOUNT_MANAGER_ROLES = frozenset({Role.OWNER, Role.MANAGER})
# The creator portal: a creator sees their own profile only.
PORTAL_VIEW = CREATOR_ROLES
# Insights: every staff role reads eligibility, estimates and metrics; owners and account
# managers record metrics and strikes; the owner tunes the rate card and the RPM table.
INSIGHTS_VIEW = STAFF_ROLES
METRICS_EDIT = frozenset({Role.OWNER, Role.MANAGER})
RATE_CARD_EDIT = frozenset({Role.OWNER})
RPM_EDIT = frozenset({Role.OWNER})
# Program applications: every staff role reads them; owners and account managers record
# them (the name on the ID is personal data); the owner sets the wait before re-applying.
APPLICATIONS_VIEW = STAFF_ROLES
APPLICATIONS_EDIT = frozenset({Role.OWNER, Role.MANAGER})
REAPPLY_WAIT_EDIT = frozenset({Role.OWNER})

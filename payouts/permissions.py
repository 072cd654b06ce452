"""Who may do what in payouts: finance and owners write, account managers read."""

from __future__ import annotations

from agencies.roles import CREATOR_ROLES, Role

PAYOUTS_READ = frozenset({Role.OWNER, Role.FINANCE, Role.MANAGER})
PAYOUTS_WRITE = frozenset({Role.OWNER, Role.FINANCE})
PAYOUTS_PORTAL = CREATOR_ROLES
# Dispute evidence packs (transcripts, conversions, contract clauses): finance and owners
# ask for one; every payouts reader (owners, finance, account managers) downloads it.
EVIDENCE_BUILD = PAYOUTS_WRITE
EVIDENCE_DOWNLOAD = PAYOUTS_READ

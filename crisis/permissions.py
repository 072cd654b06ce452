"""Who may do what in crisis: moderation's roles (moderation/permissions.py)."""

from __future__ import annotations

from moderation import permissions as moderation_perms

# The crisis pages, the library and the drill records: whoever works the review queue.
VIEW = moderation_perms.QUEUE
# Writing the reply library: those who write moderation policies.
LIBRARY_EDIT = moderation_perms.POLICY_EDIT
# Releasing frozen deliverables and recording drills: those who switch crisis mode.
CRISIS_RUN = moderation_perms.CRISIS

"""Who may do what with bonus pools, rules and awards: the campaign roles (campaigns/
permissions.py). Owners, account managers and finance read; owners and account managers set
pools and rules and run the evaluation."""

from __future__ import annotations

from campaigns.permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW

REWARDS_VIEW = CAMPAIGN_VIEW
REWARDS_EDIT = CAMPAIGN_EDIT

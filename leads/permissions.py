"""Who may do what with leads.

A lead is a person's name and e-mail address given for one purpose: the agency following up.
The staff who work conversations see the list (owners, account managers, community
managers); the e-mail address itself, the export and the API's address field only owners
and account managers, who do the follow-up. Finance and creators have no access.
"""

from __future__ import annotations

from agencies.roles import Role

LEADS_VIEW = frozenset({Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER})
EMAIL_VIEW = frozenset({Role.OWNER, Role.MANAGER})
LEADS_EXPORT = EMAIL_VIEW

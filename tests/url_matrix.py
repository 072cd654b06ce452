"""Every URL of the product, with the roles that may use it and how to build its arguments.

`test_url_coverage.py` walks the URLconf and fails for any URL missing here, then runs two
checks on every entry:
- cross-tenant: a member of agency A asking for agency B's slug, or for B's object under A's
  slug, gets 404 — never B's data;
- roles: each role of agency A gets 403 unless it is in `allowed`, and no 403/404 if it is.

Each app keeps its entries in tests/url_cases/<app>.py; add one with every new URL.
`kwargs(agency, creator)` builds the URL's object ids inside `agency`; `creator` is that
agency's roster entry linked to the acting creator login (or a plain creator for staff), so
creator-portal objects belong to the right person.
"""

from __future__ import annotations

from .url_cases import (
    agencies,
    campaigns,
    creators,
    crisis,
    leads,
    moderation,
    payouts,
    platforms,
    reports,
    rewards,
)
from .url_cases.base import UrlCase

CASES: list[UrlCase] = [
    *agencies.CASES,
    *creators.CASES,
    *payouts.CASES,
    *campaigns.CASES,
    *reports.CASES,
    *moderation.CASES,
    *platforms.CASES,
    *rewards.CASES,
    *leads.CASES,
    *crisis.CASES,
]

# URLs outside the tenant: public or per-user pages, each with the reason it needs no tenant
# check. Names are matched exactly, or by namespace prefix when they end with ":".
NOT_TENANT_SCOPED: dict[str, str] = {
    "admin:": "Django admin, staff superusers only",
    "home": "redirects to the user's own agency",
    "set_language": "language cookie",
    "api-schema": "OpenAPI schema, no data",
    "api-docs": "API documentation, no data",
    "invitations:": "public invitation pages, authorised by the token in the link "
    "(tests/agencies/test_invitations.py)",
    "report_share:": "a sponsor's public report link, authorised by its signed token "
    "(tests/reports/test_share_links.py)",
    "ops:": "the Prometheus scrape endpoint, behind METRICS_TOKEN, no tenant data "
    "(tests/ops/test_metrics.py)",
    "platforms_oauth:": "TikTok's OAuth redirect: finds the agency the signed-in user started "
    "the link in (their session) and hands over to platforms:oauth-complete under it "
    "(tests/platforms/test_oauth_views.py)",
    "platforms_webhooks:": "TikTok's webhook: authorised by TikTok's signature, the agency "
    "named by the linked account (tests/platforms/test_webhooks.py)",
    "staff:": "platform staff pages (is_staff and two-factor), not an agency's; only the "
    "agencies table is read (tests/agencies/test_onboarding.py)",
}
# allauth's account and MFA pages act on the signed-in user only.
NOT_TENANT_SCOPED_PREFIXES = ("account_", "mfa_")

"""URL matrix entries for platforms/ (linked accounts, the OAuth flow, disconnecting)."""

from __future__ import annotations

from ..factories import CreatorFactory, PlatformAccountFactory
from .base import CREATOR_ROLES, EDITORS, STAFF_ROLES, UrlCase

CALLBACK_ROLES = EDITORS | CREATOR_ROLES


def a_creator(agency, creator) -> dict:
    return {"pk": CreatorFactory(agency=agency).pk}


def an_account(agency, creator) -> dict:
    # No tokens: disconnecting has nothing to revoke, so the matrix never calls TikTok.
    return {"pk": PlatformAccountFactory(creator=CreatorFactory(agency=agency), tokens=False).pk}


def own_account(agency, creator) -> dict:
    return {"pk": PlatformAccountFactory(creator=creator, tokens=False).pk}


CASES: list[UrlCase] = [
    UrlCase("platforms:accounts", STAFF_ROLES),
    UrlCase("platforms:creator-accounts", STAFF_ROLES, kwargs=a_creator),
    UrlCase("platforms:creator-link", EDITORS, kwargs=a_creator, method="post"),
    UrlCase("platforms:disconnect", EDITORS, kwargs=an_account, method="post"),
    # Without a state it answers "not a link you started" (tests/platforms/test_oauth_views.py).
    UrlCase("platforms:oauth-complete", CALLBACK_ROLES),
    UrlCase("platforms:portal-accounts", CREATOR_ROLES),
    UrlCase("platforms:portal-link", CREATOR_ROLES, method="post"),
    UrlCase("platforms:portal-disconnect", CREATOR_ROLES, kwargs=own_account, method="post"),
    # API
    UrlCase("api:platform-account-list", STAFF_ROLES),
    UrlCase("api:platform-account-disconnect", EDITORS, kwargs=an_account, method="post"),
]

"""URL matrix entries for leads/."""

from __future__ import annotations

from agencies.roles import Role
from tests.leads.builders import make_lead

from .base import UrlCase

VIEW = frozenset({Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER})
EXPORT = frozenset({Role.OWNER, Role.MANAGER})


def _lead(agency, creator) -> dict:
    return {"pk": make_lead(agency, creator=creator).pk}


CASES: list[UrlCase] = [
    UrlCase("leads:list", VIEW),
    UrlCase("leads:detail", VIEW, kwargs=_lead),
    UrlCase("leads:export_csv", EXPORT),
    UrlCase("leads:export_xlsx", EXPORT),
    UrlCase("api:lead-list", VIEW),
    UrlCase("api:lead-detail", VIEW, kwargs=_lead),
]

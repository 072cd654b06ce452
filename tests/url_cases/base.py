"""The shape of a URL matrix entry. See tests/url_matrix.py.

Every URL of the product, with the roles that may use it and how to build its arguments.

`test_url_coverage.py` walks the URLconf and fails for any URL missing here, then runs two
checks on every entry:
- cross-tenant: a member of agency A asking for agency B's slug, or for B's object under A's
  slug, gets 404 — never B's data;
- roles: each role of agency A gets 403 unless it is in `allowed`, and no 403/404 if it is.

Add an entry with every new URL. `kwargs(agency, creator)` builds the URL's object ids inside
`agency`; `creator` is that agency's roster entry linked to the acting creator login (or a
plain creator for staff), so creator-portal objects belong to the right person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agencies.roles import ALL_ROLES, CREATOR_ROLES, STAFF_ROLES, Role

Kwargs = Callable[..., dict]


def no_kwargs(agency, creator) -> dict:
    return {}


@dataclass(frozen=True)
class UrlCase:
    name: str
    allowed: frozenset[str]
    kwargs: Kwargs = no_kwargs
    method: str = "get"
    data: Callable[..., dict] | None = None
    # Extra request options, e.g. {"HTTP_HX_REQUEST": "true"} for htmx-only fragments.
    extra: dict = field(default_factory=dict)

    @property
    def has_object(self) -> bool:
        """Whether the URL names an object (then another agency's object must 404)."""
        return self.kwargs is not no_kwargs

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.name}"


OWNER = frozenset({Role.OWNER})
EDITORS = frozenset({Role.OWNER, Role.MANAGER})
__all__ = ["ALL_ROLES", "CREATOR_ROLES", "EDITORS", "OWNER", "STAFF_ROLES", "UrlCase", "no_kwargs"]

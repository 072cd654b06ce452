from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .tenancy import memberships_of


def tenancy(request: HttpRequest) -> dict:
    """The current agency and role (set by `agency_view`) and the user's other agencies."""

    def memberships():
        if not request.user.is_authenticated:
            return []
        # Read by `agency_view` already on an agency's pages.
        loaded = getattr(request, "user_memberships", None)
        return memberships_of(request.user) if loaded is None else loaded

    membership = getattr(request, "membership", None)
    return {
        "current_agency": getattr(request, "agency", None),
        "current_membership": membership,
        "current_role": membership.role if membership else None,
        "user_memberships": SimpleLazyObject(memberships),
    }

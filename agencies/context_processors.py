from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Membership


def tenancy(request: HttpRequest) -> dict:
    """The current agency and role (set by `agency_view`) and the user's other agencies."""

    def memberships():
        if not request.user.is_authenticated:
            return []
        return list(
            Membership.objects.filter(user=request.user)
            .select_related("agency")
            .order_by("agency__name")
        )

    membership = getattr(request, "membership", None)
    return {
        "current_agency": getattr(request, "agency", None),
        "current_membership": membership,
        "current_role": membership.role if membership else None,
        "user_memberships": SimpleLazyObject(memberships),
    }

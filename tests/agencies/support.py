"""Helpers for the agency tests: invitations built through the real service."""

from __future__ import annotations

from agencies.invitations import invitation_create
from agencies.models import Agency, Invitation
from agencies.roles import Role
from tests.helpers import member, scoping_queries

BASE_URL = "http://testserver"


def invite(
    agency: Agency, email: str, *, role: str = Role.MANAGER, actor=None, creator=None
) -> tuple[Invitation, str]:
    """An invitation through `invitation_create` (sent by the agency's first owner unless
    `actor` is given); returns it and its plain token."""
    if actor is None:
        owner = agency.memberships.filter(role=Role.OWNER).order_by("pk").first()
        actor = owner.user if owner else member(agency, Role.OWNER)
    return invitation_create(
        agency=agency, email=email, role=role, actor=actor, creator=creator, base_url=BASE_URL
    )


__all__ = ["scoping_queries"]

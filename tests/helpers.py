"""Helpers shared by every test module: members of each role, logged-in clients."""

from __future__ import annotations

from django.db import connection
from django.test import Client

from agencies.models import Agency
from agencies.roles import Role

from .factories import CreatorFactory, MembershipFactory, UserFactory


def member(agency: Agency, role: str = Role.MANAGER, **user_kwargs):
    """A user holding `role` in `agency`. A creator member gets a linked roster entry."""
    user = UserFactory(**user_kwargs)
    MembershipFactory(user=user, agency=agency, role=role)
    if role == Role.CREATOR:
        CreatorFactory(
            agency=agency, user=user, email=user.email, display_name=f"Creator {user.pk}"
        )
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def scoping_queries() -> int:
    """Statements row-level security adds to a request on PostgreSQL (core/db_scope.py): the
    middleware names the user, `agency_view` or the API base the agency, and
    `request_finished` clears both."""
    return 3 if connection.vendor == "postgresql" else 0

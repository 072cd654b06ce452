from __future__ import annotations

from typing import Any

from django.db import models

from agencies.models import Agency, Membership


def role_of(agency: Agency, user) -> str | None:
    """The user's role in the agency, or None (also for anonymous and system actors)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(agency=agency, user=user).values_list("role", flat=True).first()
    )


def apply_fields(obj: models.Model, fields: dict[str, Any], allowed: list[str]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"{type(obj).__name__} cannot set {sorted(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)

"""Audit entries written in bulk, for services that decide about hundreds of rows at once.

`agencies.audit.audit_record` writes one row per call; triage and the breach scan decide
about a whole batch in one transaction, so they build the same rows here and insert them
with one statement. The rows are exactly what `audit_record` would have written.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from agencies.audit import jsonable
from agencies.models import AuditLog

from .bulk import bulk_insert


def audit_entry(
    *,
    agency_id: int,
    action: str,
    obj: models.Model | None = None,
    actor: Any | None = None,
    actor_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    """An unsaved audit row, shaped like `audit_record`'s (before/after reduced to a diff).

    `object_repr` saves rendering `str(obj)` again when the caller already knows it.
    """
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog(
        agency_id=agency_id,
        actor_id=user.pk if user is not None else None,
        actor_label=actor_label or ("" if user else "system"),
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(str(obj) if object_repr is None else object_repr)[:200]
        if obj is not None
        else "",
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )


def audit_bulk(entries: list[AuditLog]) -> None:
    """Insert the entries in one statement, inside the caller's transaction."""
    if entries:
        bulk_insert(entries)

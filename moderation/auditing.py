"""Audit entries written in bulk, for services that decide about hundreds of rows at once.

`agencies.audit.audit_record` writes one row per call; triage and the breach scan decide
about a whole batch in one transaction, so they build the same rows here and insert them
with one statement. The rows are exactly what `audit_record` would have written.

`audit_entry` builds an unsaved `AuditLog` for `audit_bulk`; `AuditRows` collects the same
values as columns and inserts them without an instance per row (a batch of triage writes
hundreds of entries that nobody reads back).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.utils import timezone

from agencies.audit import jsonable
from agencies.models import AuditLog

from .bulk import bulk_insert, bulk_insert_columns, json_dumps

_SCALARS = frozenset({str, int, float, bool, type(None)})
_SCALAR_BASES = (str, int, float)


def _plain(value: Any) -> bool:
    """Whether `value` is JSON already, so that `jsonable` would return an equal copy: dicts
    with str keys and lists (exactly these types), holding None, str, int or float values
    (their subclasses too: choices, bool), which `jsonable` leaves as they are."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(map(_plain, value))
    return kind in _SCALARS or isinstance(value, _SCALAR_BASES)


def _jsonable(value: Any) -> Any:
    return jsonable(value) if value is not None else None


def _json_text(value: Any) -> str | None:
    """The text `audit_bulk` stores for a before/after `jsonable(value)` (None: SQL NULL).
    `jsonable` is skipped for a value that is JSON already: a batch of triage's entries,
    each with its list of reasons, spent a tenth of its time copying them."""
    if value is None:
        return None
    return json_dumps(value if _plain(value) else jsonable(value))


# AuditLog's columns as `_entry_values` gives them (created_at is set when the row is stored).
_COLUMNS = (
    "agency_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
)


def _entry_values(
    *,
    agency_id: int,
    action: str,
    obj: models.Model | None,
    actor: Any | None,
    actor_label: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    object_repr: str | None,
    json: Callable[[dict[str, Any] | None], Any],
) -> tuple:
    """The values of `_COLUMNS` of one entry, shaped like `audit_record`'s (before/after
    reduced to a diff, then given to `json`)."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    user = actor if getattr(actor, "is_authenticated", False) else None
    return (
        agency_id,
        user.pk if user is not None else None,
        actor_label or ("" if user else "system"),
        action,
        obj._meta.label_lower if obj is not None else "",
        str(obj.pk) if obj is not None and obj.pk is not None else "",
        (str(obj) if object_repr is None else object_repr)[:200] if obj is not None else "",
        json(before),
        json(after),
    )


# `audit_entry`'s optional arguments, for `AuditRows.add`.
_ENTRY_DEFAULTS: dict[str, Any] = {
    "obj": None,
    "actor": None,
    "actor_label": "",
    "before": None,
    "after": None,
    "object_repr": None,
}


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
    values = _entry_values(
        agency_id=agency_id,
        action=action,
        obj=obj,
        actor=actor,
        actor_label=actor_label,
        before=before,
        after=after,
        object_repr=object_repr,
        json=_jsonable,
    )
    return AuditLog(**dict(zip(_COLUMNS, values, strict=True)))


def audit_bulk(entries: list[AuditLog]) -> None:
    """Insert the entries in one statement, inside the caller's transaction."""
    if entries:
        bulk_insert(entries)


class AuditRows:
    """Audit entries of one batch, kept as column values: `add` takes what `audit_entry`
    takes (and reads before/after at once, as it does), `save` inserts them all (inside
    the caller's transaction) as `audit_bulk` would, each with its own `created_at` taken
    as it is stored."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, **entry: Any) -> None:
        """One entry: the keyword arguments of `audit_entry`."""
        self.rows.append(_entry_values(**{**_ENTRY_DEFAULTS, **entry}, json=_json_text))

    def save(self) -> None:
        rows, self.rows = self.rows, []
        if not rows:
            return
        columns = dict(zip(_COLUMNS, map(list, zip(*rows, strict=True)), strict=True))
        columns["created_at"] = [timezone.now() for _row in rows]
        # before/after are their JSON text already (AuditLog's JSON fields have no encoder).
        bulk_insert_columns(AuditLog, columns, as_text=("before", "after"))

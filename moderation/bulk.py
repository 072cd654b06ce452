"""Fast bulk writes for the triage and breach-scan batches (profiled, see bench/README.md).

- `bulk_set`: Django's `bulk_update` builds a `Case(When(pk=…, then=Value(…)))` expression
  tree per row and field and resolves each through the ORM; for a batch of 500 messages
  that was 70 % of triage time. We join the table to a VALUES list instead.
- `bulk_insert`: `bulk_create` without the per-value compiler machinery: one multi-row
  `INSERT … RETURNING id` per chunk, primary keys set on the objects as `bulk_create` does.

Values are prepared by each field (`pre_save`, `get_db_prep_save`), so JSON, dates,
foreign keys and booleans are stored exactly as the ORM stores them. No signals are sent, as
with `bulk_create`.

On PostgreSQL both send one array per column (`INSERT … SELECT FROM unnest(%s::bigint[], …)`,
`UPDATE … FROM unnest(…)`): a short statement of the same text whatever the batch's size,
instead of a multi-row VALUES list with thousands of placeholders that psycopg had to parse
and merge client-side on every call (a fifth of triage's time). Each array goes as one
string, its text form (`{1,2,NULL}`, `{"a","b"}`, core/sql_arrays.py), joined in C: psycopg's
own list dumping quotes every element in Python (a regex substitution per string), which
was half of triage's CPU time after the arrays came (bench/README.md). A column holding a
type not written here is left to psycopg as a list. On SQLite (3.35+) the multi-row VALUES
form remains.

`pairs_q` selects rows by pairs of values (platform + handle) with one IN list per first
value: for a batch of 500 it is much cheaper to build than 500 OR-ed conditions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from uuid import UUID

from django.db import connections, models, router
from django.db.models import Q

from core.sql_arrays import number_array, text_array


def bulk_set(objs: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Store `fields` of every object (by primary key); returns the rows updated.

    One `UPDATE t SET f = v.column2, … FROM (VALUES (pk, …), …) AS v WHERE t.pk =
    v.column1` per chunk: a join, linear in the rows (a CASE per field is quadratic).
    """
    if not objs or not fields:
        return 0
    model = type(objs[0])
    meta = model._meta
    # The real connection, not the `django.db.connection` proxy: every value's preparation
    # asks it for its operations, and the proxy resolves it through a context-local each time.
    connection = connections[router.db_for_write(model)]
    concrete = [meta.pk] + [meta.get_field(name) for name in fields]
    readers = [_column_reader(f, connection, saving=False) for f in concrete]
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return _set_arrays(connection, meta, concrete, readers, objs)
    row = "(" + ", ".join(["%s"] * len(concrete)) + ")"
    assignments = ", ".join(
        f"{qn(f.column)} = v.column{n}" for n, f in enumerate(concrete[1:], start=2)
    )
    size = _chunk_size(connection, concrete, objs)
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            cursor.execute(
                f"UPDATE {qn(meta.db_table)} SET {assignments} "  # noqa: S608
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v "
                f"WHERE {qn(meta.db_table)}.{qn(meta.pk.column)} = v.column1",
                _row_major(readers, chunk),
            )
            updated += cursor.rowcount
    return updated


def _chunk_size(connection, fields, objs) -> int:
    """Rows per statement: the backend's limit (SQLite: 999 parameters), and never more than
    20,000 parameters (PostgreSQL refuses more than 65,535)."""
    return max(1, min(connection.ops.bulk_batch_size(fields, objs), 20_000 // len(fields)))


def _row_major(readers, chunk) -> list:
    """The parameters of a multi-row VALUES list: row after row."""
    return [value for row in zip(*(read(chunk) for read in readers), strict=True) for value in row]


# Rows per array statement on PostgreSQL (no parameter limit applies to arrays).
ARRAY_ROWS = 5_000


def _array_type(field: models.Field, connection) -> str:
    """The column's type as an array cast: `bigint[]`, `varchar(16)[]`, `jsonb[]`…"""
    return f"{field.db_type(connection)}[]"


_NUMBERS = frozenset({int, Decimal})
_MOMENTS = frozenset({datetime, date, time})
_NONE = type(None)


def array_param(values: list) -> str | list:
    """A column's values as the text form of a PostgreSQL array, for `%s::type[]`.

    Values are what the field prepared for the database (`get_db_prep_save`); the cast
    in the statement gives every element its column's type. A list holding a type not
    written here (a range, an adapter) is returned as it is, for psycopg to dump.
    """
    # Only PostgreSQL comes here, where Django's backend has loaded psycopg already; at the
    # top of the module it would load psycopg into every SQLite process too.
    from psycopg.types.json import Jsonb

    types = set(map(type, values))
    types.discard(_NONE)
    if types <= _NUMBERS:  # bool is not among them: `type()`, not isinstance
        return number_array(values)
    if all(issubclass(t, str) for t in types):  # str and its enums (choices)
        return text_array(values)
    if types == {bool}:
        return "{" + ",".join("NULL" if v is None else "t" if v else "f" for v in values) + "}"
    if types == {Jsonb}:  # JSONField's value: the wrapper names the field's encoder
        return text_array([None if v is None else (v.dumps or json.dumps)(v.obj) for v in values])
    if types <= _MOMENTS:  # ISO 8601, with the offset of an aware datetime
        return text_array([None if v is None else v.isoformat() for v in values])
    if types == {float}:
        return text_array([None if v is None else repr(v) for v in values])
    if types == {UUID}:
        return text_array([None if v is None else str(v) for v in values])
    if types <= {bytes, memoryview}:  # bytea's hex form
        return text_array([None if v is None else "\\x" + bytes(v).hex() for v in values])
    return values


def _set_arrays(connection, meta, concrete, readers, objs) -> int:
    """bulk_set on PostgreSQL: `UPDATE t SET f = v.f … FROM unnest(arrays) AS v(…)`, plus
    `t.id = ANY(ids)`: without it the planner, which estimates the row-level-security
    filter badly, may scan the whole table to join (bench/README.md, reconciliation)."""
    qn = connection.ops.quote_name
    table, pk = qn(meta.db_table), qn(meta.pk.column)
    names = [f"c{n}" for n in range(len(concrete))]
    ids = _array_type(concrete[0], connection)
    unnest = ", ".join(f"%s::{_array_type(f, connection)}" for f in concrete)
    assignments = ", ".join(
        f"{qn(f.column)} = v.{name}" for f, name in zip(concrete[1:], names[1:], strict=True)
    )
    sql = (
        f"UPDATE {table} SET {assignments} "  # noqa: S608
        f"FROM unnest({unnest}) AS v({', '.join(names)}) "
        f"WHERE {table}.{pk} = v.c0 AND {table}.{pk} = ANY(%s::{ids})"
    )
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), ARRAY_ROWS):
            chunk = objs[start : start + ARRAY_ROWS]
            columns = [array_param(read(chunk)) for read in readers]
            cursor.execute(sql, [*columns, columns[0]])
            updated += cursor.rowcount
    return updated


# Fields whose value, when already a plain str/int/bool/float, is stored as it is: the ORM's
# preparation of these only checks the type. Everything else (dates, JSON, decimals, …)
# goes through the field's own `get_db_prep_save`.
_AS_IS_FIELDS = frozenset(
    {
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)
_AS_IS_TYPES = frozenset({str, int, bool, float, type(None)})


def _column_reader(field: models.Field, connection, *, saving: bool = True):
    """objs → the field's database value of each; `saving` applies auto_now/auto_now_add.

    A column at a time: the attribute is read with `attrgetter` (no Python frame per
    value), and a column whose values are all plain is not prepared value by value.
    """
    prep = field.get_db_prep_save
    if saving and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        return lambda objs: [prep(field.pre_save(obj, True), connection) for obj in objs]
    read = attrgetter(field.attname)
    if field.get_internal_type() in _AS_IS_FIELDS:

        def plain(objs):
            values = list(map(read, objs))
            if set(map(type, values)) <= _AS_IS_TYPES:
                return values
            return [v if type(v) in _AS_IS_TYPES else prep(v, connection) for v in values]

        return plain
    return lambda objs: [prep(value, connection) for value in map(read, objs)]


def bulk_insert(objs: Sequence[models.Model]) -> None:
    """Insert new objects (auto primary key) and set their `pk`, like `bulk_create`."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    relations = [f for f in fields if f.is_relation]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    readers = [_column_reader(f, connection) for f in fields]
    arrays = connection.vendor == "postgresql"
    if arrays:
        # One typed array per column; unnest() keeps their order, RETURNING follows it.
        unnest = ", ".join(f"%s::{_array_type(f, connection)}" for f in fields)
        source = f"SELECT * FROM unnest({unnest})"  # noqa: S608 - column types, no values
        size = ARRAY_ROWS
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        size = _chunk_size(connection, fields, objs)
    pk_attname, alias = meta.pk.attname, connection.alias
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            for field in relations:  # a related object assigned before it was saved
                read = attrgetter(field.attname)
                for obj in chunk:
                    if read(obj) is None and field.is_cached(obj):
                        related = field.get_cached_value(obj)
                        if related is not None:
                            setattr(obj, field.attname, related.pk)
            if arrays:
                params = [array_param(read(chunk)) for read in readers]
            else:
                params = _row_major(readers, chunk)
                source = f"VALUES {', '.join([row] * len(chunk))}"
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({columns}) {source} "
                f"RETURNING {qn(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                setattr(obj, pk_attname, pk)
                state = obj._state
                state.adding, state.db = False, alias


def pairs_q(pairs: Iterable[tuple[str, str]], first: str, second: str) -> Q:
    """Rows whose (`first`, `second`) is one of `pairs`."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for a, b in pairs:
        grouped[a].append(b)
    query = Q()
    for a, values in grouped.items():
        query |= Q(**{first: a, f"{second}__in": values})
    return query

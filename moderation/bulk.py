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
value: for a batch of 500 it is much cheaper to build than 500 OR-ed conditions. `keys_in`
selects rows by primary key: on PostgreSQL `id = ANY(%s::bigint[])` with one array, the
condition PostgreSQL turns `id IN (…)` into anyway (the same plan), without compiling and
binding a parameter per key (a third of the CPU time of fetching a batch's 500 messages).
"""

from __future__ import annotations

import json
import json.encoder
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router
from django.db.models import F, Lookup, Q

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
# JSON values the field's preparation passes to its encoder unchanged (a lazy translation,
# say, is made a str first).
_JSON_TYPES = frozenset({dict, list, str, int, float, bool})


def json_dumps(value) -> str:
    """The text a JSON column stores for `value`: `json.dumps` with its defaults, as the
    field's preparation gives it when the field names no encoder."""
    return json.dumps(value)


def _column_reader(field: models.Field, connection, *, saving: bool = True):
    """objs → the field's database value of each; `saving` applies auto_now/auto_now_add.

    A column at a time: the attribute is read with `attrgetter` (no Python frame per
    value), then the column is prepared by `_column_prep`.
    """
    column = _column_prep(field, connection)
    if saving and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        return lambda objs: column([field.pre_save(obj, True) for obj in objs])
    read = attrgetter(field.attname)
    return lambda objs: column(list(map(read, objs)))


def _column_prep(field: models.Field, connection):
    """values → the field's database value of each, as `get_db_prep_save` gives it.

    A column whose values are all plain is not prepared value by value. On PostgreSQL two
    more kinds skip the field's preparation chain (four calls a value), where it would return
    the value unchanged or only wrap it: an aware datetime (stored as it is), and a JSON value
    of a built-in type (wrapped to be dumped by the field's encoder: dumped here, with the
    same function, into the same text `array_param` would write).
    """
    prep = field.get_db_prep_save
    kind = field.get_internal_type()
    if kind in _AS_IS_FIELDS:

        def plain(values):
            if set(map(type, values)) <= _AS_IS_TYPES:
                return values
            return [v if type(v) in _AS_IS_TYPES else prep(v, connection) for v in values]

        return plain
    if connection.vendor == "postgresql" and kind == "DateTimeField":

        def moments(values):
            return [
                v
                if v is None or (type(v) is datetime and v.utcoffset() is not None)
                else prep(v, connection)
                for v in values
            ]

        return moments
    if connection.vendor == "postgresql" and kind == "JSONField":
        # Loaded only here, on PostgreSQL (see `array_param`).
        from psycopg.types.json import Jsonb

        # The function the backend wraps this field's values with (its encoder's).
        dumps = connection.ops.adapt_json_value(None, field.encoder).dumps or json.dumps
        if dumps is json.dumps:
            dumps = json_dumps

        def json_text(value):
            if value is None:
                return None
            if type(value) in _JSON_TYPES:
                return dumps(value)
            value = prep(value, connection)
            return (value.dumps or json.dumps)(value.obj) if type(value) is Jsonb else value

        return lambda values: list(map(json_text, values))
    return lambda values: [prep(value, connection) for value in values]


def bulk_insert(objs: Sequence[models.Model]) -> None:
    """Insert new objects (auto primary key) and set their `pk`, like `bulk_create`."""
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    relations = [f for f in fields if f.is_relation]
    readers = [_column_reader(f, connection) for f in fields]
    insert = _Insert(connection, meta, fields, returning=True)
    pk_attname, alias = meta.pk.attname, connection.alias
    for start in range(0, len(objs), insert.rows):
        chunk = objs[start : start + insert.rows]
        for field in relations:  # a related object assigned before it was saved
            read = attrgetter(field.attname)
            for obj in chunk:
                if read(obj) is None and field.is_cached(obj):
                    related = field.get_cached_value(obj)
                    if related is not None:
                        setattr(obj, field.attname, related.pk)
        for obj, pk in zip(chunk, insert([read(chunk) for read in readers]), strict=True):
            setattr(obj, pk_attname, pk)
            state = obj._state
            state.adding, state.db = False, alias


def bulk_insert_columns(
    model: type[models.Model], columns: dict[str, list], *, as_text: Collection[str] = ()
) -> None:
    """Insert rows given as columns ({attribute name: one value per row}, `agency_id` for a
    foreign key) without building an instance per row, and without reading their keys back:
    for rows nobody holds on to (audit entries). Every concrete field but the (automatic)
    primary key is given, auto_now ones included, as the instance would hold it; each is
    prepared by its field as in `bulk_insert`, except the JSON columns named in `as_text`,
    given as the JSON text the field would store (its encoder's `dumps`: SQL NULL as None)."""
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [columns[f.attname] for f in fields]
    count = len(values[0]) if values else 0
    if not count:
        return
    preps = [_as_is if f.attname in as_text else _column_prep(f, connection) for f in fields]
    insert = _Insert(connection, meta, fields, returning=False)
    for start in range(0, count, insert.rows):
        insert(
            [
                prep(column[start : start + insert.rows])
                for prep, column in zip(preps, values, strict=True)
            ]
        )


def _as_is(values: list) -> list:
    return values


class _Insert:
    """One multi-row INSERT of `fields` per call, from the chunk's prepared columns; returns
    the new primary keys in row order when `returning`. At most `rows` rows a call."""

    def __init__(self, connection, meta, fields, *, returning: bool) -> None:
        self.connection = connection
        self.arrays = connection.vendor == "postgresql"
        qn = connection.ops.quote_name
        self.head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        self.tail = f" RETURNING {qn(meta.pk.column)}" if returning else ""
        self.returning = returning
        if self.arrays:
            # One typed array per column; unnest() keeps their order, RETURNING follows it.
            unnest = ", ".join(f"%s::{_array_type(f, connection)}" for f in fields)
            self.source = f"SELECT * FROM unnest({unnest})"  # noqa: S608 - types, no values
            self.rows = ARRAY_ROWS
        else:
            self.row = "(" + ", ".join(["%s"] * len(fields)) + ")"
            self.rows = _chunk_size(connection, fields, range(ARRAY_ROWS))

    def __call__(self, columns: list[list]) -> list:
        if self.arrays:
            source, params = self.source, [array_param(column) for column in columns]
        else:
            count = len(columns[0])
            source = f"VALUES {', '.join([self.row] * count)}"
            params = [value for row in zip(*columns, strict=True) for value in row]
        with self.connection.cursor() as cursor:
            cursor.execute(self.head + source + self.tail, params)
            return [pk for (pk,) in cursor.fetchall()] if self.returning else []


class _KeyIn(Lookup):
    """`lhs IN (…)`; on PostgreSQL `lhs = ANY(array)`. Used as an expression (`keys_in`),
    never registered as a lookup."""

    lookup_name = "key_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # no query, as Django's `__in` with no values
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        array = _array_type(self.lhs.output_field, connection)
        return f"{lhs} = ANY(%s::{array})", [*params, number_array(self.rhs)]


def keys_in(keys: Iterable[int], field: str = "pk") -> Lookup:
    """A filter for rows whose integer key `field` is one of `keys` (see the docstring)."""
    return _KeyIn(F(field), sorted({int(key) for key in keys}))


def pairs_q(pairs: Iterable[tuple[str, str]], first: str, second: str) -> Q:
    """Rows whose (`first`, `second`) is one of `pairs`."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for a, b in pairs:
        grouped[a].append(b)
    query = Q()
    for a, values in grouped.items():
        query |= Q(**{first: a, f"{second}__in": values})
    return query

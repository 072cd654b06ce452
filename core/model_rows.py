"""Model instances from SQL written once, for the few reads every request makes.

The ORM builds and compiles its query on every call: for a `select_related` read of one
row that is more Python than the database's own work (an API token with its membership,
user and agency was a third of a cached API answer's CPU; bench/README.md). Where a read's
text depends only on the models, it can be written once per database connection and its
rows turned into the instances the ORM would build: `Model.from_db`, each value through its
field's and the backend's converters, as the ORM's compiler applies them (a JSON column,
SQLite's dates and decimals).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

T = TypeVar("T")


class Columns:
    """One model's concrete columns under a table alias: their SQL (`sql`), and how the next
    values of a row become an instance (`load`)."""

    def __init__(self, db, model: type[Model], alias: str) -> None:
        quote = db.ops.quote_name
        expressions = [field.get_col(alias) for field in model._meta.concrete_fields]
        self.model = model
        self.sql = ", ".join(f"{alias}.{quote(e.target.column)}" for e in expressions)
        self._names = [e.target.attname for e in expressions]
        self._converters = [
            (e, db.ops.get_db_converters(e) + e.get_db_converters(db)) for e in expressions
        ]

    def load(self, db, values: Iterator[Any]) -> Model:
        """The instance made of the next values of `values` (one per column, in order)."""
        converted = []
        for expression, converters in self._converters:
            value = next(values)
            for converter in converters:
                value = converter(value, expression, db)
            converted.append(value)
        return self.model.from_db(db.alias, self._names, converted)


def column(db, model: type[Model], name: str = "pk") -> str:
    """The quoted column of `model`'s field `name` (its primary key by default)."""
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return db.ops.quote_name(field.column)


def table(db, model: type[Model]) -> str:
    return db.ops.quote_name(model._meta.db_table)


def per_connection(build: Callable[[Any], T]) -> Callable[[], tuple[Any, T]]:
    """`build(connection)` once per connection of the default database (converters can
    belong to the connection's backend); the returned function gives (connection, built)."""
    built: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def get() -> tuple[Any, T]:
        db = connections[DEFAULT_DB_ALIAS]
        found = built.get(db)
        if found is None:
            found = built[db] = build(db)
        return db, found

    return get

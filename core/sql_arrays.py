"""Lists sent to PostgreSQL as one array literal each (`%s::bigint[]`, then `unnest(...)`).

Django's psycopg backend binds parameters on the client: a Python list is turned into SQL by
psycopg's generic array dumper, which looks up a dumper and escapes every element in Python.
For the 2,000-row batches of a reconciliation run that was about a sixth of the run (the
profile in bench/README.md). Written here as the text form of a PostgreSQL array
(`{1,2,NULL}`, `{"a","b \\"c\\""}`) the list is joined in C and quoted once, as one string;
the cast in the SQL (`%s::numeric[]`) turns it back into an array on the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def number_array(values: Iterable[int | Decimal | None]) -> str:
    """`{1,2.50,NULL}`: integers or Decimals (exact: str() of a Decimal is its digits)."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


def text_array(values: Iterable[str | None]) -> str:
    """`{"a","b \\"c\\"",NULL}`: every element quoted, with `\\` and `"` escaped, so commas,
    braces, spaces and the word NULL inside a value stay text."""
    return (
        "{"
        + ",".join(
            "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for v in values
        )
        + "}"
    )

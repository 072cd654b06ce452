"""Parse a metric-snapshot CSV: bytes in, plain rows out, or every error by row and column.

Pure (no database): `services.kpis.snapshots_import` resolves the deliverables and writes
all rows or none. The file is read by `core.csv_import` (encodings, delimiter, limits,
header names in any case); this module holds only the columns' rules. Unknown columns are
refused (a misspelt "veiws" would otherwise be dropped without a word) and every row must
have a cell for each column. Row numbers count the header as row 1, as a spreadsheet shows
them. Times without an offset are read in the agency's timezone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from core.csv_import import CellError, Column, read_csv
from core.numbers import is_ascii_digits

COUNT_COLUMNS = ("views", "likes", "comments", "shares", "saves", "unique_reach")
PERCENT_COLUMNS = ("completion_25", "completion_50", "completion_75", "completion_100")
ID_COLUMNS = ("deliverable_id", "post_id")
COLUMNS = (*ID_COLUMNS, "captured_at", *COUNT_COLUMNS, "avg_watch_seconds", *PERCENT_COLUMNS)
MAX_COUNT = 10**12
# A row or column problem; str() reads "Row 3, views: …".
RowError = CellError


class CsvImportError(Exception):
    def __init__(self, errors: list[RowError], rows: list[MetricRow] | None = None):
        self.errors = errors
        # The rows that did parse, so the caller can report their own problems too.
        self.rows = rows or []
        super().__init__("; ".join(str(e) for e in errors[:5]))


@dataclass
class MetricRow:
    row: int
    deliverable_id: int | None
    post_id: str
    captured_at: datetime
    values: dict[str, object] = field(default_factory=dict)


def _deliverable_id(text: str) -> int | None:
    value = text.strip()
    if not value:
        return None
    if not is_ascii_digits(value):
        raise ValueError(_("Not a whole number."))
    return int(value)


def _time(tz: tzinfo):
    def parse(text: str) -> datetime:
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(_("Not a date and time like 2024-05-01T14:30.")) from None
        return value.replace(tzinfo=tz) if value.tzinfo is None else value

    return parse


def _count(required: bool):
    def parse(text: str) -> int | None:
        value = text.strip()
        if not value and not required:
            return None
        if not is_ascii_digits(value) or int(value) > MAX_COUNT:
            raise ValueError(_("Not a whole number of 0 or more."))
        return int(value)

    return parse


def _decimal(limit: Decimal):
    def parse(text: str) -> Decimal | None:
        value = text.strip().replace(",", ".")
        if not value:
            return None
        try:
            number = Decimal(value) if value.isascii() else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not (0 <= number <= limit):
            raise ValueError(_("Not a number from 0 to %(max)s.") % {"max": limit})
        return number.quantize(Decimal("0.01"))

    return parse


def _spec(tz: tzinfo) -> list[Column]:
    return [
        Column("deliverable_id", parse=_deliverable_id),
        Column("post_id"),
        Column("captured_at", required=True, parse=_time(tz)),
        *(Column(n, required=n == "views", parse=_count(n == "views")) for n in COUNT_COLUMNS),
        Column("avg_watch_seconds", parse=_decimal(Decimal(86400))),
        *(Column(name, parse=_decimal(Decimal(100))) for name in PERCENT_COLUMNS),
    ]


def _row_rules(values: dict[str, Any]):
    if values.get("deliverable_id", 0) is None and not values.get("post_id"):
        yield "deliverable_id", _("Give a deliverable_id or a post_id.")
    elif len(values) == len(COLUMNS):
        funnel = [values[name] or Decimal(0) for name in PERCENT_COLUMNS]
        if funnel != sorted(funnel, reverse=True):
            yield "completion_50", _("Completion cannot rise further in.")


def parse_snapshots_csv(
    data: bytes, *, tz: tzinfo, max_bytes: int, max_rows: int
) -> list[MetricRow]:
    """The file's rows, or CsvImportError with every problem (and the rows that parsed)."""
    table = read_csv(
        data,
        _spec(tz),
        max_bytes=max_bytes,
        max_rows=max_rows,
        unknown_columns="error",
        check=_row_rules,
        short_rows=False,
    )
    if not any(name in table.columns for name in ID_COLUMNS) and (
        table.columns or table.missing_columns
    ):
        header = [e for e in table.errors if e.row == 1]
        header.append(
            RowError(1, "deliverable_id", _("Give a deliverable_id or a post_id column."))
        )
        raise CsvImportError(header)
    rows = [
        MetricRow(
            row=row.row,
            deliverable_id=row.values["deliverable_id"],
            post_id=row.values["post_id"],
            captured_at=row.values["captured_at"],
            values={
                name: value
                for name, value in row.values.items()
                if name not in (*ID_COLUMNS, "captured_at") and value is not None
            },
        )
        for row in table.rows
    ]
    if table.errors:
        raise CsvImportError(table.errors, rows)
    return rows

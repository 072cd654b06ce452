"""Parse a metric-snapshot CSV: bytes in, plain rows out, or every error by row and column.

Pure (no database): `services.kpis.snapshots_import` resolves the deliverables and writes
all rows or none. Header names are case-insensitive; the delimiter may be "," or ";" (many
European spreadsheet exports use semicolons). Row numbers count the header as row 1, as a
spreadsheet shows them. Times without an offset are read in the agency's timezone.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

COUNT_COLUMNS = ("views", "likes", "comments", "shares", "saves", "unique_reach")
PERCENT_COLUMNS = ("completion_25", "completion_50", "completion_75", "completion_100")
ID_COLUMNS = ("deliverable_id", "post_id")
COLUMNS = (*ID_COLUMNS, "captured_at", *COUNT_COLUMNS, "avg_watch_seconds", *PERCENT_COLUMNS)
MAX_COUNT = 10**12


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s, %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "—",
            "message": self.message,
        }


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


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvImportError([RowError(0, "", _("The file is not UTF-8 text."))]) from None


def _parse_time(raw: str, tz: tzinfo) -> datetime:
    value = datetime.fromisoformat(raw.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def parse_metrics_csv(data: bytes, *, tz: tzinfo, max_rows: int) -> list[MetricRow]:
    text = _decode(data)
    if not text.strip():
        raise CsvImportError([RowError(0, "", _("The file is empty."))])
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    errors: list[RowError] = []
    unknown = [h for h in header if h and h not in COLUMNS]
    for name in unknown:
        errors.append(RowError(1, name, _("Unknown column.")))
    if "captured_at" not in header:
        errors.append(RowError(1, "captured_at", _("This column is required.")))
    if "views" not in header:
        errors.append(RowError(1, "views", _("This column is required.")))
    if not any(c in header for c in ID_COLUMNS):
        errors.append(
            RowError(1, "deliverable_id", _("Give a deliverable_id or a post_id column."))
        )
    if len(set(header)) != len(header):
        errors.append(RowError(1, "", _("A column appears twice.")))
    if errors:
        raise CsvImportError(errors)

    rows: list[MetricRow] = []
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= max_rows:
            raise CsvImportError(
                [RowError(number, "", _("More than %(n)s rows.") % {"n": max_rows})]
            )
        if len(cells) != len(header):
            errors.append(
                RowError(
                    number,
                    "",
                    _("Expected %(want)s cells, found %(got)s.")
                    % {"want": len(header), "got": len(cells)},
                )
            )
            continue
        raw = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        row_errors: list[RowError] = []
        deliverable_id = None
        if raw.get("deliverable_id"):
            if raw["deliverable_id"].isascii() and raw["deliverable_id"].isdigit():
                deliverable_id = int(raw["deliverable_id"])
            else:
                row_errors.append(RowError(number, "deliverable_id", _("Not a whole number.")))
        post_id = raw.get("post_id", "")
        if not raw.get("deliverable_id") and not post_id:
            row_errors.append(
                RowError(number, "deliverable_id", _("Give a deliverable_id or a post_id."))
            )
        captured_at = None
        try:
            captured_at = _parse_time(raw.get("captured_at", ""), tz)
        except ValueError:
            row_errors.append(
                RowError(number, "captured_at", _("Not a date and time like 2024-05-01T14:30."))
            )
        values: dict[str, object] = {}
        for name in COUNT_COLUMNS:
            cell = raw.get(name, "")
            if cell == "" and name != "views":
                continue
            if not (cell.isascii() and cell.isdigit()) or int(cell) > MAX_COUNT:
                row_errors.append(RowError(number, name, _("Not a whole number of 0 or more.")))
            else:
                values[name] = int(cell)
        for name in ("avg_watch_seconds", *PERCENT_COLUMNS):
            cell = raw.get(name, "").replace(",", ".")
            if cell == "":
                continue
            try:
                number_value = Decimal(cell) if cell.isascii() else None
            except InvalidOperation:
                number_value = None
            limit = Decimal(100) if name in PERCENT_COLUMNS else Decimal(86400)
            if (
                number_value is None
                or not number_value.is_finite()
                or not (0 <= number_value <= limit)
            ):
                row_errors.append(
                    RowError(
                        number,
                        name,
                        _("Not a number from 0 to %(max)s.") % {"max": limit},
                    )
                )
            else:
                values[name] = number_value.quantize(Decimal("0.01"))
        funnel = [values.get(name, Decimal(0)) for name in PERCENT_COLUMNS]
        if not row_errors and funnel != sorted(funnel, reverse=True):
            row_errors.append(
                RowError(number, "completion_50", _("Completion cannot rise further in."))
            )
        if row_errors:
            errors.extend(row_errors)
            continue
        rows.append(
            MetricRow(
                row=number,
                deliverable_id=deliverable_id,
                post_id=post_id,
                captured_at=captured_at,
                values=values,
            )
        )
    if errors:
        raise CsvImportError(errors, rows)
    if not rows:
        raise CsvImportError([RowError(0, "", _("The file has no data rows."))])
    return rows

"""The reconciliation report per period, as CSV and XLSX, safe to open in a spreadsheet.

CSV goes through the shared formula-safe writer (`agencies/spreadsheets.py`): a text cell
starting with = + - @ tab or CR gets a leading quote. XLSX keeps the text exactly as typed but
stores every text cell as a string with Excel's own "quote prefix" flag, so "=HYPERLINK(…)"
in a creator's name is shown, never evaluated; amounts stay numbers.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from agencies.models import Agency
from agencies.spreadsheets import csv_text

from .commission import breakdowns, commission_rates
from .selectors import reconciliation_report

CHUNK_SIZE = 1000
PERCENT_STEP = Decimal("0.01")

STAFF_COLUMNS = [
    "statement_reference",
    "creator",
    "source",
    "period_start",
    "period_end",
    "currency",
    "platform_amount",
    "received",
    "fees_and_fx",
    "commission_percent",
    "commission_source",
    "commission",
    "due_to_creator",
    "paid_to_creator",
    "bank_transaction_reference",
    "rule",
    "status",
]
# What a creator may see: no rule, no bank references, not where the commission rate came
# from (agency-internal).
CREATOR_COLUMNS = [
    "statement_reference",
    "source",
    "period_start",
    "period_end",
    "currency",
    "platform_amount",
    "received",
    "fees_and_fx",
    "commission",
    "due_to_creator",
    "paid_to_creator",
    "status",
]
MONEY_COLUMNS = frozenset(
    {"platform_amount", "fees_and_fx", "commission", "due_to_creator", "paid_to_creator"}
)


def report_rows(
    agency: Agency,
    *,
    creator=None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> Iterator[dict]:
    """One dict per statement (newest period first), read in chunks so a large agency's
    report never sits in memory whole. Statements overlapping [period_from, period_to]."""
    qs = reconciliation_report(agency=agency, creator=creator)
    if period_from:
        qs = qs.filter(period_end__gte=period_from)
    if period_to:
        qs = qs.filter(period_start__lte=period_to)
    rates = commission_rates(agency)
    chunk = []
    for statement in qs.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(statement)
        if len(chunk) == CHUNK_SIZE:
            yield from _rows(agency, chunk, rates)
            chunk = []
    if chunk:
        yield from _rows(agency, chunk, rates)


def _rows(agency: Agency, statements: list, rates) -> Iterator[dict]:
    for b in breakdowns(agency, statements, rates=rates):
        s = b.statement
        confirmed = s.confirmed_matches
        yield {
            "statement_reference": s.platform_reference,
            "creator": s.creator.display_name,
            "source": s.source,
            "period_start": s.period_start,
            "period_end": s.period_end,
            "currency": s.currency,
            "platform_amount": b.platform_amount,
            "received": "; ".join(f"{v} {k}" for k, v in sorted(b.received.items())),
            "fees_and_fx": b.fees_and_fx,
            # The rate that applied, as a percentage, and whose it is (contract, creator or
            # agency default).
            "commission_percent": (b.commission_rate * 100).quantize(PERCENT_STEP),
            "commission_source": b.commission_source.value,
            "commission": b.commission,
            "due_to_creator": b.due_to_creator,
            "paid_to_creator": b.paid_to_creator,
            "bank_transaction_reference": "; ".join(
                m.transaction.bank_reference or m.transaction.end_to_end_id or str(m.transaction_id)
                for m in confirmed
            ),
            "rule": "; ".join(sorted({m.rule for m in confirmed})),
            "status": s.status,
        }


def table(rows: Iterable[dict], columns: list[str]) -> Iterator[list]:
    """The rows as lists in the order of `columns`."""
    for row in rows:
        yield [row[c] for c in columns]


def to_csv(rows: Iterable[dict], columns: list[str]) -> str:
    """The whole report as CSV text (for files written by the management command)."""
    return csv_text(columns, table(rows, columns))


def xlsx_text(value: object) -> str:
    """Text as an XLSX cell can hold it: XML 1.0 forbids most control characters, which
    openpyxl refuses rather than drops."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def to_xlsx(rows: Iterable[dict], columns: list[str]) -> bytes:
    """The report as an XLSX workbook. Text cells are typed as strings with the quote
    prefix set, so no cell can turn into a formula; money cells are numbers."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Reconciliation")

    def cell(value: object):
        if isinstance(value, bool) or value is None:
            value = "" if value is None else str(value).lower()
        if isinstance(value, Decimal | int | float):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = "#,##0.00"
            return c
        if isinstance(value, dt.date):
            c = WriteOnlyCell(ws, value=value)
            c.number_format = "yyyy-mm-dd"
            return c
        c = WriteOnlyCell(ws, value=xlsx_text(value))
        # openpyxl makes any text starting with "=" a formula; force a plain string.
        c.data_type = "s"
        c.quotePrefix = True
        return c

    ws.append([cell(name) for name in columns])
    for values in table(rows, columns):
        ws.append([cell(v) for v in values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

"""The reconciliation report per period, as CSV and XLSX, safe to open in a spreadsheet.

CSV goes through the shared formula-safe writer (`core/spreadsheets.py`): a text cell
starting with = + - @ tab or CR gets a leading quote. XLSX keeps the text exactly as typed but
stores every text cell as a string with Excel's own "quote prefix" flag, so "=HYPERLINK(…)"
in a creator's name is shown, never evaluated; amounts stay numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.http import HttpResponse
from django.http.response import HttpResponseBase

from agencies.models import Agency
from core.downloads import private_download
from core.spreadsheets import csv_streaming_response, csv_text
from core.xlsx import XLSX_TYPE, workbook_bytes

from .commission import commission_terms
from .selectors import StatementTrail, TrailDeposit, reconciliation_report, statement_trails

CHUNK_SIZE = 1000
PERCENT_STEP = Decimal("0.01")

# One row per statement and currency the money arrived in (one row while nothing arrived):
# the trail of the statement page, left to right.
TRAIL_COLUMNS = [
    "statement_reference",
    "source",
    "period_start",
    "period_end",
    "status",
    "platform_amount",
    "platform_currency",
    "settled",
    "deposits",
    "fx_rates",
    "reversed_deposits",
    "still_expected_from_platform",
    "currency",
    "received",
    "costs",
    "costs_borne_by",
    "commission_basis",
    "commission",
    "due_to_creator",
    "paid_to_creator",
    "still_to_pay",
    "expected_commission",
    "expected_to_creator",
]
STAFF_COLUMNS = [
    *TRAIL_COLUMNS[:1],
    "creator",
    *TRAIL_COLUMNS[1:-6],
    "commission_percent",
    "commission_source",
    *TRAIL_COLUMNS[-6:],
    "bank_transaction_reference",
    "rule",
]
# What a creator may see: the trail, without the rule, the bank transaction column or where
# the commission rate came from (agency-internal).
CREATOR_COLUMNS = TRAIL_COLUMNS
MONEY_COLUMNS = frozenset(
    {
        "platform_amount",
        "still_expected_from_platform",
        "received",
        "costs",
        "commission",
        "due_to_creator",
        "paid_to_creator",
        "still_to_pay",
        "expected_commission",
        "expected_to_creator",
    }
)


def report_rows(
    agency: Agency,
    *,
    creator=None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> Iterator[dict]:
    """The trail rows of each statement (newest period first), read in chunks so a large
    agency's report never sits in memory whole. Statements overlapping [period_from,
    period_to]."""
    qs = reconciliation_report(agency=agency, creator=creator)
    if period_from:
        qs = qs.filter(period_end__gte=period_from)
    if period_to:
        qs = qs.filter(period_start__lte=period_to)
    terms = commission_terms(agency)
    chunk = []
    for statement in qs.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(statement)
        if len(chunk) == CHUNK_SIZE:
            yield from _rows(agency, chunk, terms)
            chunk = []
    if chunk:
        yield from _rows(agency, chunk, terms)


def _deposit_text(d: TrailDeposit) -> str:
    text = f"{d.booking_date.isoformat()} {d.bank_reference} {d.amount} {d.currency}"
    return " ".join(text.split())


def _return_text(d: TrailDeposit) -> str:
    when = f" {d.returned_on.isoformat()}" if d.returned_on else ""
    return f"{_deposit_text(d)} returned{when}"


def _rate_text(d: TrailDeposit, base: str) -> str:
    text = f"1 {base} = {d.implied_rate} {d.currency}"
    return f"{text} (reference {d.reference_rate})" if d.reference_rate else text


def _trail_rows(trail: StatementTrail) -> Iterator[dict]:
    s, b = trail.statement, trail.breakdown
    common = {
        "statement_reference": s.platform_reference,
        "creator": s.creator.display_name,
        "source": s.source,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "status": s.status,
        "platform_amount": b.platform_amount,
        "platform_currency": s.currency,
        "settled": "yes" if b.settled else "no",
        "deposits": "; ".join(_deposit_text(d) for d in trail.deposits),
        "fx_rates": "; ".join(_rate_text(d, s.currency) for d in trail.deposits if d.is_fx),
        "reversed_deposits": "; ".join(_return_text(d) for d in trail.reversed_deposits),
        "still_expected_from_platform": trail.still_expected,
        "costs_borne_by": b.costs_borne_by,
        "commission_basis": b.basis,
        # The rate that applied, as a percentage, and whose it is (contract, creator or
        # agency default).
        "commission_percent": (b.commission_rate * 100).quantize(PERCENT_STEP),
        "commission_source": b.commission_source.value,
        "expected_commission": b.expected.commission if b.expected else None,
        "expected_to_creator": b.expected.to_creator if b.expected else None,
        "bank_transaction_reference": "; ".join(d.bank_reference for d in trail.deposits),
        "rule": "; ".join(sorted({d.rule for d in trail.deposits})),
    }
    empty = dict.fromkeys(
        ["currency", "received", "costs", "commission", "due_to_creator", "paid_to_creator"]
    )
    for n in b.nets or [None]:
        if n is None:
            yield {**common, **empty, "still_to_pay": None}
            continue
        yield {
            **common,
            "currency": n.currency,
            "received": n.received,
            "costs": n.costs,
            "commission": n.commission,
            "due_to_creator": n.due,
            "paid_to_creator": n.paid,
            "still_to_pay": n.to_pay,
        }


def _rows(agency: Agency, statements: list, terms) -> Iterator[dict]:
    for trail in statement_trails(agency=agency, statements=statements, terms=terms):
        yield from _trail_rows(trail)


def table(rows: Iterable[dict], columns: list[str]) -> Iterator[list]:
    """The rows as lists in the order of `columns`."""
    for row in rows:
        yield [row[c] for c in columns]


def to_csv(rows: Iterable[dict], columns: list[str]) -> str:
    """The whole report as CSV text (for files written by the management command)."""
    return csv_text(columns, table(rows, columns))


def to_xlsx(rows: Iterable[dict], columns: list[str]) -> bytes:
    """The report as a formula-safe XLSX workbook (core.xlsx); money cells are numbers."""
    return workbook_bytes("Reconciliation", columns, table(rows, columns))


EXPORT_FORMATS = ("csv", "xlsx")


def export_response(
    agency: Agency,
    fmt: str,
    *,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> HttpResponseBase:
    """The staff reconciliation report of `agency` as a download (the export page and the
    API both answer with it): CSV streamed while the rows are read, XLSX built in memory;
    both formula-safe and never cached."""
    rows = report_rows(agency, period_from=period_from, period_to=period_to)
    filename = f"reconciliation-{agency.slug}.{fmt}"
    if fmt == "csv":
        return csv_streaming_response(filename, STAFF_COLUMNS, table(rows, STAFF_COLUMNS))
    if fmt != "xlsx":
        raise ValueError(f"no export format {fmt!r}")
    response = HttpResponse(to_xlsx(rows, STAFF_COLUMNS), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return private_download(response)

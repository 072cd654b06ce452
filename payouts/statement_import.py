"""Import payout statements from a CSV file: map by header, validate every row, all or nothing.

Columns (header names, any order, case-insensitive; extra columns are ignored):
platform_reference, creator_handle, source, period_start, period_end, currency,
estimated_amount, settled_amount, status, settled_date, and optionally contract. Dates are
YYYY-MM-DD; amounts use a dot or comma as decimal separator; settled_amount and settled_date
may be empty while the statement is estimated. `contract` names the contract by the code of
a campaign run under it (e.g. SPRING-24, the tag staff already put on payout lines); empty
means no contract, and leaving the column out keeps a statement's contract as it is. A row
whose (source, platform_reference) already exists with the same values is left alone, so
importing the same file twice adds nothing; a changed row updates the statement through the
lifecycle rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from agencies.models import CURRENCY_CHOICES, Agency
from campaigns.models import Campaign, Contract
from creators.models import SocialAccount

from .models import SETTLED_STATUSES, PayoutSource, PayoutStatement, StatementStatus
from .money import parse_amount
from .services import STATEMENT_FIELDS, check_transition, statement_create, statement_update

COLUMNS = [
    "platform_reference",
    "creator_handle",
    "source",
    "period_start",
    "period_end",
    "currency",
    "estimated_amount",
    "settled_amount",
    "status",
    "settled_date",
]
# Optional: the code of a campaign linked to the contract the payout was earned under.
CONTRACT_COLUMN = "contract"
REQUIRED = set(COLUMNS) - {"settled_amount", "settled_date"}
CURRENCIES = {code for code, _label in CURRENCY_CHOICES}


@dataclass
class RowError:
    row: int  # 1-based line number in the file, the header is line 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("Line %(row)s, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column or "-",
            "message": self.message,
        }


class StatementImportError(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


@dataclass
class StatementImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    statements: list[PayoutStatement] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if len(data) > settings.CSV_IMPORT_MAX_BYTES:
        raise StatementImportError(
            [RowError(0, "", _("The file is larger than the import limit."))]
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementImportError([RowError(0, "", _("The file is not UTF-8 text."))])


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def _parse_rows(agency: Agency, text: str) -> list[tuple[int, dict]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise StatementImportError([RowError(1, "", _("The file is empty."))]) from None
    header = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in COLUMNS if c not in header and c in REQUIRED]
    if missing:
        raise StatementImportError(
            [RowError(1, c, _("This required column is missing.")) for c in missing]
        )
    index = {name: header.index(name) for name in [*COLUMNS, CONTRACT_COLUMN] if name in header}
    contracts = _contracts_by_campaign_code(agency) if CONTRACT_COLUMN in index else None
    handles = {
        h.lower(): creator_id
        for h, creator_id in SocialAccount.objects.for_agency(agency)
        .annotate(h=Lower("handle"))
        .values_list("h", "creator_id")
    }
    errors: list[RowError] = []
    rows: list[tuple[int, dict]] = []
    seen: dict[tuple[str, str], int] = {}
    try:
        for line_no, raw in enumerate(reader, start=2):
            if len(rows) + len(errors) > settings.CSV_IMPORT_MAX_ROWS:
                raise StatementImportError(
                    [RowError(line_no, "", _("The file has too many rows."))]
                )
            if not any(cell.strip() for cell in raw):
                continue
            cells = {name: (raw[i].strip() if i < len(raw) else "") for name, i in index.items()}
            row, row_errors = _parse_row(line_no, cells, handles)
            if contracts is not None and not row_errors:
                code = cells[CONTRACT_COLUMN].upper()
                row["contract_id"] = contracts.get(code) if code else None
                if code and row["contract_id"] is None:
                    row_errors.append(
                        RowError(
                            line_no,
                            CONTRACT_COLUMN,
                            _("No campaign of this agency with this code is linked to a contract."),
                        )
                    )
            errors.extend(row_errors)
            if not row_errors:
                key = (row["source"], row["platform_reference"])
                if key in seen:
                    errors.append(
                        RowError(
                            line_no,
                            "platform_reference",
                            _("Duplicate of line %(line)s.") % {"line": seen[key]},
                        )
                    )
                seen[key] = line_no
                rows.append((line_no, row))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", _("Unreadable CSV: %(e)s") % {"e": exc}))
    if errors:
        raise StatementImportError(errors)
    return rows


def _contracts_by_campaign_code(agency: Agency) -> dict[str, int]:
    """{campaign code: contract id} for the agency's campaigns that run under a contract."""
    return dict(
        Campaign.objects.for_agency(agency)
        .filter(contract__isnull=False)
        .values_list("code", "contract_id")
    )


def _parse_row(line_no: int, cells: dict, handles: dict) -> tuple[dict, list[RowError]]:
    errors: list[RowError] = []
    row: dict = {}

    def err(column: str, message: str) -> None:
        errors.append(RowError(line_no, column, message))

    for name in REQUIRED:
        if not cells.get(name):
            err(name, _("This value is required."))
    if errors:
        return row, errors
    row["platform_reference"] = cells["platform_reference"][:80]
    creator_id = handles.get(cells["creator_handle"].lstrip("@").lower())
    if creator_id is None:
        err("creator_handle", _("No creator in this agency has this handle."))
    row["creator_id"] = creator_id
    if cells["source"] not in PayoutSource.values:
        err("source", _("Use one of: %(v)s.") % {"v": ", ".join(PayoutSource.values)})
    row["source"] = cells["source"]
    if (
        cells["status"] not in StatementStatus.values
        or cells["status"] == StatementStatus.RECONCILED
    ):
        allowed = [s for s in StatementStatus.values if s != StatementStatus.RECONCILED]
        err("status", _("Use one of: %(v)s.") % {"v": ", ".join(allowed)})
    row["status"] = cells["status"]
    currency = cells["currency"].upper()
    if currency not in CURRENCIES:
        err("currency", _("Unknown or unsupported currency."))
    row["currency"] = currency
    for name in ("period_start", "period_end", "settled_date"):
        value = cells.get(name, "")
        try:
            row[name] = _date(value) if value else None
        except ValueError:
            err(name, _("Use a date like 2025-01-31."))
    for name in ("estimated_amount", "settled_amount"):
        value = cells.get(name, "")
        try:
            row[name] = (
                parse_amount(value, currency if currency in CURRENCIES else "EUR")
                if value
                else None
            )
            if row[name] is not None and row[name] < 0:
                err(name, _("Amounts cannot be negative."))
            if row[name] is not None and abs(row[name]) >= 10**12:
                err(name, _("This amount is too large."))
        except ValueError:
            err(name, _("Not an amount with at most two decimals."))
    start, end = row.get("period_start"), row.get("period_end")
    if start and end and start > end:
        err("period_end", _("The period must end on or after its start."))
    if row["status"] in SETTLED_STATUSES:
        for name in ("settled_amount", "settled_date"):
            if row.get(name) is None and not any(e.column == name for e in errors):
                err(name, _("A settled statement needs this value."))
    return row, errors


def _values(row: dict) -> dict:
    data = {k: row[k] for k in STATEMENT_FIELDS if k not in ("creator", "contract")}
    data["creator_id"] = row["creator_id"]
    if "contract_id" in row:  # only when the file has the contract column
        data["contract_id"] = row["contract_id"]
    return data


def _current(statement: PayoutStatement, name: str):
    # Related rows compare by id: loading each statement's contract would cost a query a row.
    return (
        getattr(statement, f"{name}_id")
        if name in ("creator", "contract")
        else getattr(statement, name)
    )


def _current_value(name: str, value):
    if name in ("creator", "contract"):
        return value.pk if value is not None else None
    return value


@transaction.atomic
def statement_import(*, agency: Agency, actor, data: bytes) -> StatementImportResult:
    """Create or update payout statements from CSV bytes; nothing is written on any error.

    Raises StatementImportError listing every problem with its line and column.
    """
    rows = _parse_rows(agency, _decode(data))
    existing = {
        (s.source, s.platform_reference): s
        for s in PayoutStatement.objects.for_agency(agency)
        .select_for_update()
        .filter(platform_reference__in=[r["platform_reference"] for _n, r in rows])
        .order_by("pk")
    }
    from creators.models import Creator

    creators = {c.pk: c for c in Creator.objects.for_agency(agency)}
    contract_ids = {r["contract_id"] for _n, r in rows if r.get("contract_id")}
    contracts = {c.pk: c for c in Contract.objects.for_agency(agency).filter(pk__in=contract_ids)}
    result = StatementImportResult()
    errors: list[RowError] = []
    for line_no, row in rows:
        values = _values(row)
        creator = creators[values.pop("creator_id")]
        if "contract_id" in values:
            contract_id = values.pop("contract_id")
            values["contract"] = contracts[contract_id] if contract_id else None
        current = existing.get((row["source"], row["platform_reference"]))
        try:
            with transaction.atomic():
                if current is None:
                    statement = statement_create(
                        agency=agency, actor=actor, data={**values, "creator": creator}
                    )
                    result.created += 1
                else:
                    changes = {
                        k: v
                        for k, v in {**values, "creator": creator}.items()
                        if _current(current, k) != _current_value(k, v)
                    }
                    if not changes:
                        result.unchanged += 1
                        continue
                    check_transition(current.status, changes.get("status", current.status))
                    statement = statement_update(statement=current, actor=actor, changes=changes)
                    result.updated += 1
                result.statements.append(statement)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                for message in messages:
                    errors.append(RowError(line_no, "" if column == "__all__" else column, message))
    if errors:
        raise StatementImportError(errors)
    return result

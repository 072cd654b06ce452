"""Import payout statements from a CSV file: map by header, validate every row, all or nothing.

Columns (header names, any order, case-insensitive; extra columns are ignored):
platform_reference, creator_handle, source, period_start, period_end, currency,
estimated_amount, settled_amount, status, settled_date, and optionally contract. Dates are
YYYY-MM-DD; amounts use a dot or comma as decimal separator; settled_amount and settled_date
may be empty while the statement is estimated. `contract` names the contract by the code of
a campaign run under it (e.g. SPRING-24, the tag staff already put on payout lines); empty
means no contract, and leaving the column out keeps a statement's contract as it is.

Set-based, so a month of a large roster imports at bank speed: every row is parsed and
checked in memory, creators, contracts and the statements already stored are loaded with a
few queries for the whole file, and the result is written with bulk statements; the number
of queries does not grow with the rows.

Idempotent across the month. A row whose (source, platform_reference) is stored with the same
values is "unchanged", whatever the statement went through here since: the file's status is
what the platform said, so a statement that moved on (matched and reconciled, paid by the
platform, put on hold, disputed or adjusted by staff) is not moved back by a file that says
nothing new. A real change updates the statement along the lifecycle; a real change to a
statement that money is already matched to is refused, naming the row and the column.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import CURRENCY_CHOICES, Agency
from campaigns.models import Campaign, Contract
from core.csv_import import CellError, Column, CsvTable, read_csv
from creators.models import Creator, SocialAccount
from moderation.auditing import audit_bulk, audit_entry
from moderation.bulk import bulk_insert, bulk_set

from .models import SETTLED_STATUSES, PayoutSource, PayoutStatement, StatementStatus
from .money import minor_exponent, parse_amount
from .services import STATEMENT_FIELDS, check_transition
from .statement_columns import COLUMNS, CONTRACT_COLUMN

REQUIRED = set(COLUMNS) - {"settled_amount", "settled_date"}
CURRENCIES = {code for code, _label in CURRENCY_CHOICES}
# Looked up once: an enum's `values` is rebuilt (labels and all) on every access.
SOURCES = frozenset(PayoutSource.values)
STATUSES = frozenset(StatementStatus.values) - {StatementStatus.RECONCILED}
# Values per IN list: within SQLite's 32,766 variables (PostgreSQL allows 65,535).
IN_CHUNK = 5_000
# ASCII digits with optional thousands/decimal separators: Decimal() alone would also take
# "1e3", "1_000" or Arabic-Indic digits, which no statement means.
_AMOUNT_RE = re.compile(r"-?[0-9][0-9.,]*", re.ASCII)
# The platform's own lifecycle; a status further along it was reached here since the file.
_MAIN_LINE = {
    StatementStatus.ESTIMATED: 0,
    StatementStatus.SETTLED: 1,
    StatementStatus.PAID_BY_PLATFORM: 2,
    StatementStatus.RECONCILED: 3,
}
# States staff reach here (holds, disputes, adjustments; reconciled by matching).
_LOCAL_STATES = frozenset(
    {
        StatementStatus.ON_HOLD,
        StatementStatus.DISPUTED,
        StatementStatus.ADJUSTED,
        StatementStatus.RECONCILED,
    }
)
# The statement attribute each compared value lives in, and the file column that names it.
_COMPARED = {
    "creator_id": "creator_handle",
    "period_start": "period_start",
    "period_end": "period_end",
    "currency": "currency",
    "estimated_amount": "estimated_amount",
    "settled_amount": "settled_amount",
    "settled_date": "settled_date",
    "contract_id": CONTRACT_COLUMN,
}
_UPDATED_FIELDS = [*_COMPARED, "status", "updated_at"]


class RowError(CellError):
    """A problem on a line of the file (1-based, the header is line 1; 0 for the file)."""

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

    def summary(self) -> str:
        return _("%(c)s created, %(u)s updated, %(n)s unchanged.") % {
            "c": self.created,
            "u": self.updated,
            "n": self.unchanged,
        }


# --- Reading a CSV file (shared with the lines import) -----------------------------------------


def read_statement_csv(data: bytes, columns: Sequence[Column], **options: Any) -> CsvTable:
    """A statement or lines file read by `core.csv_import` with this app's limits
    (STATEMENT_IMPORT_MAX_BYTES / _ROWS: a month of a large roster) and encodings (UTF-8 or
    UTF-16; cp1252 from older spreadsheet exports); a header without rows imports nothing."""
    return read_csv(
        data,
        columns,
        max_bytes=settings.STATEMENT_IMPORT_MAX_BYTES,
        max_rows=settings.STATEMENT_IMPORT_MAX_ROWS,
        legacy_encoding="cp1252",
        allow_no_rows=True,
        **options,
    )


def line_errors(table: CsvTable) -> list[RowError]:
    return [RowError(e.row, e.column, e.message) for e in table.errors]


def parse_money(text: str, currency: str, *, negative: bool = False) -> Decimal:
    """An amount cell in `currency`: ASCII digits, a dot or comma for decimals and thousands,
    at most the currency's decimals, below 10^12. Raises ValueError with the reason."""
    raw = text.replace(" ", "").replace("\u00a0", "")
    value = None
    if _AMOUNT_RE.fullmatch(raw):
        with contextlib.suppress(ValueError):
            value = parse_amount(raw, currency)
    if value is None:
        places = minor_exponent(currency)
        if places == 2:
            raise ValueError(_("Not an amount with at most two decimals."))
        raise ValueError(
            _("Not an amount in %(currency)s, which has %(places)s decimals.")
            % {"currency": currency, "places": places}
        )
    if value < 0 and not negative:
        raise ValueError(_("Amounts cannot be negative."))
    if abs(value) >= 10**12:
        raise ValueError(_("This amount is too large."))
    return value


def chunks(items: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- Parsing the statement rows (no database) --------------------------------------------------


def _one_of(allowed: frozenset[str], shown: list[str]):
    def parse(text: str) -> str:
        value = text.strip()
        if value not in allowed:
            raise ValueError(_("Use one of: %(v)s.") % {"v": ", ".join(shown)})
        return value

    return parse


def _currency(text: str) -> str:
    value = text.strip().upper()
    if value not in CURRENCIES:
        raise ValueError(_("Unknown or unsupported currency."))
    return value


def _date(text: str) -> dt.date | None:
    value = text.strip()
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise ValueError(_("Use a date like 2025-01-31.")) from None


def _creator(handles: dict[str, int]):
    def parse(text: str) -> int:
        creator_id = handles.get(text.strip().lstrip("@").lower())
        if creator_id is None:
            raise ValueError(_("No creator in this agency has this handle."))
        return creator_id

    return parse


def _statement_columns(handles: dict[str, int]) -> list[Column]:
    required = _("This value is required.")
    parsers = {
        "platform_reference": lambda text: text.strip()[:80],
        "creator_handle": _creator(handles),
        "source": _one_of(SOURCES, PayoutSource.values),
        "status": _one_of(STATUSES, [s for s in StatementStatus.values if s in STATUSES]),
        "currency": _currency,
        "period_start": _date,
        "period_end": _date,
        "settled_date": _date,
        "estimated_amount": None,  # read in the row's currency by _amounts_and_periods
        "settled_amount": None,
    }
    return [
        *(
            Column(
                name,
                required=name in REQUIRED,
                parse=parsers[name],
                blank_error=required if name in REQUIRED else None,
            )
            for name in COLUMNS
        ),
        Column(CONTRACT_COLUMN),
    ]


def _amounts_and_periods(values: dict[str, Any]):
    """The rules across a statement's cells; sets the amounts, read in its currency."""
    currency = values.get("currency", "EUR")
    for name in ("estimated_amount", "settled_amount"):
        if name in values:
            text, values[name] = values[name], None
            try:
                values[name] = parse_money(text, currency) if text else None
            except ValueError as exc:
                del values[name]
                yield name, str(exc)
    start, end = values.get("period_start"), values.get("period_end")
    if start and end and start > end:
        yield "period_end", _("The period must end on or after its start.")
    if values.get("status") in SETTLED_STATUSES:
        for name in ("settled_amount", "settled_date"):
            if name in values and values[name] is None:
                yield name, _("A settled statement needs this value.")


def _handles(agency: Agency) -> dict[str, int]:
    """{lower-case handle: creator id} over the agency's social accounts (one query)."""
    return dict(
        SocialAccount.objects.for_agency(agency)
        .annotate(h=Lower("handle"))
        .values_list("h", "creator_id")
    )


def _contracts_by_campaign_code(agency: Agency) -> dict[str, int]:
    """{campaign code: contract id} for the agency's campaigns that run under a contract."""
    return dict(
        Campaign.objects.for_agency(agency)
        .filter(contract__isnull=False)
        .values_list("code", "contract_id")
    )


def _parse_rows(
    agency: Agency, data: bytes
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The file's rows parsed and checked against the agency's handles and campaign codes
    (a row has `contract_id` only when the file has the contract column), and every problem
    found."""
    handles = _handles(agency)
    table = read_statement_csv(data, _statement_columns(handles), check=_amounts_and_periods)
    has_contract = CONTRACT_COLUMN in table.columns
    contracts = _contracts_by_campaign_code(agency) if has_contract and table.rows else {}
    errors = line_errors(table)
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}
    for parsed in table.rows:
        line_no, row, row_errors = parsed.row, dict(parsed.values), []
        row["creator_id"] = row.pop("creator_handle")
        code = row.pop(CONTRACT_COLUMN).upper()
        if has_contract:
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
            else:
                seen[key] = line_no
                rows.append((line_no, row))
    return rows, errors


# --- Deciding what each row does (no database) ---------------------------------------------------


def _status_is_news(stored: str, incoming: str) -> bool:
    """Whether the file's status tells the statement something new. The import never moves a
    statement back along the platform's lifecycle, nor out of a state reached here (reconciled
    by matching; a hold, dispute or adjustment) into a status on the platform's line."""
    if stored == incoming:
        return False
    if stored in _MAIN_LINE and incoming in _MAIN_LINE:
        return _MAIN_LINE[incoming] > _MAIN_LINE[stored]
    return not (stored in _LOCAL_STATES and incoming in _MAIN_LINE)


def _changes(row: dict[str, Any], current: PayoutStatement) -> dict[str, Any]:
    """{attribute: new value} for what the row changes on the stored statement."""
    changes = {
        name: row[name] for name in _COMPARED if name in row and getattr(current, name) != row[name]
    }
    if _status_is_news(current.status, row["status"]):
        changes["status"] = row["status"]
    return changes


def _update_errors(
    line_no: int, current: PayoutStatement, changes: dict[str, Any]
) -> list[RowError]:
    """Why the row cannot change the stored statement, checked as `statement_update` would."""
    if current.allocated_amount > 0 or current.status == StatementStatus.RECONCILED:
        return [
            RowError(line_no, _COMPARED.get(name, name), _refusal(current, name, value))
            for name, value in changes.items()
        ]
    status = changes.get("status", current.status)
    try:
        check_transition(current.status, status)
    except ValidationError as exc:
        return [RowError(line_no, "status", exc.message_dict["status"][0])]
    settled = changes.get("settled_amount", current.settled_amount)
    date = changes.get("settled_date", current.settled_date)
    if status in SETTLED_STATUSES and (settled is None or date is None):
        column = "settled_amount" if settled is None else "settled_date"
        return [RowError(line_no, column, _("A settled statement needs this value."))]
    return []


def _refusal(current: PayoutStatement, name: str, value: Any) -> str:
    if name in ("creator_id", "contract_id"):
        return _(
            "Money is already matched to this statement, so the file cannot change its %(column)s."
        ) % {"column": _COMPARED[name]}
    return _(
        "Money is already matched to this statement, so the file cannot change its %(column)s "
        "(stored: %(old)s, in the file: %(new)s)."
    ) % {
        "column": _COMPARED.get(name, name),
        "old": _shown(name, getattr(current, name)),
        "new": _shown(name, value),
    }


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "-"
    return str(StatementStatus(value).label) if name == "status" else str(value)


def _contract_errors(agency: Agency, rows: list[tuple[int, dict[str, Any]]]) -> list[RowError]:
    """A statement's contract must include its creator, or its commission rate would apply
    to someone it was never agreed with (the check `statement_create` makes)."""
    included = set(
        Contract.creators.through.objects.filter(
            contract__agency=agency, contract_id__in={row["contract_id"] for _n, row in rows}
        ).values_list("contract_id", "creator_id")
    )
    bad = [
        (line_no, row)
        for line_no, row in rows
        if (row["contract_id"], row["creator_id"]) not in included
    ]
    if not bad:
        return []
    titles = dict(
        Contract.objects.for_agency(agency)
        .filter(pk__in={row["contract_id"] for _n, row in bad})
        .values_list("pk", "title")
    )
    names = dict(
        Creator.objects.for_agency(agency)
        .filter(pk__in={row["creator_id"] for _n, row in bad})
        .values_list("pk", "display_name")
    )
    return [
        RowError(
            line_no,
            CONTRACT_COLUMN,
            _("The contract “%(contract)s” does not include %(creator)s.")
            % {"contract": titles[row["contract_id"]], "creator": names[row["creator_id"]]},
        )
        for line_no, row in bad
    ]


# --- The service -----------------------------------------------------------------------------


def _stored(agency: Agency, rows, *, lock: bool = False) -> dict[tuple[str, str], PayoutStatement]:
    """The agency's statements with the file's references, by (source, reference); locked
    (in primary key order) when `lock`."""
    refs = sorted({row["platform_reference"] for _n, row in rows})
    stored: dict[tuple[str, str], PayoutStatement] = {}
    for chunk in chunks(refs):
        queryset = PayoutStatement.objects.for_agency(agency).filter(platform_reference__in=chunk)
        if lock:
            queryset = queryset.select_for_update().order_by("pk")
        for statement in queryset.only(
            "pk", "source", "platform_reference", "status", "allocated_amount", *_COMPARED
        ):
            stored[(statement.source, statement.platform_reference)] = statement
    return stored


def _plan(
    rows: list[tuple[int, dict[str, Any]]], stored: dict[tuple[str, str], PayoutStatement]
) -> tuple[list, list, int, list[RowError]]:
    """(rows to create, (line, statement, changes) to update, unchanged count, errors)."""
    new, updates, unchanged, errors = [], [], 0, []
    for line_no, row in rows:
        current = stored.get((row["source"], row["platform_reference"]))
        if current is None:
            new.append((line_no, row))
            continue
        changes = _changes(row, current)
        if not changes:
            unchanged += 1
            continue
        row_errors = _update_errors(line_no, current, changes)
        errors.extend(row_errors)
        if not row_errors:
            updates.append((line_no, current, changes))
    return new, updates, unchanged, errors


@transaction.atomic
def statement_import(*, agency: Agency, actor, data: bytes) -> StatementImportResult:
    """Create or update payout statements from CSV bytes; nothing is written on any error.

    Raises StatementImportError listing every problem with its line and column. Locks the
    stored statements a row changes (primary key order) and checks them again under the
    lock, so a reconciliation allocating to one meanwhile is never overwritten. Audited: one
    entry per statement created or changed and one for the import with its counts.
    """
    rows, errors = _parse_rows(agency, data)
    new, updates, unchanged, plan_errors = _plan(rows, _stored(agency, rows))
    errors += plan_errors
    if updates and not errors:
        # Planned again under the row locks: a run may have allocated to one since.
        keys = {(s.source, s.platform_reference) for _n, s, _c in updates}
        changing = [(n, r) for n, r in rows if (r["source"], r["platform_reference"]) in keys]
        gone, updates, more, errors = _plan(changing, _stored(agency, changing, lock=True))
        new += gone
        unchanged += more
    with_contract = [(n, r) for n, r in new if r.get("contract_id")] + [
        (n, {"creator_id": s.creator_id, "contract_id": s.contract_id, **c})
        for n, s, c in updates
        if ("contract_id" in c or "creator_id" in c)
    ]
    with_contract = [(n, r) for n, r in with_contract if r.get("contract_id")]
    if with_contract:
        errors += _contract_errors(agency, with_contract)
    if errors:
        raise StatementImportError(sorted(errors, key=lambda e: e.row))
    try:
        with transaction.atomic():
            result = _write(agency, actor, new, updates, unchanged)
    except IntegrityError as exc:
        raise StatementImportError(
            [RowError(0, "", _("The statements changed while the file was imported; try again."))]
        ) from exc
    return result


# What `agencies.audit.snapshot(statement, STATEMENT_FIELDS)` reads, without looking each
# field up again for every one of 100,000 statements (`audit_entry` makes it JSON).
_ATTNAMES = {name: PayoutStatement._meta.get_field(name).attname for name in STATEMENT_FIELDS}


def _snapshot(statement: PayoutStatement) -> dict[str, Any]:
    return {name: getattr(statement, attname) for name, attname in _ATTNAMES.items()}


def _write(
    agency: Agency, actor, new: list, updates: list, unchanged: int
) -> StatementImportResult:
    now = timezone.now()
    created = [
        PayoutStatement(agency=agency, created_at=now, updated_at=now, **row) for _n, row in new
    ]
    bulk_insert(created)
    # `str(statement)` looks the source's label up through the choices each time: once here.
    labels = {value: str(label) for value, label in PayoutSource.choices}
    entries = [
        audit_entry(
            agency_id=agency.pk,
            actor=actor,
            action="payout_statement.create",
            obj=statement,
            object_repr=f"{statement.platform_reference} ({labels[statement.source]})",
            after=_snapshot(statement),
        )
        for statement in created
    ]
    changed = []
    for _n, statement, changes in updates:
        before = _snapshot(statement)
        for name, value in changes.items():
            setattr(statement, name, value)
        statement.updated_at = now
        changed.append(statement)
        entries.append(
            audit_entry(
                agency_id=agency.pk,
                actor=actor,
                action="payout_statement.update",
                obj=statement,
                object_repr=f"{statement.platform_reference} ({labels[statement.source]})",
                before=before,
                after=_snapshot(statement),
            )
        )
    bulk_set(changed, _UPDATED_FIELDS)
    audit_bulk(entries)
    result = StatementImportResult(
        created=len(created),
        updated=len(changed),
        unchanged=unchanged,
        statements=created + changed,
    )
    audit_record(
        agency=agency,
        actor=actor,
        action="payout_statement.import",
        after={
            "rows": len(new) + len(updates) + unchanged,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result

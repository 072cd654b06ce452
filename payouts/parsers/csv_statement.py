"""Bank CSV exports, read through a column mapping saved per bank account.

Every bank names its columns differently, so a ColumnMapping says which header holds what:
the booking date, the amount (one signed column, or separate credit and debit columns, or
an unsigned amount plus a credit/debit mark column such as ING's "Af Bij"), the currency (a
column, or one fixed currency), and the descriptive columns. Errors name the line and the
column: "Line 7, column 'Bedrag': invalid amount '12,3,4'".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import StatementParseError, StatementWarning
from .errors import gettext_noop as _
from .fields import clean, iban_or_none, is_currency, reference
from .records import CREDIT, DEBIT, StatementRecord, TransactionRecord

FORMAT = "csv"

DEFAULT_CREDIT_MARKS = ("C", "CR", "CRDT", "CREDIT", "BIJ", "H", "+")
DEFAULT_DEBIT_MARKS = ("D", "DR", "DBIT", "DEBIT", "AF", "S", "-")


@dataclass(frozen=True)
class ColumnMapping:
    """Which CSV header holds which field. Saved per bank account (see to_dict/from_dict)."""

    booking_date: str
    amount: str | None = None  # signed, unless `direction` names a credit/debit column
    credit: str | None = None  # or: separate credit and debit columns
    debit: str | None = None
    direction: str | None = None  # a column with a credit/debit mark (C/D, Bij/Af, H/S)
    value_date: str | None = None
    currency: str | None = None  # a column …
    fixed_currency: str | None = None  # … or one currency for the whole file
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    remittance_info: tuple[str, ...] = ()  # joined with spaces (Rabobank has three)
    end_to_end_id: str | None = None
    bank_reference: str | None = None
    transaction_code: str | None = None  # a bank's own code column (ING "Code", "Mutatiesoort")
    account: str | None = None  # the own account, when one export covers several
    date_format: str = "%Y-%m-%d"
    decimal_separator: str = "."
    delimiter: str = ","
    skip_lines: int = 0  # lines above the header (bank name, export date …)
    encoding: str | None = None
    credit_marks: tuple[str, ...] = DEFAULT_CREDIT_MARKS
    debit_marks: tuple[str, ...] = DEFAULT_DEBIT_MARKS

    def problems(self) -> list[str]:
        """What is wrong with the mapping itself (for the form that edits it)."""
        found = []
        has_amount = self.amount is not None
        has_split = self.credit is not None or self.debit is not None
        if has_amount == has_split:
            found.append(_("Map either one amount column or credit and debit columns."))
        if has_split and (self.credit is None or self.debit is None):
            found.append(_("Map both the credit and the debit column."))
        if self.direction is not None and not has_amount:
            found.append(_("A credit/debit mark column needs an amount column."))
        if (self.currency is None) == (self.fixed_currency is None):
            found.append(_("Map a currency column or choose one fixed currency."))
        if self.fixed_currency is not None and not is_currency(self.fixed_currency):
            found.append(_("The fixed currency is not an ISO 4217 code."))
        if self.decimal_separator not in (",", "."):
            found.append(_("The decimal separator must be a comma or a point."))
        if len(self.delimiter) != 1 or self.delimiter in '\r\n"':
            found.append(_("The delimiter must be one character, such as , ; or a tab."))
        if self.decimal_separator == self.delimiter:
            found.append(_("The decimal separator and the delimiter must differ."))
        if "%" not in self.date_format:
            found.append(_("The date format needs codes such as %d-%m-%Y."))
        if self.skip_lines < 0:
            found.append(_("Lines to skip cannot be negative."))
        return found

    def columns(self) -> list[str]:
        single = [
            self.booking_date,
            self.amount,
            self.credit,
            self.debit,
            self.direction,
            self.value_date,
            self.currency,
            self.counterparty_name,
            self.counterparty_iban,
            self.end_to_end_id,
            self.bank_reference,
            self.transaction_code,
            self.account,
        ]
        return [name for name in [*single, *self.remittance_info] if name]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnMapping:
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        for key in ("remittance_info", "credit_marks", "debit_marks"):
            if isinstance(values.get(key), str):
                values[key] = (values[key],)
            elif key in values:
                values[key] = tuple(values[key])
        return cls(**values)


@dataclass(slots=True)
class _Row:
    line: int
    account: str | None
    record: dict[str, Any]


def iter_records(
    text: str, mapping: ColumnMapping, warnings: list[StatementWarning]
) -> Iterator[object]:
    problems = mapping.problems()
    if problems:
        # A mapping is checked when it is saved; one that is not is still no reason to crash.
        raise StatementParseError(problems[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    rows: list[_Row] = []
    header: list[str] | None = None
    index: dict[str, int] = {}
    line = 0
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if start <= mapping.skip_lines:
                continue
            if header is None:
                header = [value.strip().lstrip("\ufeff") for value in values]
                index = _check_header(header, mapping, start)
                continue
            if not any(value.strip() for value in values):
                continue
            if len(values) < len(header):
                raise StatementParseError(
                    _("the row has %(found)s fields but the header has %(expected)s"),
                    line=start,
                    found=len(values),
                    expected=len(header),
                )
            rows.append(_row(values, index, mapping, start))
    except csv.Error as exc:
        raise StatementParseError(
            _("the CSV is malformed: %(reason)s"), line=reader.line_num, reason=str(exc)
        ) from None
    if header is None:
        raise StatementParseError(_("the file has no header line"), line=mapping.skip_lines + 1)
    accounts: dict[str | None, list[_Row]] = {}
    for row in rows:
        accounts.setdefault(row.account, []).append(row)
    if not accounts:
        accounts[None] = []
    for statement_index, (account, group) in enumerate(accounts.items()):
        currencies = {row.record["currency"] for row in group}
        dates = [row.record["booking_date"] for row in group]
        yield StatementRecord(
            index=statement_index,
            statement_id=None,
            account_iban=iban_or_none(account),
            account_number=account,
            currency=currencies.pop() if len(currencies) == 1 else mapping.fixed_currency,
            period_from=min(dates) if dates else None,
            period_to=max(dates) if dates else None,
            line=group[0].line if group else None,
        )
        for position, row in enumerate(group, start=1):
            yield TransactionRecord(
                statement_index=statement_index, entry_index=position, line=row.line, **row.record
            )


def _check_header(header: list[str], mapping: ColumnMapping, line: int) -> dict[str, int]:
    positions: dict[str, int] = {}
    for name in mapping.columns():
        matches = [i for i, column in enumerate(header) if column == name]
        if not matches:
            raise StatementParseError(
                _("the header has no column '%(name)s' (it has: %(found)s)"),
                line=line,
                name=name,
                found=", ".join(header),
            )
        if len(matches) > 1:
            raise StatementParseError(
                _("the header has the column '%(name)s' more than once"), line=line, name=name
            )
        positions[name] = matches[0]
    return positions


def _row(values: list[str], index: dict[str, int], mapping: ColumnMapping, line: int) -> _Row:
    def cell(column: str | None) -> str:
        return values[index[column]].strip() if column else ""

    booking = _date(cell(mapping.booking_date), mapping, mapping.booking_date, line)
    value = (
        _date(cell(mapping.value_date), mapping, mapping.value_date, line, optional=True)
        if mapping.value_date
        else None
    )
    amount, direction = _amount_and_direction(cell, mapping, line)
    currency = mapping.fixed_currency
    if mapping.currency:
        currency = cell(mapping.currency).upper()
        if not is_currency(currency):
            raise StatementParseError(
                _("unknown currency code '%(value)s'"),
                line=line,
                column=mapping.currency,
                value=currency,
            )
    remittance = clean(" ".join(cell(column) for column in mapping.remittance_info))
    record = {
        "booking_date": booking,
        "value_date": value or booking,
        "amount": amount,
        "currency": currency,
        "direction": direction,
        "counterparty_name": clean(cell(mapping.counterparty_name)),
        "counterparty_iban": iban_or_none(cell(mapping.counterparty_iban)),
        "remittance_info": remittance,
        "end_to_end_id": reference(cell(mapping.end_to_end_id)),
        "bank_reference": reference(cell(mapping.bank_reference)),
        "transaction_code": clean(cell(mapping.transaction_code)),
    }
    return _Row(line=line, account=clean(cell(mapping.account)), record=record)


def _date(
    raw: str, mapping: ColumnMapping, column: str | None, line: int, *, optional: bool = False
) -> dt.date | None:
    if not raw and optional:
        return None
    try:
        return dt.datetime.strptime(raw, mapping.date_format).date()  # noqa: DTZ007 - a date
    except ValueError:
        raise StatementParseError(
            _("invalid date '%(value)s' (expected the format %(format)s)"),
            line=line,
            column=column,
            value=raw,
            format=mapping.date_format,
        ) from None


def _amount_pattern(decimal: str) -> re.Pattern[str]:
    thousands = "." if decimal == "," else ","
    t, d = re.escape(thousands), re.escape(decimal)
    return re.compile(
        rf"(?P<lead>[+-])?(?:\d{{1,3}}(?:[{t} ']\d{{3}})+|\d+)(?:{d}\d+)?(?P<trail>[+-])?",
        re.ASCII,
    )


_PATTERNS = {sep: _amount_pattern(sep) for sep in (",", ".")}


def _parse_amount(raw: str, mapping: ColumnMapping, column: str, line: int) -> Decimal:
    compact = raw.replace("\u00a0", " ").strip()
    match = _PATTERNS[mapping.decimal_separator].fullmatch(compact)
    if not match or (match["lead"] and match["trail"]):
        raise StatementParseError(
            _("invalid amount '%(value)s' (decimal separator '%(separator)s')"),
            line=line,
            column=column,
            value=raw,
            separator=mapping.decimal_separator,
        )
    thousands = "." if mapping.decimal_separator == "," else ","
    digits = compact.strip("+-").replace(thousands, "").replace(" ", "").replace("'", "")
    try:
        number = Decimal(digits.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise StatementParseError(
            _("invalid amount '%(value)s'"), line=line, column=column, value=raw
        ) from None
    return -number if "-" in (match["lead"], match["trail"]) else number


def _amount_and_direction(cell: Any, mapping: ColumnMapping, line: int) -> tuple[Decimal, str]:
    if mapping.amount:
        amount = _parse_amount(cell(mapping.amount), mapping, mapping.amount, line)
        if mapping.direction:
            mark = cell(mapping.direction).upper()
            if mark in (m.upper() for m in mapping.credit_marks):
                return abs(amount), CREDIT
            if mark in (m.upper() for m in mapping.debit_marks):
                return abs(amount), DEBIT
            raise StatementParseError(
                _("'%(value)s' is neither a credit nor a debit mark (expected one of %(marks)s)"),
                line=line,
                column=mapping.direction,
                value=cell(mapping.direction),
                marks="/".join((*mapping.credit_marks, *mapping.debit_marks)),
            )
        return abs(amount), (DEBIT if amount < 0 else CREDIT)
    assert mapping.credit and mapping.debit
    credit_raw, debit_raw = cell(mapping.credit), cell(mapping.debit)
    credit = _parse_amount(credit_raw, mapping, mapping.credit, line) if credit_raw else None
    debit = _parse_amount(debit_raw, mapping, mapping.debit, line) if debit_raw else None
    if credit and debit:
        raise StatementParseError(
            _("both the credit and the debit column have an amount"),
            line=line,
            column=mapping.credit,
        )
    if credit is None and debit is None:
        raise StatementParseError(
            _("neither the credit nor the debit column has an amount"),
            line=line,
            column=mapping.credit,
        )
    if debit:
        return abs(debit), DEBIT
    return abs(credit or Decimal(0)), CREDIT

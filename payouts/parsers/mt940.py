"""SWIFT MT940 customer statements, as German, Dutch, Swiss and other banks really send them.

Why not the `mt-940` package: tried on the sample statements in shared/samples/mt940, it
accepts a file of ten numbered lines as an empty statement, reads a `:25:` that follows a
`:61:` as the account, merges every statement of a file into one, crashes with a
RuntimeError (after printing its regex) on ASN Bank's real export, and never says on which
line a problem is. Parsing is the easy part; these rules are the point:

* Only known tags start a field. A wrapped line that happens to start with ":12:" or ":26:"
  (a wrapped time of day) continues the previous field.
* Text outside a statement is skipped: bank headers ("ABNANL2A", "940", "0000 01INGB..."),
  the SWIFT envelope ({1:…}{2:…}{4: … -}{5:}), and everything after a "-" terminator until
  the next ":20:". Text after the closing balance is skipped as well.
* A statement needs :20:, :25:, an opening (:60F:/:60M:) and a closing (:62F:/:62M:)
  balance in that order; :61: lines sit between the balances, each followed by optional
  :86: lines (several :86: lines are joined, as Rabobank's old format has them).
* :61: the entry date (MMDD) takes the year that puts it closest to the value date, so a
  December value date with a January booking rolls over. RC/RD are reversals (RC: a credit
  reversed, so money goes out).
* A date that does not exist (30 February, which some German banks write for closing
  entries on a 360-day calendar) is an error on its line: guessing a booking day would put
  money on a day the bank never booked it.
* The amount may wrap onto the next line, and a tag may break after its first colon
  (":" then "86:…"), as Sparkasse writes them.
* :86: is parsed as German ?-subfields (?00 posting text, ?20-?29/?60-?63 purpose with
  SEPA keywords EREF+/SVWZ+/…, ?30 BIC, ?31 IBAN, ?32/?33 name), as Dutch/SEPA /KEY/value
  fields (/EREF/, /REMI/, /NAME/, /IBAN/, /CNTP/, /ORDP/, /RTRN/ …), or kept as plain text.
  What reconciliation reads: bank_reference is the :61: reference after "//";
  transaction_code the :61: type (NTRF, NRTI …), bank_code the GVC ("166", "159") or
  /TRCD/ plus "RTRN/<reason>" of a returned payment; end_to_end_id is EREF; the remittance
  is /REMI/ (USTD or STRD), or the German purpose text in order with the subfield and
  keyword markers removed: SVWZ+ and text under no keyword, not the identifier sections
  (EREF+, KREF+, MREF+, CRED+, DEBT+) or IBAN+/BIC+/ABWA+/ABWE+/COAM+/OAMT+/PURP+.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import StatementParseError, StatementWarning
from .errors import gettext_noop as _
from .fields import (
    account_iban,
    bic_or_none,
    clean,
    iban_or_none,
    is_currency,
    reference,
    valid_iban,
)
from .records import CREDIT, DEBIT, StatementRecord, TransactionRecord

FORMAT = "mt940"

# Tags that start a field; anything else at the start of a line is continuation text.
_TAG = re.compile(r":(20|21|25|28C?|60[FM]|61|62[FM]|64|65|86|NS|13D?|34F|90[CD]):")
_MT942_TAGS = {"34F", "90C", "90D"}
_END = "-"  # the pseudo-tag of a statement's "-" terminator line
_TERMINATOR = re.compile(r"-(?:\}.*|XXX)?\s*")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

_BALANCE = re.compile(
    r"(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>[\d,]+)", re.ASCII
)
_LINE_61 = re.compile(
    r"(?P<value_date>\d{6})(?P<entry_date>\d{4})?(?P<mark>R?[CD])(?P<funds>[A-Z])?\n?(?P<amount>[\d,]+)",
    re.ASCII,
)
_TYPE_AND_REFERENCE = re.compile(r"(?P<type>[A-Z][A-Z0-9]{3})(?P<reference>.*)")

# :86: German ?-subfields: a three-digit business code, then ?NN fields.
_GERMAN_DETAILS = re.compile(r"(?P<code>\d{3})?(?P<separator>[?>])\d\d", re.ASCII)
_SEPA_KEYWORD = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT|PURP)\+")
# :86: Dutch / SEPA /KEY/value/ fields (Rabobank, ING, ABN AMRO after 2014, Triodos …).
_SLASH_KEYS = (
    "EREF|PREF|IREF|CREF|MARF|CSID|CNTP|REMI|PURP|ULTC|ULTD|ULTB|BENM|ORDP|NAME|ID|ADDR|"
    "IBAN|BIC|ISDT|RTRN|TRCD|TRTP|CDTRREFTP|CDTRREF|CD|ISSR|SVCL|EXCH|CHGS|OCMT|INFO"
)
_SLASH_FIELD = re.compile(rf"/({_SLASH_KEYS})/")
_IDENTIFIER_KEYWORDS = {"EREF", "KREF", "MREF", "CRED", "DEBT"}
_REMITTANCE = {None, "SVWZ"}  # free text and SVWZ+ make the remittance; other keywords not
_SUBFIELD_WIDTH = 27  # characters of a German purpose subfield
_REFERENCE_LENGTH = 35  # characters of a SEPA reference
_WRAP_WIDTH = 60  # lines this long were wrapped by the bank, not ended by the writer
_WRAPPED = "\x00"  # marks a wrapped line while unwrapping (control characters never get here)


@dataclass(slots=True)
class _Field:
    tag: str
    line: int
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return "\n".join(self.lines)

    def single(self) -> str:
        """The value of a one-line field."""
        return self.lines[0].strip()


@dataclass(slots=True)
class _Entry:
    line: int
    value_date: dt.date
    booking_date: dt.date
    direction: str
    reversal: bool
    amount: Decimal
    transaction_code: str | None
    customer_reference: str | None
    bank_reference: str | None
    supplementary: str | None
    details: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Statement:
    line: int
    reference: str
    account: str | None = None
    sequence: str | None = None
    opening: tuple[Decimal, dt.date, str] | None = None
    closing: tuple[Decimal, dt.date, str] | None = None
    closing_line: int | None = None
    entries: list[_Entry] = field(default_factory=list)
    last_tag: str = "20"


def iter_records(text: str, warnings: list[StatementWarning]) -> Iterator[object]:
    """Yield each StatementRecord followed by its TransactionRecords."""
    count = 0
    for index, statement in enumerate(_statements(_fields(text))):
        count += 1
        yield from _records(index, statement, warnings)
    if count == 0:
        raise StatementParseError(
            _("no MT940 statement found: expected a line starting with ':20:'"), line=1
        )


def _fields(text: str) -> Iterator[_Field]:
    """Split the text into tagged fields, skipping headers, envelopes and blank lines."""
    current: _Field | None = None
    in_statement = False
    after_closing = False
    split_tag = False  # the previous line was a lone ":" (Sparkasse breaks ":86:" after it)
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.rstrip("\x1a")  # DOS end-of-file marker
        bad = _CONTROL.search(line)
        if bad:
            raise StatementParseError(
                _("contains a control character (0x%(code)s); this is not a text statement"),
                line=number,
                code=f"{ord(bad.group()):02X}",
            )
        if split_tag:
            split_tag = False
            if _TAG.match(":" + line):
                line, number = ":" + line, number - 1
            elif current is not None and in_statement:
                current.lines.append(":")
        elif line.strip() == ":" and in_statement:
            split_tag = True
            continue
        if line.startswith("{1:"):
            # SWIFT envelope: {1:…}{2:…}{3:…}{4: then the fields, possibly on this line.
            if current:
                yield current
                current = None
            in_statement = False
            line = line.partition("{4:")[2]
        if not line.strip():
            continue
        if in_statement and _TERMINATOR.fullmatch(line):
            if current:
                yield current
                current = None
            in_statement = False
            yield _Field(_END, number)
            continue
        match = _TAG.match(line)
        if match:
            if current:
                yield current
            tag = match.group(1)
            if tag == "20":
                in_statement = True
                after_closing = False
            current = _Field(tag, number, [line[match.end() :]])
            if tag in ("62F", "62M"):
                after_closing = True
            continue
        if not in_statement:
            continue  # bank header or text between statements
        if current is None:
            continue
        if after_closing and current.tag != "86":
            continue  # trailer text after the closing balance
        current.lines.append(line)
    if current:
        yield current


def _statements(fields: Iterator[_Field]) -> Iterator[_Statement]:
    statement: _Statement | None = None
    for fld in fields:
        tag = fld.tag
        if tag in _MT942_TAGS:
            raise StatementParseError(
                _(
                    "field :%(tag)s: belongs to an MT942 interim transaction report; "
                    "import the MT940 end-of-day statement instead"
                ),
                line=fld.line,
                tag=tag,
            )
        if tag in ("NS", "13", "13D"):
            continue  # non-SWIFT bank data, report date/time
        if tag == _END:
            if statement is not None:
                yield _finish(statement)
            statement = None
            continue
        if tag == "20":
            if statement is not None:
                yield _finish(statement)
            value = fld.single()
            if not value:
                raise StatementParseError(
                    _("field :20: (statement reference) is empty"), line=fld.line
                )
            statement = _Statement(line=fld.line, reference=value)
            _no_continuation(fld)
            continue
        if statement is None:
            raise StatementParseError(
                _("field :%(tag)s: appears before the statement's first ':20:' line"),
                line=fld.line,
                tag=tag,
            )
        _add_field(statement, fld)
    if statement is not None:
        yield _finish(statement)


_OUT_OF_ORDER = {
    "header": _("field :%(tag)s: is out of order: it must come before the opening balance :60F:"),
    "account": _("field :%(tag)s: is out of order: the statement already has an account"),
    "opening": _("field :%(tag)s: is out of order: the opening balance must follow :25:"),
    "early": _("field :%(tag)s: is out of order: transactions must follow the balance :60F:"),
    "late": _("field :%(tag)s: is out of order: transactions must come before :62F:"),
    "closing": _("field :%(tag)s: is out of order: the closing balance must follow :60F:"),
    "closed": _("field :%(tag)s: is out of order: there is already a closing balance"),
    "available": _("field :%(tag)s: is out of order: available balances must follow :62F:"),
}


def _add_field(statement: _Statement, fld: _Field) -> None:
    tag = fld.tag
    last = statement.last_tag
    problem = None
    if tag in ("21", "25", "28", "28C", "60F", "60M"):
        if statement.opening is not None or statement.entries:
            problem = "header"
        elif tag == "25" and statement.account is not None:
            problem = "account"
        elif tag in ("60F", "60M") and statement.account is None:
            problem = "opening"
    elif tag == "61":
        problem = "early" if statement.opening is None else None
        problem = "late" if statement.closing is not None else problem
    elif tag in ("62F", "62M"):
        problem = "closing" if statement.opening is None else None
        problem = "closed" if statement.closing is not None else problem
    elif tag in ("64", "65") and statement.closing is None:
        problem = "available"
    if problem:
        raise StatementParseError(_OUT_OF_ORDER[problem], line=fld.line, tag=tag)

    if tag == "61":
        statement.entries.append(_entry(fld))
    elif tag == "86":
        if last in ("61", "86") and statement.entries and statement.closing is None:
            statement.entries[-1].details.append(fld.value)
        # Otherwise it is information for the account owner about the whole statement.
    else:
        _no_continuation(fld)
        if tag == "25":
            statement.account = fld.single()
            if not statement.account:
                raise StatementParseError(
                    _("field :25: (account identification) is empty"), line=fld.line
                )
        elif tag in ("28", "28C"):
            statement.sequence = fld.single() or None
        elif tag in ("60F", "60M"):
            statement.opening = _balance(fld)
        elif tag in ("62F", "62M"):
            statement.closing = _balance(fld)
            statement.closing_line = fld.line
        elif tag in ("64", "65"):
            _balance(fld)  # checked for form, not kept
    statement.last_tag = tag


def _no_continuation(fld: _Field) -> None:
    if len(fld.lines) > 1:
        raise StatementParseError(
            _("unexpected text '%(text)s' after field :%(tag)s:"),
            line=fld.line + 1,
            text=fld.lines[1].strip(),
            tag=fld.tag,
        )


_MISSING = {
    "account": _("the statement '%(reference)s' that starts here has no account (:25:)"),
    "opening": _("the statement '%(reference)s' that starts here has no opening balance (:60F:)"),
    "closing": _(
        "the statement '%(reference)s' that starts here has no closing balance (:62F:); "
        "the file may be cut off"
    ),
}


def _finish(statement: _Statement) -> _Statement:
    missing = None
    if statement.account is None:
        missing = "account"
    elif statement.opening is None:
        missing = "opening"
    elif statement.closing is None:
        missing = "closing"
    if missing:
        raise StatementParseError(
            _MISSING[missing], line=statement.line, reference=statement.reference
        )
    return statement


def _records(
    index: int, statement: _Statement, warnings: list[StatementWarning]
) -> Iterator[object]:
    assert statement.opening and statement.closing  # checked by _finish
    opening, opening_date, currency = statement.opening
    closing, closing_date, closing_currency = statement.closing
    if closing_currency != currency:
        raise StatementParseError(
            _("the closing balance is in %(closing)s but the opening balance in %(opening)s"),
            line=statement.closing_line,
            closing=closing_currency,
            opening=currency,
        )
    total = sum(
        (e.amount if e.direction == CREDIT else -e.amount for e in statement.entries), Decimal(0)
    )
    if opening + total != closing:
        warnings.append(
            StatementWarning(
                _(
                    "the opening balance %(opening)s plus the transactions (%(total)s) does not "
                    "equal the closing balance %(closing)s"
                ),
                line=statement.closing_line,
                opening=opening,
                total=total,
                closing=closing,
            )
        )
    account = statement.account or ""
    yield StatementRecord(
        index=index,
        statement_id=statement.reference,
        account_iban=account_iban(account),
        account_number=account,
        currency=currency,
        opening_balance=opening,
        opening_date=opening_date,
        closing_balance=closing,
        closing_date=closing_date,
        period_from=opening_date,
        period_to=closing_date,
        sequence_number=statement.sequence,
        line=statement.line,
    )
    for position, entry in enumerate(statement.entries, start=1):
        details = _details(entry)
        yield TransactionRecord(
            statement_index=index,
            entry_index=position,
            booking_date=entry.booking_date,
            value_date=entry.value_date,
            amount=entry.amount,
            currency=currency,
            direction=entry.direction,
            reversal=entry.reversal,
            customer_reference=entry.customer_reference,
            bank_reference=entry.bank_reference,
            transaction_code=entry.transaction_code,
            additional_info=entry.supplementary,
            line=entry.line,
            **details,
        )


# --- field parsers -----------------------------------------------------------------------


def _amount(text: str, fld: _Field, line: int | None = None) -> Decimal:
    if (
        text.count(",") > 1
        or not text.isascii()
        or not any(ch.isdigit() for ch in text)
        or len(text.lstrip("0")) > 18
    ):
        raise StatementParseError(
            _("field :%(tag)s: has an invalid amount '%(value)s'"),
            line=line or fld.line,
            tag=fld.tag,
            value=text,
        )
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the checks above leave only digits
        raise StatementParseError(
            _("field :%(tag)s: has an invalid amount '%(value)s'"),
            line=line or fld.line,
            tag=fld.tag,
            value=text,
        ) from None


def _calendar_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None when it does not exist (30 February, month 13)."""
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
        return None
    return dt.date(year, month, day)


def _invalid_date(fld: _Field, raw: str) -> StatementParseError:
    return StatementParseError(
        _("field :%(tag)s: has an invalid date '%(value)s' (no such day)"),
        line=fld.line,
        tag=fld.tag,
        value=raw,
    )


def _yymmdd(raw: str, fld: _Field) -> dt.date:
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:6])
    year = 2000 + yy if yy < 80 else 1900 + yy
    date = _calendar_date(year, mm, dd)
    if date is None:
        raise _invalid_date(fld, raw)
    return date


def _balance(fld: _Field) -> tuple[Decimal, dt.date, str]:
    raw = fld.single()
    match = _BALANCE.fullmatch(raw.replace(" ", ""))
    if not match:
        raise StatementParseError(
            _(
                "field :%(tag)s: is not a valid balance '%(value)s' (expected C or D, a date "
                "YYMMDD, a currency code and an amount, e.g. C240131EUR1234,56)"
            ),
            line=fld.line,
            tag=fld.tag,
            value=raw,
        )
    currency = match["currency"]
    if not is_currency(currency):
        raise StatementParseError(
            _("field :%(tag)s: has an unknown currency code '%(value)s'"),
            line=fld.line,
            tag=fld.tag,
            value=currency,
        )
    amount = _amount(match["amount"], fld)
    date = _yymmdd(match["date"], fld)
    return (amount if match["mark"] == "C" else -amount), date, currency


def _entry(fld: _Field) -> _Entry:
    text = fld.value
    match = _LINE_61.match(text)
    if not match:
        raise StatementParseError(
            _(
                "field :61: '%(value)s' does not start with a value date (YYMMDD), an optional "
                "booking date (MMDD), C/D/RC/RD and an amount"
            ),
            line=fld.line,
            value=fld.lines[0],
        )
    value_date = _yymmdd(match["value_date"], fld)
    booking_date = value_date
    if match["entry_date"]:
        booking_date = _booking_date(value_date, match["entry_date"], fld)
    mark = match["mark"]
    reversal = mark.startswith("R")
    # RC reverses a credit, so money leaves the account; RD reverses a debit.
    direction = {"C": CREDIT, "D": DEBIT, "RC": DEBIT, "RD": CREDIT}[mark]
    amount_line = fld.line + match.group(0).count("\n")
    amount = _amount(match["amount"], fld, amount_line)

    rest = text[match.end() :]
    first, _newline, more = rest.partition("\n")
    transaction_code = customer = bank = None
    supplementary_parts = [part.strip() for part in more.split("\n") if part.strip()]
    if first.strip():
        typed = _TYPE_AND_REFERENCE.fullmatch(first.rstrip())
        if not typed:
            raise StatementParseError(
                _(
                    "field :61: has no transaction type (e.g. NTRF) after the amount, "
                    "found '%(value)s'"
                ),
                line=amount_line,
                value=first.strip(),
            )
        transaction_code = typed["type"]
        references = typed["reference"]
        customer_part, slashes, bank_part = references.partition("//")
        if len(customer_part) > 16 and not slashes and " " in customer_part.strip():
            # Rabobank pads the 16-character reference and puts the name right after it.
            supplementary_parts.insert(0, customer_part[16:].strip())
            customer_part = customer_part[:16]
        customer = reference(customer_part)
        bank = reference(bank_part) if slashes else None
    return _Entry(
        line=fld.line,
        value_date=value_date,
        booking_date=booking_date,
        direction=direction,
        reversal=reversal,
        amount=amount,
        transaction_code=transaction_code,
        customer_reference=customer,
        bank_reference=bank,
        supplementary=clean(" ".join(supplementary_parts)),
    )


def _booking_date(value_date: dt.date, mmdd: str, fld: _Field) -> dt.date:
    """The :61: entry date has no year: take the one that puts it closest to the value date
    (29 February only exists in leap years)."""
    month, day = int(mmdd[:2]), int(mmdd[2:])
    candidates = [
        date
        for year in (value_date.year - 1, value_date.year, value_date.year + 1)
        if (date := _calendar_date(year, month, day)) is not None
    ]
    if not candidates:
        raise _invalid_date(fld, mmdd)
    return min(candidates, key=lambda date: abs((date - value_date).days))


# --- :86: information to account owner ---------------------------------------------------


def _details(entry: _Entry) -> dict[str, object]:
    result: dict[str, object] = {}
    if entry.details:
        lines = [line for detail in entry.details for line in detail.split("\n")]
        joined = "".join(lines)  # the 65-character lines wrap mid-word
        stripped = joined.lstrip()
        german = _GERMAN_DETAILS.match(stripped)
        if german:
            result = _german_details(stripped, german["code"], german["separator"])
        elif _SLASH_FIELD.match(stripped):
            result = _slash_details(stripped)
        else:
            result = _plain_details(entry.details)
    if not result.get("counterparty_iban") and entry.supplementary:
        # Rabobank and others put the counterparty's account in the :61: extra line.
        token = entry.supplementary.split(" ")[0]
        if valid_iban(token):
            result["counterparty_iban"] = token
    return result


def _german_details(text: str, code: str | None, separator: str) -> dict[str, object]:
    parts = re.split(re.escape(separator) + r"(\d\d)", text[len(code or "") :])
    subfields: dict[int, list[str]] = {}
    for number, value in zip(parts[1::2], parts[2::2], strict=False):
        subfields.setdefault(int(number), []).append(value)

    def joined(*numbers: int) -> str | None:
        return clean("".join(v for n in numbers for v in subfields.get(n, [])))

    parts = [v for n in sorted(subfields) if 20 <= n <= 29 or 60 <= n <= 63 for v in subfields[n]]
    sections = _Purpose(parts).sections()
    remittance = clean(" ".join(value for keyword, value in sections if keyword in _REMITTANCE))
    end_to_end = reference(_keywords(sections).get("EREF"))
    # As read before 2026-12: SVWZ+ alone, else the whole purpose text, keywords and all.
    old = _Purpose(parts, legacy=True)
    old_keywords = _keywords(old.sections())
    old_remittance = old_keywords.get("SVWZ") or clean(old.text)
    old_end_to_end = reference(old_keywords.get("EREF"))
    legacy = {"remittance_info": old_remittance, "end_to_end_id": old_end_to_end}
    iban = iban_or_none(joined(31)) or iban_or_none(joined(38))
    return {
        "legacy": _changed(legacy, remittance_info=remittance, end_to_end_id=end_to_end),
        "bank_code": code,
        "posting_text": joined(0),
        "remittance_info": remittance,
        "end_to_end_id": end_to_end,
        "counterparty_name": joined(32, 33),
        "counterparty_iban": iban,
        "counterparty_bic": bic_or_none(joined(30)),
    }


def _keywords(sections: list[tuple[str | None, str]]) -> dict[str, str]:
    """The first non-empty value of each SEPA keyword."""
    found: dict[str, str] = {}
    for keyword, value in sections:
        text = clean(value)
        if keyword and text:
            found.setdefault(keyword, text)
    return found


def _changed(legacy: dict[str, str | None], **now: object) -> tuple | None:
    """The (field, value as read before) pairs that differ from what is read now."""
    pairs = tuple((name, value) for name, value in legacy.items() if now[name] != value)
    return pairs or None


class _Purpose:
    """The purpose subfields (?20-?29, ?60-?63) of a German :86: as one text.

    Each subfield holds at most 27 characters. A full one may end mid-word (the next one
    continues it, "Strukturierter Verwend" + "ungszweck"); a shorter one ended where its
    writer ended it, so a space follows it ("EREF+TFNR 40005 00005", then "MTLG:Grund…").

    `legacy` reads it as the parser did before 2026-12 (subfields glued, identifiers ended
    only by the next keyword or their length), for the import's dedupe fingerprint.
    """

    def __init__(self, parts: list[str], *, legacy: bool = False) -> None:
        text: list[str] = []
        self.starts: set[int] = {0}  # where each subfield starts in the text
        self.breaks: list[int] = []  # where a subfield shorter than full width ended
        length = 0
        for part in parts:
            self.starts.add(length)
            text.append(part)
            length += len(part)
            if len(part) < _SUBFIELD_WIDTH and not legacy:
                self.breaks.append(length)
                if not part.endswith(" "):
                    text.append(" ")
                    length += 1
        self.starts.add(length)
        self.text = "".join(text)

    def sections(self) -> list[tuple[str | None, str]]:
        """(SEPA keyword or None for free text, value) in the order of the text.

        A keyword counts at the start of a subfield or after a character that is not an
        upper-case letter (keywords straddle subfields: "…34 S" + "VWZ+ …").
        """
        text = self.text
        matches = [
            m
            for m in _SEPA_KEYWORD.finditer(text)
            if m.start() in self.starts or not text[m.start() - 1].isupper()
        ]
        sections: list[tuple[str | None, str]] = []
        position = 0
        for this, following in zip(matches, [*matches[1:], None], strict=False):
            if this.start() > position:
                sections.append((None, text[position : this.start()]))
            start = this.end()
            end = following.start() if following else len(text)
            if this.group(1) in _IDENTIFIER_KEYWORDS:
                end = self._identifier_end(start, end)
            sections.append((this.group(1), text[start:end]))
            position = end
        if position < len(text):
            sections.append((None, text[position:]))
        return [(keyword, value) for keyword, value in sections if value.strip() or keyword]

    def _identifier_end(self, start: int, end: int) -> int:
        """A SEPA reference (EREF, KREF, MREF, CRED, DEBT) ends where its subfield was ended
        short, and is at most 35 characters: one that would run longer ends at the last
        subfield where it still fits ("EREF+TFNR 40005 00005" then "MTLG:Grund…")."""
        text = self.text
        value_starts = start + len(text[start:end]) - len(text[start:end].lstrip())
        ended = [b for b in self.breaks if value_starts < b < end]
        if ended:
            end = ended[0]
        if len(text[start:end].strip()) <= _REFERENCE_LENGTH:
            return end
        fitting = [
            b
            for b in sorted(self.starts)
            if start < b < end and len(text[start:b].strip()) <= _REFERENCE_LENGTH
        ]
        return fitting[-1] if fitting else end


def _slash_details(text: str) -> dict[str, object]:
    matches = list(_SLASH_FIELD.finditer(text))
    values: dict[str, str] = {}
    for this, following in zip(matches, [*matches[1:], None], strict=False):
        end = following.start() if following else len(text)
        # ING ends every value with "/" ("/EREF/abc//CNTP/…"); drop that one slash.
        value = text[this.end() : end].rstrip().removesuffix("/")
        values.setdefault(this.group(1), value)
    # A returned payment: "/RTRN/MS03/" (ING, ABN AMRO) goes with the bank's own code.
    returned = clean(values["RTRN"].split("/")[0]) if "RTRN" in values else None
    codes = [clean(values.get("TRCD")), f"RTRN/{returned}" if returned else None]
    # ING: /CNTP/<IBAN>/<BIC>/<name>/<city>/
    counterparty = [*values.get("CNTP", "").split("/"), "", "", ""]
    name = clean(values.get("NAME"))
    remittance = values.get("REMI", "")
    structured = None
    if remittance.startswith("USTD//"):
        remittance = remittance[6:]
    elif remittance.startswith("STRD/"):
        # /REMI/STRD/CUR/<creditor reference>/
        structured = clean(remittance.split("/")[2] if remittance.count("/") >= 2 else None)
        remittance = remittance.split("/", 2)[-1]
    result: dict[str, object] = {
        "end_to_end_id": reference(values.get("EREF")),
        # /ORDP/ (ordering party), /BENM/ (beneficiary): a /NAME/ follows, or the name itself.
        "counterparty_name": name
        or clean(values.get("ORDP"))
        or clean(values.get("BENM"))
        or clean(counterparty[2]),
        "counterparty_iban": iban_or_none(values.get("IBAN")) or iban_or_none(counterparty[0]),
        "counterparty_bic": bic_or_none(values.get("BIC")) or bic_or_none(counterparty[1]),
        "bank_code": " ".join(code for code in codes if code) or None,
        "posting_text": clean(values.get("TRTP")),
        # Rabobank: /REMI//CDTRREFTP//CD/SCOR/ISSR/CUR/CDTRREF/RF18…/
        "creditor_reference": structured or clean(values.get("CDTRREF")),
        "remittance_info": clean(remittance.rstrip("/")),
    }
    # As read before 2026-12: a name from /NAME/ or /CNTP/ only, a reference from STRD only.
    legacy = {"counterparty_name": name or clean(counterparty[2]), "creditor_reference": structured}
    result["legacy"] = _changed(
        legacy,
        counterparty_name=result["counterparty_name"],
        creditor_reference=result["creditor_reference"],
    )
    return result


def _plain_details(details: list[str]) -> dict[str, str | None]:
    result: dict[str, str | None] = {"remittance_info": _unwrap(details)}
    first = details[0].split("\n")[0].strip() if details else ""
    token, _space, rest = first.partition(" ")
    if valid_iban(token):
        # ASN / SNS / RegioBank: "<IBAN> <name>" on the first line, then the description.
        result["counterparty_iban"] = token
        result["counterparty_name"] = clean(rest)
    return result


def _unwrap(details: list[str]) -> str | None:
    """Free text of :86: fields: lines the bank wrapped at full width are glued back.

    A line of (nearly) the full 65 characters that ends mid-word continues on the next line
    ("…EXAMPLESTR" + "ASSE"); shorter or space-padded lines end a line of text. When in
    doubt we glue: a reference split by a space would no longer match.
    """
    pieces: list[str] = []
    for detail in details:
        for number, line in enumerate(detail.split("\n")):
            width = len(line) + (len(":86:") if number == 0 else 0)
            if pieces and not pieces[-1][-1:].isspace() and not line[:1].isspace():
                glue = pieces.pop()
                pieces.append(glue + ("" if glue.endswith(_WRAPPED) else " "))
            pieces.append(line if width < _WRAP_WIDTH else line + _WRAPPED)
    return clean("".join(pieces).replace(_WRAPPED, ""))

"""OFX bank and credit-card statements: OFX 1.x (SGML) and 2.x (XML), one tokenizer for both.

Why not `ofxtools`: its tokenizer silently skips text it does not recognise (lower-case
tags, stray text), reports errors as character offsets rather than lines, and its model
layer converts DTPOSTED to UTC, which moves a booking made just after midnight in the bank's
time zone to the previous day. Reading the few elements a statement needs is short:

* Leaf elements (<TRNAMT>-12.00) take the text up to the next tag; their end tag is optional
  (SGML). Aggregates (<STMTTRN>…</STMTTRN>) are the known OFX aggregates and must be
  closed. Unknown tags followed by text are leaves; unknown empty tags are ignored.
* Dates keep the calendar day the bank wrote (YYYYMMDD…), whatever the time zone suffix.
* Amounts: the sign of TRNAMT gives the direction; a decimal comma is accepted.
* Character references (&amp;, &#233;) are decoded; a DOCTYPE or ENTITY declaration is
  refused, so no entity can be defined, let alone expanded.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .errors import StatementParseError, StatementWarning
from .errors import gettext_noop as _
from .fields import clean, iban_or_none, is_currency, reference
from .records import CREDIT, DEBIT, StatementRecord, TransactionRecord

FORMAT = "ofx"

# Elements that contain other elements and must be closed; everything else is a leaf.
_AGGREGATES = frozenset(
    {
        *("OFX", "SIGNONMSGSRSV1", "SONRS", "STATUS", "FI", "BANKMSGSRSV1", "STMTTRNRS"),
        *("STMTRS", "BANKACCTFROM", "BANKACCTTO", "CCACCTFROM", "CCACCTTO", "BANKTRANLIST"),
        *("STMTTRN", "PAYEE", "LEDGERBAL", "AVAILBAL", "BALLIST", "BAL", "CURRENCY"),
        *("ORIGCURRENCY", "CREDITCARDMSGSRSV1", "CCSTMTTRNRS", "CCSTMTRS", "IMAGEDATA"),
        *("STMTENDRS", "STMTENDTRNRS", "CCSTMTENDRS", "CCSTMTENDTRNRS"),
    }
)
_TOKEN = re.compile(
    r"<!--.*?-->|<!\[CDATA\[(?P<cdata>.*?)\]\]>|<\?.*?\?>|<!(?P<declaration>[A-Za-z]+)"
    r"|<(?P<close>/)?(?P<tag>[A-Za-z][A-Za-z0-9._]*)\s*(?P<empty>/)?>",
    re.DOTALL,
)
_AMOUNT = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{0,6}(?:\.\d+)?)?(?:\s*\[[^\]]*\])?", re.ASCII)


@dataclass(slots=True)
class _Node:
    tag: str
    line: int
    text: str | None = None
    children: list[_Node] = field(default_factory=list)

    def child(self, tag: str) -> _Node | None:
        for node in self.children:
            if node.tag == tag:
                return node
        return None

    def value(self, tag: str) -> str | None:
        node = self.child(tag)
        return node.text if node is not None else None

    def iter(self, tag: str) -> Iterator[_Node]:
        for node in self.children:
            if node.tag == tag:
                yield node
            yield from node.iter(tag)


def iter_records(text: str, warnings: list[StatementWarning]) -> Iterator[object]:
    root = _parse(text)
    statements = [*root.iter("STMTRS"), *root.iter("CCSTMTRS")]
    if not statements:
        raise StatementParseError(
            _("the OFX file contains no bank or credit card statement (STMTRS)"),
            line=root.line,
        )
    for index, statement in enumerate(statements):
        yield from _statement(index, statement, warnings)


def _parse(text: str) -> _Node:
    start = text.find("<")
    if start < 0:
        raise StatementParseError(_("no OFX element found"), line=1)
    line = 1 + text.count("\n", 0, start)
    position = start
    stack: list[_Node] = []
    root: _Node | None = None
    leaf: _Node | None = None  # a leaf whose end tag may still follow
    for match in _TOKEN.finditer(text, start):
        if match.start() < position:
            continue  # a CDATA section already taken as a leaf's value
        between = text[position : match.start()]
        between_line = line
        line += text.count("\n", position, match.start())
        token_line = line
        line += match.group(0).count("\n")
        position = match.end()
        if between.strip():
            raise StatementParseError(
                _("unexpected text '%(text)s' between tags"),
                line=between_line + between[: len(between) - len(between.lstrip())].count("\n"),
                text=between.strip(),
            )
        if match["declaration"]:
            raise StatementParseError(
                _("<!%(name)s declarations are not allowed in a statement"),
                line=token_line,
                name=match["declaration"],
            )
        if match["cdata"] is not None or match["tag"] is None:
            continue  # comment, processing instruction (the OFX 2 header) or CDATA outside a leaf
        tag = match["tag"].upper()
        if match["close"]:
            if leaf is not None and leaf.tag == tag:
                leaf = None
                continue
            leaf = None
            if tag not in _AGGREGATES:
                continue  # the optional end tag of a leaf we already closed
            if not stack:
                raise StatementParseError(
                    _("</%(tag)s> has no matching opening tag"), line=token_line, tag=tag
                )
            if stack[-1].tag != tag:
                raise StatementParseError(
                    _("</%(tag)s> cannot close <%(open)s>, which was opened on line %(opened)s"),
                    line=token_line,
                    tag=tag,
                    open=stack[-1].tag,
                    opened=stack[-1].line,
                )
            stack.pop()
            continue
        leaf = None
        node = _Node(tag, token_line)
        if stack:
            stack[-1].children.append(node)
        elif root is None:
            root = node
        else:
            raise StatementParseError(
                _("<%(tag)s> after the end of the OFX document"), line=token_line, tag=tag
            )
        if tag in _AGGREGATES and not match["empty"]:
            stack.append(node)
            continue
        # A leaf: its value runs to the next '<' (CDATA allowed).
        value_end = text.find("<", position)
        value_end = len(text) if value_end < 0 else value_end
        raw = text[position:value_end]
        if text.startswith("<![CDATA[", value_end):
            cdata_end = text.find("]]>", value_end)
            if cdata_end >= 0:
                raw = text[value_end + 9 : cdata_end]
                value_end = cdata_end + 3
        line += text.count("\n", position, value_end)
        position = value_end
        node.text = clean(html.unescape(raw)) if "&" in raw else clean(raw)
        leaf = node
    rest = text[position:]
    if "<" in rest:
        raise StatementParseError(
            _("the file ends inside a tag; it may be cut off"),
            line=line + rest[: rest.index("<")].count("\n"),
        )
    if rest.strip():
        raise StatementParseError(
            _("unexpected text '%(text)s' after the last tag"), line=line, text=rest.strip()
        )
    if root is None:
        raise StatementParseError(_("no OFX element found"), line=1)
    if stack:
        raise StatementParseError(
            _("<%(tag)s> opened on line %(opened)s is never closed; the file may be cut off"),
            line=line,
            tag=stack[-1].tag,
            opened=stack[-1].line,
        )
    if root.tag != "OFX":
        raise StatementParseError(
            _("the first element is <%(tag)s>; expected <OFX>"), line=root.line, tag=root.tag
        )
    return root


def _statement(index: int, node: _Node, warnings: list[StatementWarning]) -> Iterator[object]:
    currency = node.value("CURDEF")
    if not currency or not is_currency(currency.upper()):
        raise StatementParseError(
            _("<%(tag)s> has a missing or unknown CURDEF '%(value)s'"),
            line=node.line,
            tag=node.tag,
            value=currency or "",
        )
    currency = currency.upper()
    account = node.child("BANKACCTFROM") or node.child("CCACCTFROM")
    account_id = account.value("ACCTID") if account is not None else None
    if not account_id:
        raise StatementParseError(
            _("<%(tag)s> has no account (BANKACCTFROM/ACCTID)"), line=node.line, tag=node.tag
        )
    transactions = node.child("BANKTRANLIST")
    ledger = node.child("LEDGERBAL")
    closing = closing_date = None
    if ledger is not None:
        closing = _amount(ledger, "BALAMT")
        closing_date = _date(ledger, "DTASOF", required=False)
    period_from = period_to = None
    if transactions is not None:
        period_from = _date(transactions, "DTSTART", required=False)
        period_to = _date(transactions, "DTEND", required=False)
    yield StatementRecord(
        index=index,
        statement_id=None,
        account_iban=iban_or_none(account_id),
        account_number=clean(account_id),
        currency=currency,
        closing_balance=closing,
        closing_date=closing_date,
        period_from=period_from,
        period_to=period_to,
        line=node.line,
    )
    if transactions is None:
        return
    for position, item in enumerate(transactions.iter("STMTTRN"), start=1):
        yield _transaction(index, position, item, currency, warnings)


def _transaction(
    index: int, position: int, item: _Node, currency: str, warnings: list[StatementWarning]
) -> TransactionRecord:
    amount = _amount(item, "TRNAMT")
    if amount is None:
        raise StatementParseError(_("<STMTTRN> has no TRNAMT"), line=item.line)
    posted = _date(item, "DTPOSTED", required=True)
    assert posted is not None
    own_currency = item.child("CURRENCY")
    if own_currency is not None and own_currency.value("CURSYM"):
        currency = own_currency.value("CURSYM").upper()  # type: ignore[union-attr]
        if not is_currency(currency):
            raise StatementParseError(
                _("unknown currency code '%(value)s'"), line=own_currency.line, value=currency
            )
    if item.value("CORRECTACTION"):
        warnings.append(
            StatementWarning(
                _("a correction (%(action)s of %(fitid)s) was imported as an ordinary entry"),
                line=item.line,
                action=item.value("CORRECTACTION"),
                fitid=item.value("CORRECTFITID") or "?",
            )
        )
    payee = item.child("PAYEE")
    name = item.value("NAME") or (payee.value("NAME") if payee is not None else None)
    to_account = item.child("BANKACCTTO") or item.child("CCACCTTO")
    return TransactionRecord(
        statement_index=index,
        entry_index=position,
        booking_date=posted,
        value_date=_date(item, "DTUSER", required=False) or posted,
        amount=abs(amount),
        currency=currency,
        direction=DEBIT if amount < 0 else CREDIT,
        counterparty_name=clean(name or item.value("EXTDNAME")),
        counterparty_iban=iban_or_none(to_account.value("ACCTID")) if to_account else None,
        remittance_info=clean(item.value("MEMO")),
        bank_reference=reference(item.value("FITID")),
        account_servicer_reference=reference(item.value("SRVRTID")),
        customer_reference=reference(item.value("REFNUM") or item.value("CHECKNUM")),
        transaction_code=clean(item.value("TRNTYPE")),
        line=item.line,
    )


def _amount(node: _Node, tag: str) -> Decimal | None:
    child = node.child(tag)
    if child is None:
        return None
    raw = (child.text or "").replace(" ", "")
    if not _AMOUNT.fullmatch(raw):
        raise StatementParseError(
            _("<%(tag)s> has an invalid amount '%(value)s'"), line=child.line, tag=tag, value=raw
        )
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise StatementParseError(
            _("<%(tag)s> has an invalid amount '%(value)s'"), line=child.line, tag=tag, value=raw
        ) from None


def _date(node: _Node, tag: str, *, required: bool) -> dt.date | None:
    child = node.child(tag)
    if child is None or not child.text:
        if required:
            raise StatementParseError(
                _("<%(parent)s> has no %(tag)s"), line=node.line, parent=node.tag, tag=tag
            )
        return None
    match = _DATE.fullmatch(child.text)
    try:
        if not match:
            raise ValueError(child.text)
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise StatementParseError(
            _("<%(tag)s> has an invalid date '%(value)s' (expected YYYYMMDD…)"),
            line=child.line,
            tag=tag,
            value=child.text,
        ) from None

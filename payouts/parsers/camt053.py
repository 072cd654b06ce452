"""ISO 20022 CAMT.053 bank-to-customer statements, versions camt.053.001.02 to .001.13.

Streaming: lxml's iterparse reports only Stmt and Ntry elements; each entry is turned into
records and then cleared, so memory stays flat however many entries a file holds.

Safety: a DOCTYPE is refused before lxml sees it (defusedxml reads the prolog), and lxml
itself runs with entity resolution, DTD loading and network access off and huge_tree off.

Decisions:
* An entry (Ntry) with several transaction details (a batch) becomes one record per TxDtls
  when every TxDtls carries its own amount and those amounts add up to the entry; otherwise
  it stays one record with the entry's amount, and a warning says so.
* Only booked entries are imported; a PDNG/INFO/FUTR entry is skipped with a warning.
* The counterparty of a credit is the debtor (Dbtr, DbtrAcct), of a debit the creditor. A
  reversal (RvslInd) keeps the parties of the booking it reverses, so the roles swap back.
* Several Ustrd lines are joined with a space; a structured creditor reference
  (Strd/CdtrRefInf/Ref) is kept apart and used as remittance text only when there is none.
* "NOTPROVIDED" as EndToEndId means none.
* The bank reference of a record is the bank's own: the entry's AcctSvcrRef (a split
  batch's parts: each TxDtls' own AcctSvcrRef first), else the NtryRef. TxId, given by
  the payer's bank, is kept apart as transaction_id. BkTxCd is read as "DOMN/FMLY/SUBFMLY"
  (transaction_code, e.g. "PMNT/RCDT/RRTN" for a returned credit transfer) and its
  proprietary code (bank_code), the entry's before the TxDtls'.
* Dates must exist: "2024-02-30" is an error naming the element and its line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any
from xml.etree import ElementTree

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser
from lxml import etree

from .errors import StatementParseError, StatementWarning
from .errors import gettext_noop as _
from .fields import (
    bic_or_none,
    clean,
    iban_or_none,
    is_currency,
    reference,
    sniff_encoding,
    unicode_head,
)
from .records import CREDIT, DEBIT, StatementRecord, TransactionRecord

FORMAT = "camt053"
SUPPORTED_VERSIONS = range(2, 14)  # .001.02 … .001.13
_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.(\d\d)")
_AMOUNT = re.compile(r"\d{1,18}(?:\.\d{0,5})?|\.\d{1,5}", re.ASCII)
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)
_PROLOG_LIMIT = 65536
_LXML_POSITION = re.compile(r", line \d+, column \d+$")
_BOOKED = {"BOOK", None}
_OPENING = ("OPBD", "PRCD")
_CLOSING = ("CLBD",)
_DIRECTIONS = {"CRDT": CREDIT, "DBIT": DEBIT}
_NOT_PROVIDED = frozenset({"NOTPROVIDED"})  # ISO 20022's only "no reference" value
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


class _RootStarts(Exception):
    """The prolog is over: what follows is the document, which lxml reads."""


class _UntilTheRoot:
    """An ElementTree parser target that stops at the first start tag."""

    def start(self, tag: str, attrib: dict) -> None:
        raise _RootStarts

    def end(self, tag: str) -> None:  # pragma: no cover - never reached
        pass

    def data(self, data: str) -> None:
        pass

    def close(self) -> None:
        pass


def check_prolog(head: bytes) -> None:
    """Refuse a DOCTYPE (entity bombs, external entities) before lxml reads the file.

    defusedxml's parser (expat with DTDs forbidden) reads the prolog of the first bytes and
    stops at the root element; a prolog that fills the whole head (so what follows it is
    unknown) is refused. UTF-16 and UTF-32, with or without a byte order mark, are read as
    such. lxml then parses with entities, DTD loading and network off, and `check_root`
    refuses a document type again from lxml's own docinfo.
    """
    found = sniff_encoding(head)
    if found is not None:  # expat reads no UTF-32: give it the prolog as UTF-8
        head, encoding = unicode_head(head), "utf-8"
    else:
        encoding = None
    parser = DefusedXMLParser(
        target=_UntilTheRoot(),
        encoding=encoding,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        parser.feed(head)
    except _RootStarts:
        return
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise StatementParseError(
            _(
                "the XML contains a DOCTYPE declaration; statements with DTDs or entities "
                "are refused"
            ),
            line=parser.parser.CurrentLineNumber,
        ) from None
    except (ElementTree.ParseError, LookupError):
        # Not well-formed, or an encoding Python does not know (`encoding="TF-8"`: expat asks
        # Python's codecs, whose LookupError comes through): lxml says what, in its words.
        return
    if len(head) >= _PROLOG_LIMIT:
        raise _prolog_too_long()


def _prolog_too_long() -> StatementParseError:
    return StatementParseError(
        _("the XML prolog is longer than %(limit)s bytes"), line=1, limit=_PROLOG_LIMIT
    )


_TAG_NAMES = (
    *("Acct", "AcctSvcrRef", "AddtlNtryInf", "AddtlRmtInf", "AddtlTxInf", "Amt", "AmtDtls"),
    *("BIC", "BICFI", "BkTxCd", "BookgDt", "Cd", "CdtDbtInd", "Cdtr", "CdtrAcct", "CdtrAgt"),
    *("CdtrRefInf", "Dbtr", "DbtrAcct", "DbtrAgt", "Domn", "Dt", "DtTm", "EndToEndId"),
    *("FinInstnId", "Fmly", "IBAN", "Id", "Nm", "Ntry", "NtryDtls", "NtryRef", "Prtry", "Pty"),
    *("Ref", "Refs", "RltdAgts", "RltdPties", "RmtInf", "RvslInd", "Stmt", "Strd", "Sts"),
    *("SubFmlyCd", "TxAmt", "TxDtls", "TxId", "Ustrd", "ValDt"),
)


# The children of Ntry and TxDtls that are read, in the order `_entry` and `_details` unpack.
_ENTRY_FIELDS = (
    *("Amt", "CdtDbtInd", "RvslInd", "Sts", "BookgDt", "ValDt", "AcctSvcrRef", "NtryRef"),
    *("BkTxCd", "AddtlNtryInf"),
)
_DETAIL_FIELDS = ("Refs", "RltdPties", "RltdAgts", "RmtInf", "BkTxCd", "AddtlTxInf")


class _Paths:
    """Qualified tag names (`q.Amt`) and find() paths (`q("Id/IBAN")`) for one namespace.

    Entries are read by walking children and comparing these ready-made tags: lxml's find()
    with a path costs several microseconds a call, which 100,000 entries notice.
    """

    def __init__(self, namespace: str) -> None:
        self.ns = "{%s}" % namespace if namespace else ""  # noqa: UP031 - ElementTree notation
        for name in _TAG_NAMES:
            setattr(self, name, self.ns + name)
        # The children of Ntry and TxDtls we read: qualified tag -> position, one lookup each.
        self.entry_slots = {self.ns + name: i for i, name in enumerate(_ENTRY_FIELDS)}
        self.detail_slots = {self.ns + name: i for i, name in enumerate(_DETAIL_FIELDS)}

    def __getattr__(self, name: str) -> str:  # only reached for names not set above
        raise AttributeError(name)

    def __call__(self, path: str) -> str:
        return "/".join(self.ns + part for part in path.split("/"))


def iter_records(source: IO[bytes], warnings: list[StatementWarning]) -> Iterator[object]:
    """Yield each StatementRecord, then that statement's TransactionRecords."""
    etree.clear_error_log()  # lxml keeps earlier parses' errors in this thread's log
    context = etree.iterparse(
        source,
        events=("end",),
        tag=("{*}Stmt", "{*}Ntry"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    reader = _Reader(warnings)
    try:
        for _event, element in context:
            yield from reader.handle(element)
    except etree.XMLSyntaxError as exc:
        # The first error libxml2 logged is the cause; the exception text can be a later one.
        errors = exc.error_log.filter_from_errors()
        line, reason = (errors[0].line, errors[0].message) if errors else (exc.lineno, exc.msg)
        raise StatementParseError(
            _("the XML is not well-formed: %(reason)s"),
            line=line or None,
            reason=_LXML_POSITION.sub("", reason or str(exc)),
        ) from None
    if reader.paths is None:
        # No Stmt at all: the root decides which message is the clear one.
        root = getattr(context, "root", None)
        if root is None:
            raise StatementParseError(_("the file contains no XML element"), line=1)
        reader.check_root(root)
        raise StatementParseError(
            _("the statement file contains no statement (Stmt)"),
            element="/Document/BkToCstmrStmt",
        )


class _Reader:
    def __init__(self, warnings: list[StatementWarning]) -> None:
        self.warnings = warnings
        self.paths: _Paths | None = None
        self.statement_number = 0
        self.entry_number = 0
        self.statement: StatementRecord | None = None
        self.stmt_element: Any = None
        self.total = Decimal(0)
        self.opening: tuple[Decimal, dt.date | None, str] | None = None
        self.closing: tuple[Decimal, dt.date | None, str] | None = None
        self.currency: str | None = None
        self.stmt_line: int | None = None
        self.known_currencies: set[str] = set()  # codes `_amount` has found valid

    # --- document ------------------------------------------------------------------------

    def check_root(self, root: Any) -> _Paths:
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise StatementParseError(
                _(
                    "the XML contains a DOCTYPE declaration; statements with DTDs or entities "
                    "are refused"
                ),
                line=1,
            )
        namespace, _brace, localname = root.tag[1:].rpartition("}")
        if not root.tag.startswith("{"):
            namespace, localname = "", root.tag
        match = _NAMESPACE.fullmatch(namespace)
        if localname != "Document" or not match:
            raise StatementParseError(
                _(
                    "the root element is {%(namespace)s}%(name)s; expected a CAMT.053 Document "
                    "(namespace urn:iso:std:iso:20022:tech:xsd:camt.053.001.02 to .13)"
                ),
                element=f"/{localname}",
                line=root.sourceline,
                namespace=namespace,
                name=localname,
            )
        if int(match.group(1)) not in SUPPORTED_VERSIONS:
            raise StatementParseError(
                _("CAMT.053 version %(version)s is not supported (02 to 13 are)"),
                element="/Document",
                line=root.sourceline,
                version=f"001.{match.group(1)}",
            )
        return _Paths(namespace)

    def handle(self, element: Any) -> Iterator[object]:
        """React to the end of a Stmt or an Ntry (the only elements iterparse reports)."""
        if self.paths is None:
            self.paths = self.check_root(element.getroottree().getroot())
        q = self.paths
        if element.tag == q.Ntry:
            parent = element.getparent()
            if parent is None or parent.tag != q.Stmt:
                raise StatementParseError(
                    _("an entry (Ntry) outside a statement (Stmt)"),
                    element=f"{self._stmt_path()}/Ntry[{self.entry_number + 1}]",
                    line=element.sourceline,
                )
            if parent is not self.stmt_element:
                # The first entry of a statement: its header (Acct, Bal …) is complete.
                yield self._begin(parent)
            self.entry_number += 1
            yield from self._entry(element)
            _release(element)
        elif element.tag == q.Stmt:
            if element is not self.stmt_element:
                yield self._begin(element)  # a statement without entries
            self._check_balances()
            _release(element)
            self.stmt_element = None

    def _begin(self, stmt: Any) -> StatementRecord:
        self.stmt_element = stmt
        self.statement_number += 1
        self.entry_number = 0
        self.total = Decimal(0)
        self.statement = self._statement(stmt)
        return self.statement

    # --- statement -----------------------------------------------------------------------

    def _stmt_path(self) -> str:
        return f"/Document/BkToCstmrStmt/Stmt[{self.statement_number}]"

    def _statement(self, stmt: Any) -> StatementRecord:
        """The statement's header; everything in it comes before the first Ntry."""
        q = self.paths
        assert q is not None
        account = next(stmt.iterchildren(q.Acct), None)
        if account is None:
            raise StatementParseError(
                _("missing Acct (the account of the statement)"),
                element=self._stmt_path(),
                line=stmt.sourceline,
            )
        iban = _text(account, q("Id/IBAN"))
        other = _text(account, q("Id/Othr/Id"))
        currency = _text(account, q("Ccy"))
        opening = closing = None
        for number, balance in enumerate(stmt.iterfind(q("Bal")), start=1):
            code = _text(balance, q("Tp/CdOrPrtry/Cd")) or _text(balance, q("Tp/CdOrPrtry/Prtry"))
            if code in _OPENING and (opening is None or code == "OPBD"):
                opening = self._balance(balance, f"Bal[{number}]")
            elif code in _CLOSING:
                closing = self._balance(balance, f"Bal[{number}]")
        for found in (opening, closing):
            if found and currency is None:
                currency = found[2]
        self.opening, self.closing = opening, closing
        self.currency = currency
        self.stmt_line = stmt.sourceline
        return StatementRecord(
            index=self.statement_number - 1,
            statement_id=clean(_text(stmt, q("Id"))),
            account_iban=iban_or_none(iban),
            account_number=clean(iban or other),
            currency=currency,
            opening_balance=opening[0] if opening else None,
            opening_date=opening[1] if opening else None,
            closing_balance=closing[0] if closing else None,
            closing_date=closing[1] if closing else None,
            period_from=self._date_of(stmt, "FrToDt/FrDtTm"),
            period_to=self._date_of(stmt, "FrToDt/ToDtTm"),
            sequence_number=clean(_text(stmt, q("ElctrncSeqNb"))),
            line=stmt.sourceline,
        )

    def _balance(self, balance: Any, below: str) -> tuple[Decimal, dt.date | None, str]:
        q = self.paths
        assert q is not None
        amount_element = next(balance.iterchildren(q.Amt), None)
        if amount_element is None:
            raise StatementParseError(
                _("missing Amt"), element=self._where(below), line=balance.sourceline
            )
        amount, currency = self._amount(amount_element, f"{below}/Amt")
        sign = self._direction(next(balance.iterchildren(q.CdtDbtInd), None), balance, below)
        date = self._date_choice(next(balance.iterchildren(q.Dt), None), f"{below}/Dt")
        return (amount if sign == CREDIT else -amount), date, currency

    def _date_of(self, stmt: Any, path: str) -> dt.date | None:
        element = stmt.find(self.paths(path))  # type: ignore[misc]
        if element is None:
            return None
        return _parse_datetime(element, self._where, path)

    def _check_balances(self) -> None:
        if not (self.statement and self.opening and self.closing):
            return
        if self.opening[2] != self.closing[2]:
            return
        if self.opening[0] + self.total != self.closing[0]:
            self.warnings.append(
                StatementWarning(
                    _(
                        "the opening balance %(opening)s plus the entries (%(total)s) does not "
                        "equal the closing balance %(closing)s"
                    ),
                    element=self._stmt_path(),
                    line=self.stmt_line,
                    opening=self.opening[0],
                    total=self.total,
                    closing=self.closing[0],
                )
            )

    # --- entries -------------------------------------------------------------------------

    def _entry(self, ntry: Any) -> list[TransactionRecord]:
        """An entry's records: one, one per TxDtls of a split batch, or none (not booked).

        A list, not a generator: nothing fails once the first record is built, and 100,000
        entries notice a generator's cost. The plain readings (an exact CRDT, a YYYY-MM-DD
        date, a checked currency) take a fast path; anything else the general one, which
        names what is wrong.
        """
        q = self.paths
        assert q is not None
        found: list[Any] = [None] * len(_ENTRY_FIELDS)  # a repeated child: the last one wins
        details: list[Any] = []
        slots, entry_details, transaction = q.entry_slots, q.NtryDtls, q.TxDtls
        for child in ntry:
            tag = child.tag
            if tag == entry_details:
                for detail in child:
                    if detail.tag == transaction:
                        details.append(detail)
            else:
                slot = slots.get(tag)
                if slot is not None:
                    found[slot] = child
        (
            amount_element,
            indicator,
            reversal_element,
            status_element,
            booking_element,
            value_element,
            servicer,
            entry_reference,
            bank_code,
            info,
        ) = found
        status = _status(status_element, q)
        if status not in _BOOKED:
            self.warnings.append(
                StatementWarning(
                    _("entry skipped: its status is %(status)s, not booked (BOOK)"),
                    element=f"{self._entry_path()}/Sts",
                    line=ntry.sourceline,
                    status=status,
                )
            )
            return []
        if amount_element is None:
            raise StatementParseError(
                _("missing Amt"), element=self._entry_path(), line=ntry.sourceline
            )
        amount, currency = self._amount(amount_element, "Amt")
        direction = _DIRECTIONS.get(indicator.text) if indicator is not None else None
        if direction is None:
            direction = self._direction(indicator, ntry, "")
        reversal = self._flag(reversal_element, "RvslInd")
        value = self._date_choice(value_element, "ValDt")
        booking = self._date_choice(booking_element, "BookgDt") or value
        if booking is None:
            raise StatementParseError(
                _("missing BookgDt (and no ValDt to fall back on)"),
                element=self._entry_path(),
                line=ntry.sourceline,
            )
        if currency == self.currency or self.currency is None:
            self.total += amount if direction == CREDIT else -amount
        code = proprietary = None
        if bank_code is not None:
            code, proprietary = _bank_code(bank_code, q)
        base = {
            "statement_index": self.statement_number - 1,
            "entry_index": self.entry_number,
            "booking_date": booking,
            "value_date": value,
            "reversal": reversal,
            "posting_text": clean(_own_text(info)),
            "line": ntry.sourceline,
        }
        # Entry-level references and codes win over those of the transaction details.
        entry_refs = {
            "account_servicer_reference": clean(_own_text(servicer)),
            "entry_reference": clean(_own_text(entry_reference)),
            "transaction_code": code,
            "bank_code": proprietary,
        }
        if len(details) > 1:
            split = self._split(details, amount, currency, direction)
            if split is not None:
                return [
                    TransactionRecord(
                        **base,
                        **self._details(detail, part_direction, reversal, entry_refs, split=True),
                        amount=part,
                        currency=part_currency,
                        direction=part_direction,
                        detail_index=index,
                    )
                    for index, (detail, part, part_currency, part_direction) in enumerate(
                        split, start=1
                    )
                ]
            extra = self._batch_details(details, direction, reversal, entry_refs)
        elif details:
            extra = self._details(details[0], direction, reversal, entry_refs)
        else:
            extra = {
                **entry_refs,
                "bank_reference": entry_refs["account_servicer_reference"]
                or entry_refs["entry_reference"],
            }
        return [
            TransactionRecord(
                **base, **extra, amount=amount, currency=currency, direction=direction
            )
        ]

    def _entry_path(self, below: str = "") -> str:
        path = f"{self._stmt_path()}/Ntry[{self.entry_number}]"
        return f"{path}/{below}" if below else path

    def _split(
        self, details: list[Any], amount: Decimal, currency: str, direction: str
    ) -> list[tuple[Any, Decimal, str, str]] | None:
        """Per-transaction amounts of a batch, if each TxDtls has one and they add up."""
        q = self.paths
        assert q is not None
        parts = []
        total = Decimal(0)
        for index, detail in enumerate(details, start=1):
            where = f"NtryDtls/TxDtls[{index}]"
            children = {child.tag: child for child in detail}
            own = children.get(q.Amt)
            if own is None and children.get(q.AmtDtls) is not None:
                own = next(children[q.AmtDtls].iterchildren(q.TxAmt), None)
                own = next(own.iterchildren(q.Amt), None) if own is not None else None
                where = f"{where}/AmtDtls/TxAmt"
            if own is None:
                break
            part, part_currency = self._amount(own, f"{where}/Amt")
            part_direction = self._direction(children.get(q.CdtDbtInd), detail, where, direction)
            if part_currency != currency:
                break
            total += part if part_direction == direction else -part
            parts.append((detail, part, part_currency, part_direction))
        if len(parts) == len(details) and total == amount:
            return parts
        self.warnings.append(
            StatementWarning(
                _(
                    "a batch of %(count)s transactions without individual amounts that add up "
                    "to the entry; imported as one transaction"
                ),
                element=self._entry_path(),
                line=details[0].sourceline,
                count=len(details),
            )
        )
        return None

    def _details(
        self,
        detail: Any,
        direction: str,
        reversal: bool,
        entry_refs: dict[str, Any],
        *,
        split: bool = False,
    ) -> dict[str, Any]:
        """The fields of one TxDtls. Its bank reference is the entry's AcctSvcrRef, or the
        TxDtls' own when the entry is split into its transactions (each has its own), else
        the NtryRef."""
        q = self.paths
        assert q is not None
        found: list[Any] = [None] * len(_DETAIL_FIELDS)  # a repeated child: the last one wins
        slots = q.detail_slots
        for child in detail:
            slot = slots.get(child.tag)
            if slot is not None:
                found[slot] = child
        refs, parties, agents, remittance_element, bank_code, info = found
        # A reversal keeps the parties of the original booking, whose direction was opposite.
        original = direction if not reversal else (DEBIT if direction == CREDIT else CREDIT)
        if original == CREDIT:
            party_tag, account_tag, agent_tag = q.Dbtr, q.DbtrAcct, q.DbtrAgt
        else:
            party_tag, account_tag, agent_tag = q.Cdtr, q.CdtrAcct, q.CdtrAgt
        # Elements are read by their schema position (Nm is a party's first child, IBAN the
        # first inside an account's Id, …), checking each tag, so nothing else is visited.
        name = iban = bic = None
        if parties is not None:
            for party in parties:
                tag = party.tag
                if tag == party_tag:
                    # .02-.07: Dbtr/Nm; .08 on: Dbtr/Pty/Nm (an empty Nm: none).
                    first = party[0] if len(party) else None
                    if first is None:
                        name = None
                    elif first.tag == q.Nm:
                        name = first.text or None
                    else:
                        name = _first_text(first, q.Nm) if first.tag == q.Pty else None
                elif tag == account_tag:
                    iban = _first_text(_first(party, q.Id), q.IBAN)
        if agents is not None:
            for agent in agents:
                if agent.tag == agent_tag:
                    institution = _first(agent, q.FinInstnId)
                    bic = _first_text(institution, q.BICFI) or _first_text(institution, q.BIC)
        end_to_end = servicer = transaction_id = None
        if refs is not None:
            for ref in refs:
                tag = ref.tag
                if tag == q.EndToEndId:
                    end_to_end = ref.text
                elif tag == q.AcctSvcrRef:
                    servicer = ref.text
                elif tag == q.TxId:
                    transaction_id = ref.text
        remittance = creditor_reference = None
        if remittance_element is not None:
            remittance, creditor_reference = _remittance(remittance_element, q)
        code = proprietary = None
        if bank_code is not None:
            code, proprietary = _bank_code(bank_code, q)
        entry_servicer, servicer = entry_refs["account_servicer_reference"], clean(servicer)
        return {
            "counterparty_name": clean(name),
            "counterparty_iban": iban_or_none(iban),
            "counterparty_bic": bic_or_none(bic),
            "remittance_info": remittance,
            "creditor_reference": creditor_reference,
            "end_to_end_id": reference(end_to_end, _NOT_PROVIDED),
            "account_servicer_reference": entry_servicer or servicer,
            "entry_reference": entry_refs["entry_reference"],
            "transaction_id": clean(transaction_id),
            "bank_reference": (
                (servicer or entry_servicer) if split else (entry_servicer or servicer)
            )
            or entry_refs["entry_reference"],
            "transaction_code": entry_refs["transaction_code"] or code,
            "bank_code": entry_refs["bank_code"] or proprietary,
            "additional_info": clean(_own_text(info)),
        }

    def _batch_details(
        self, details: list[Any], direction: str, reversal: bool, entry_refs: dict[str, Any]
    ) -> dict[str, Any]:
        """One record for a whole batch: keep what all its transactions have in common."""
        each = [self._details(detail, direction, reversal, entry_refs) for detail in details]
        merged: dict[str, Any] = {}
        for key in each[0]:
            values = {item[key] for item in each}
            merged[key] = values.pop() if len(values) == 1 else None
        texts = [item["remittance_info"] for item in each if item["remittance_info"]]
        merged["remittance_info"] = clean(" / ".join(texts)) if texts else None
        return merged

    # --- values (`below` is the element's path under the current entry, for messages) -----

    def _where(self, below: str) -> str:
        if self.entry_number and self.statement is not None:
            return self._entry_path(below)
        return f"{self._stmt_path()}/{below}"

    def _amount(self, element: Any, below: str) -> tuple[Decimal, str]:
        raw, currency = element.text, element.get("Ccy")
        if currency in self.known_currencies and raw is not None and _AMOUNT.fullmatch(raw):
            return Decimal(raw), currency
        raw = (raw or "").strip()
        if not _AMOUNT.fullmatch(raw):
            raise StatementParseError(
                _("invalid amount '%(value)s' (expected digits with a decimal point)"),
                element=self._where(below),
                line=element.sourceline,
                value=raw,
            )
        if not currency:
            raise StatementParseError(
                _("missing Ccy attribute"), element=self._where(below), line=element.sourceline
            )
        if not is_currency(currency):
            raise StatementParseError(
                _("unknown currency code '%(value)s'"),
                element=self._where(below),
                line=element.sourceline,
                value=currency,
            )
        self.known_currencies.add(currency)
        return Decimal(raw), currency

    def _direction(self, element: Any, parent: Any, below: str, default: str | None = None) -> str:
        if element is None:
            if default:
                return default
            raise StatementParseError(
                _("missing CdtDbtInd (CRDT or DBIT)"),
                element=self._where(below).rstrip("/"),
                line=parent.sourceline,
            )
        raw = (element.text or "").strip()
        direction = _DIRECTIONS.get(raw)
        if direction is None:
            raise StatementParseError(
                _("CdtDbtInd is '%(value)s'; expected CRDT or DBIT"),
                element=self._where(f"{below}/CdtDbtInd".lstrip("/")),
                line=element.sourceline,
                value=raw,
            )
        return direction

    def _flag(self, element: Any, below: str) -> bool:
        if element is None:
            return False
        raw = (element.text or "").strip().lower()
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise StatementParseError(
            _("'%(value)s' is not a boolean (true or false)"),
            element=self._where(below),
            line=element.sourceline,
            value=raw,
        )

    def _date_choice(self, element: Any, below: str) -> dt.date | None:
        """A DateAndDateTimeChoice: <Dt> or <DtTm> inside `element`."""
        if element is None:
            return None
        q = self.paths
        assert q is not None
        choice = element[0] if len(element) else None
        if choice is not None and choice.tag == q.Dt:
            raw = choice.text
            if raw is not None and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
                with contextlib.suppress(ValueError):  # the general reading names it
                    return dt.date.fromisoformat(raw)
            return _parse_date(choice, self._where, f"{below}/Dt")
        if choice is not None and choice.tag == q.DtTm:
            return _parse_datetime(choice, self._where, f"{below}/DtTm")
        raise StatementParseError(
            _("missing Dt or DtTm"), element=self._where(below), line=element.sourceline
        )


def _release(element: Any) -> None:
    """Free a processed element and the siblings before it (the iterparse memory idiom)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _own_text(element: Any) -> str | None:
    return element.text if element is not None else None


def _first(element: Any, tag: str) -> Any:
    """`element`'s first child if it has `tag` (schema order puts it first), else None."""
    if element is None or not len(element):
        return None
    child = element[0]
    return child if child.tag == tag else None


def _first_text(element: Any, tag: str) -> str | None:
    child = _first(element, tag)
    return child.text if child is not None else None


def _text(element: Any, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _status(element: Any, q: _Paths) -> str | None:
    # .02-.07 write <Sts>BOOK</Sts>; .08 on <Sts><Cd>BOOK</Cd></Sts> (or Prtry).
    if element is None:
        return None
    text = element.text
    text = text.strip() if text else ""
    if not text and len(element):
        text = (element[0].text or "").strip()
    return text or None


def _bank_code(element: Any, q: _Paths) -> tuple[str | None, str | None]:
    """("PMNT/RCDT/ESCT", proprietary code) from a BkTxCd: Domn(Cd, Fmly(Cd, SubFmlyCd)), Prtry."""
    domain: list[str] = []
    proprietary = None
    for part in element:
        tag = part.tag
        if tag == q.Domn:
            for item in part:
                tag, text = item.tag, item.text
                if tag == q.Cd:
                    if text:
                        domain.append(text.strip())
                elif tag == q.Fmly:
                    for code in item:
                        text = code.text
                        if text:
                            domain.append(text.strip())
        elif tag == q.Prtry:
            proprietary = clean(_first_text(part, q.Cd))
    return ("/".join(domain) or None), proprietary


def _remittance(element: Any, q: _Paths) -> tuple[str | None, str | None]:
    lines: list[str] = []
    references: list[str] = []
    extra: list[str] = []
    for child in element:
        if child.tag == q.Ustrd:
            if child.text:
                lines.append(child.text)
        elif child.tag == q.Strd:
            for part in child:
                if part.tag == q.CdtrRefInf:
                    found = _reference_of(part, q)
                    if found:
                        references.append(found)
                elif part.tag == q.AddtlRmtInf and part.text:
                    extra.append(part.text)
    creditor_reference = clean(" ".join(references)) if references else None
    remittance = clean(" ".join(lines or extra or references))
    return remittance, creditor_reference


def _reference_of(creditor_reference: Any, q: _Paths) -> str | None:
    # CdtrRefInf is (Tp?, Ref?): the reference is its last child.
    if not len(creditor_reference):
        return None
    last = creditor_reference[-1]
    return last.text if last.tag == q.Ref else None


def _parse_date(element: Any, where: Any, below: str) -> dt.date:
    raw = (element.text or "").strip()
    try:
        if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            return dt.date.fromisoformat(raw)
        match = _DATE.fullmatch(raw)  # a date with a time zone, which xs:date allows
        if not match:
            raise ValueError(raw)
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise StatementParseError(
            _("invalid date '%(value)s' (expected YYYY-MM-DD)"),
            element=where(below),
            line=element.sourceline,
            value=raw,
        ) from None


def _parse_datetime(element: Any, where: Any, below: str) -> dt.date:
    # The day as the bank states it, in the bank's own offset: that is the booking day.
    raw = (element.text or "").strip()
    try:
        return dt.datetime.fromisoformat(raw).date()
    except ValueError:
        raise StatementParseError(
            _("invalid date and time '%(value)s' (expected e.g. 2024-01-31T10:00:00+01:00)"),
            element=where(below),
            line=element.sourceline,
            value=raw,
        ) from None

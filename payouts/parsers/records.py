"""Plain records the statement parsers return: no Django, no database, easy to compare.

Amounts are always positive `Decimal`s; `direction` says which way the money went. Balances
are signed (a debit balance is negative). Dates are `datetime.date`: statements book by day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import StatementWarning

CREDIT = "credit"
DEBIT = "debit"


@dataclass(frozen=True, slots=True)
class StatementRecord:
    """One statement (one account, one currency, one period) inside a file."""

    index: int  # 0-based position in the file; transactions point at it
    statement_id: str | None
    account_iban: str | None  # set when the account is given (or recognisable) as an IBAN
    account_number: str | None  # the identification exactly as the bank wrote it
    currency: str | None
    opening_balance: Decimal | None = None
    opening_date: dt.date | None = None
    closing_balance: Decimal | None = None
    closing_date: dt.date | None = None
    period_from: dt.date | None = None
    period_to: dt.date | None = None
    sequence_number: str | None = None  # MT940 :28C:, CAMT ElctrncSeqNb
    line: int | None = None


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """One booked movement of money, as the bank reported it."""

    statement_index: int
    entry_index: int  # 1-based position of the entry within its statement
    booking_date: dt.date
    amount: Decimal  # always >= 0
    currency: str  # ISO 4217
    direction: str  # CREDIT or DEBIT
    value_date: dt.date | None = None
    reversal: bool = False
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance_info: str | None = None
    creditor_reference: str | None = None  # structured reference (e.g. ISO 11649 RF…)
    end_to_end_id: str | None = None
    # The bank's own reference of the transaction: CAMT AcctSvcrRef (else NtryRef), MT940
    # the :61: reference after "//", OFX FITID, CSV the mapped column.
    bank_reference: str | None = None
    account_servicer_reference: str | None = None  # CAMT AcctSvcrRef (entry's first), OFX SRVRTID
    entry_reference: str | None = None  # CAMT NtryRef
    transaction_id: str | None = None  # CAMT TxId (given by the payer's bank)
    customer_reference: str | None = None
    # MT940 :61: type (NTRF, NRTI), CAMT BkTxCd domain "PMNT/RCDT/ESCT", OFX TRNTYPE, CSV column
    transaction_code: str | None = None
    # MT940 :86: business code (GVC, "166") or /TRCD/ and "RTRN/<reason>", CAMT Prtry/Cd
    bank_code: str | None = None
    posting_text: str | None = None  # MT940 ?00 / TRTP, CAMT AddtlNtryInf
    additional_info: str | None = None  # MT940 :61: supplementary details, CAMT AddtlTxInf
    detail_index: int | None = None  # CAMT: 1-based TxDtls position when a batch was split
    line: int | None = None  # where the entry starts in the file
    # (field, value) pairs as an earlier version of the parser read them, where that differs
    # (MT940 :86: before 2026-12): the import's dedupe fingerprint uses these, so a file
    # imported before still dedupes on re-import. Not for display or matching.
    legacy: tuple[tuple[str, str | None], ...] | None = None

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == CREDIT else -self.amount


@dataclass(frozen=True, slots=True)
class ParseResult:
    format: str  # "camt053", "mt940", "ofx" or "csv"
    statements: tuple[StatementRecord, ...]
    transactions: tuple[TransactionRecord, ...]
    warnings: tuple[StatementWarning, ...] = field(default=())

"""Write CAMT.053 statements from a list of intended transactions, or from a seeded random one.

The parser benchmark uses it for a 100,000-entry file; the reconciliation benchmark and the
tests plant known transactions (amount, dates, remittance, counterparty, end-to-end id,
reversal) and check they come back. Output is streamed, so a file of any size takes little
memory. Versions "02", "04" and "08" follow their schemas where they differ (status code,
party and BIC element names, where a transaction's own amount lives); other versions use the
nearest of those layouts.

    python -m bench.generators.camt053 out.xml --count 1000 --seed 7
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape, quoteattr

CREDIT = "credit"
DEBIT = "debit"


@dataclass(frozen=True)
class PlannedTransaction:
    """One entry to write. Text fields must be valid XML characters."""

    amount: Decimal
    booking_date: dt.date
    direction: str = CREDIT
    currency: str = "EUR"
    value_date: dt.date | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    counterparty_bic: str | None = None
    remittance_info: str | None = None
    creditor_reference: str | None = None
    end_to_end_id: str | None = None
    account_servicer_reference: str | None = None
    reversal: bool = False
    # A batch: the entry carries `amount`, each part becomes a TxDtls with its own amount.
    parts: tuple[PlannedTransaction, ...] = field(default=())

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction == CREDIT else -self.amount


_PAYERS = [
    ("TikTok Pte. Ltd.", "NL91ABNA0417164300", "ABNANL2A"),
    ("YouTube Creator Payments", "IE29AIBK93115212345678", "AIBKIE2D"),
    ("Instagram Bonus Program", "DE89370400440532013000", "COBADEFF"),
    ("Brandly BV", "NL02RABO0123456789", "RABONL2U"),
    ("Sponsor & Co GmbH", "DE75512108001245126199", "SOGEDEFF"),
]
_PAYEES = [
    ("Creator Lotte", "NL20INGB0001234567", "INGBNL2A"),
    ("Creator Sem", "NL39RABO0300065264", "RABONL2U"),
    ("Studio Rent BV", "NL44RABO0123456789", "RABONL2U"),
]


def random_transactions(
    count: int,
    *,
    seed: int = 0,
    start: dt.date = dt.date(2024, 1, 1),
    days: int = 28,
    currency: str = "EUR",
) -> Iterator[PlannedTransaction]:
    """`count` plausible agency-account entries: mostly platform payouts in, some payments out."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        credit = rng.random() < 0.8
        name, iban, bic = rng.choice(_PAYERS if credit else _PAYEES)
        booked = start + dt.timedelta(days=rng.randrange(days))
        cents = rng.randrange(100, 500_000)
        yield PlannedTransaction(
            amount=Decimal(cents) / 100,
            booking_date=booked,
            value_date=booked + dt.timedelta(days=rng.choice((0, 0, 0, 1))),
            direction=CREDIT if credit else DEBIT,
            currency=currency,
            counterparty_name=name,
            counterparty_iban=iban,
            counterparty_bic=bic,
            remittance_info=(
                f"Payout {booked:%Y-%m} ref P{number:07d} creator {rng.randrange(1, 5000)}"
            ),
            end_to_end_id=f"E2E-{seed}-{number:07d}",
            account_servicer_reference=f"ASR{seed:03d}{number:09d}",
            reversal=rng.random() < 0.005,
        )


def write_camt053(
    out: IO[bytes],
    transactions: Iterable[PlannedTransaction],
    *,
    version: str = "08",
    account_iban: str = "NL55INGB0000000001",
    currency: str = "EUR",
    statement_id: str = "STMT-0001",
    opening_balance: Decimal = Decimal("0.00"),
    opening_date: dt.date | None = None,
    closing_balance: Decimal | None = None,
    created: dt.datetime = dt.datetime(2024, 2, 1, 6, 0, tzinfo=dt.UTC),
) -> int:
    """Write one statement holding `transactions`; returns the number of entries.

    The closing balance is computed from the transactions unless given (pass it when
    `transactions` is a one-shot iterator, or it is read into a list first).
    """
    number = int(version)
    if closing_balance is None:
        if not isinstance(transactions, Sequence):
            transactions = list(transactions)
        closing_balance = opening_balance + sum(
            (t.signed_amount for t in transactions if t.currency == currency), Decimal(0)
        )
    newline = "\n"  # one entry per line, so line numbers in messages mean something
    opening_date = opening_date or created.date()
    write = out.write
    write(
        (
            '<?xml version="1.0" encoding="UTF-8"?>'
            + newline
            + f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{number:02d}">'
            + "<BkToCstmrStmt><GrpHdr>"
            + f"<MsgId>MSG-{escape(statement_id)}</MsgId>"
            + f"<CreDtTm>{created.isoformat()}</CreDtTm></GrpHdr>"
            + newline
            + f"<Stmt><Id>{escape(statement_id)}</Id><ElctrncSeqNb>1</ElctrncSeqNb>"
            + f"<CreDtTm>{created.isoformat()}</CreDtTm>"
            + f"<Acct><Id><IBAN>{account_iban}</IBAN></Id><Ccy>{currency}</Ccy></Acct>"
            + _balance("OPBD", opening_balance, currency, opening_date)
            + _balance("CLBD", closing_balance, currency, created.date())
            + newline
        ).encode()
    )
    count = 0
    for transaction in transactions:
        count += 1
        write(_entry(transaction, number).encode() + newline.encode())
    write(b"</Stmt></BkToCstmrStmt></Document>\n")
    return count


def _balance(code: str, amount: Decimal, currency: str, date: dt.date) -> str:
    indicator = "CRDT" if amount >= 0 else "DBIT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="{currency}">{abs(amount):.2f}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>'
        f"<Dt><Dt>{date.isoformat()}</Dt></Dt></Bal>"
    )


def _entry(t: PlannedTransaction, version: int) -> str:
    status = "<Sts><Cd>BOOK</Cd></Sts>" if version >= 8 else "<Sts>BOOK</Sts>"
    indicator = "CRDT" if t.direction == CREDIT else "DBIT"
    parts = [
        f"<Ntry><Amt Ccy={quoteattr(t.currency)}>{t.amount:.2f}</Amt>",
        f"<CdtDbtInd>{indicator}</CdtDbtInd>",
        "<RvslInd>true</RvslInd>" if t.reversal else "",
        status,
        f"<BookgDt><Dt>{t.booking_date.isoformat()}</Dt></BookgDt>",
        f"<ValDt><Dt>{(t.value_date or t.booking_date).isoformat()}</Dt></ValDt>",
    ]
    if t.account_servicer_reference:
        parts.append(f"<AcctSvcrRef>{escape(t.account_servicer_reference)}</AcctSvcrRef>")
    family = ("RCDT", "ESCT") if t.direction == CREDIT else ("ICDT", "ESCT")
    parts.append(
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family[0]}</Cd>"
        f"<SubFmlyCd>{family[1]}</SubFmlyCd></Fmly></Domn></BkTxCd>"
    )
    details = t.parts or (t,)
    parts.append("<NtryDtls>")
    if t.parts:
        parts.append(f"<Btch><NbOfTxs>{len(t.parts)}</NbOfTxs></Btch>")
    for detail in details:
        parts.append(_details(detail, version, with_amount=bool(t.parts)))
    parts.append("</NtryDtls></Ntry>")
    return "".join(parts)


def _details(t: PlannedTransaction, version: int, *, with_amount: bool) -> str:
    parts = ["<TxDtls>"]
    refs = f"<EndToEndId>{escape(t.end_to_end_id or 'NOTPROVIDED')}</EndToEndId>"
    parts.append(f"<Refs>{refs}</Refs>")
    if with_amount:
        amount = f"<Amt Ccy={quoteattr(t.currency)}>{t.amount:.2f}</Amt>"
        if version >= 3:
            indicator = "CRDT" if t.direction == CREDIT else "DBIT"
            parts.append(f"{amount}<CdtDbtInd>{indicator}</CdtDbtInd>")
        else:
            parts.append(f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>")
    # The counterparty sits on the side the money came from (credit) or went to (debit);
    # a reversal keeps the parties of the booking it reverses.
    original = t.direction if not t.reversal else (DEBIT if t.direction == CREDIT else CREDIT)
    role = "Dbtr" if original == CREDIT else "Cdtr"
    if t.counterparty_name or t.counterparty_iban:
        parts.append("<RltdPties>")
        if t.counterparty_name:
            name = f"<Nm>{escape(t.counterparty_name)}</Nm>"
            parts.append(
                f"<{role}><Pty>{name}</Pty></{role}>"
                if version >= 8
                else f"<{role}>{name}</{role}>"
            )
        if t.counterparty_iban:
            parts.append(f"<{role}Acct><Id><IBAN>{t.counterparty_iban}</IBAN></Id></{role}Acct>")
        parts.append("</RltdPties>")
    if t.counterparty_bic:
        element = "BICFI" if version >= 4 else "BIC"
        parts.append(
            f"<RltdAgts><{role}Agt><FinInstnId><{element}>{t.counterparty_bic}</{element}>"
            f"</FinInstnId></{role}Agt></RltdAgts>"
        )
    if t.remittance_info or t.creditor_reference:
        parts.append("<RmtInf>")
        for line in _ustrd_lines(t.remittance_info or ""):
            parts.append(f"<Ustrd>{escape(line)}</Ustrd>")
        if t.creditor_reference:
            parts.append(
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                f"<Ref>{escape(t.creditor_reference)}</Ref></CdtrRefInf></Strd>"
            )
        parts.append("</RmtInf>")
    parts.append("</TxDtls>")
    return "".join(parts)


def _ustrd_lines(text: str) -> list[str]:
    """Ustrd holds at most 140 characters: split longer text at a space where possible,
    the way banks do, so joining the lines with a space gives the text back."""
    lines = []
    while len(text) > 140:
        cut = text.rfind(" ", 1, 141)
        if cut <= 0:
            lines.append(text[:140])
            text = text[140:]
        else:
            lines.append(text[:cut])
            text = text[cut + 1 :]
    if text:
        lines.append(text)
    return lines


def generate_file(
    path: Path | str, count: int, *, seed: int = 0, version: str = "08", currency: str = "EUR"
) -> Path:
    """A seeded random statement of `count` entries at `path` (two passes, no list kept)."""
    total = sum(
        (t.signed_amount for t in random_transactions(count, seed=seed, currency=currency)),
        Decimal(0),
    )
    path = Path(path)
    with path.open("wb") as out:
        write_camt053(
            out,
            random_transactions(count, seed=seed, currency=currency),
            version=version,
            currency=currency,
            closing_balance=total,
        )
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generators.camt053")
    parser.add_argument("path")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--version", default="08")
    args = parser.parse_args(argv)
    generate_file(args.path, args.count, seed=args.seed, version=args.version)


if __name__ == "__main__":
    main()

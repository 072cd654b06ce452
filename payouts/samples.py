"""Sample files to try the payouts imports with, made for the agency (and bank account) that
downloads them, so each imports cleanly and the three tell one story:

- a payout statements CSV: three settled payouts of the agency's first creators, with
  references that are new to the agency;
- a bank statement of the account, as CAMT.053 or MT940, in which two of those payouts
  arrive naming their reference, one arrives without it (amount and date only) and one
  credit is nobody's. Import the statements, then the bank file, then run reconciliation.

References carry today's date, so a second download makes new ones. The files are written
the way banks and platforms write them (the formats `payouts.parsers` reads).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from agencies.models import Agency
from creators.models import CreatorStatus, Platform, SocialAccount

from .demo import camt053, camt_entry
from .models import BankAccount, PayoutSource
from .statement_columns import COLUMNS

D = Decimal
AMOUNTS = (D("412.50"), D("228.40"), D("96.15"))
STRANGER = D("42.50")


@dataclass(frozen=True)
class SamplePayout:
    reference: str
    handle: str
    amount: Decimal
    settled_on: date


def sample_payouts(agency: Agency, *, today: date | None = None) -> list[SamplePayout]:
    today = today or timezone.localdate(timezone=agency.tzinfo)
    handles = list(
        SocialAccount.objects.for_agency(agency)
        .filter(platform=Platform.TIKTOK, creator__status=CreatorStatus.ACTIVE)
        .order_by("creator_id")
        .values_list("handle", flat=True)[: len(AMOUNTS)]
    )
    settled_on = today - timedelta(days=10)
    return [
        SamplePayout(f"SAMPLE-{today:%Y%m%d}-{n + 1}", handle, amount, settled_on)
        for n, (handle, amount) in enumerate(zip(handles, AMOUNTS, strict=False))
    ]


def statements_csv(agency: Agency, *, today: date | None = None) -> bytes:
    """The payout statements CSV (the columns `statement_import` reads)."""
    today = today or timezone.localdate(timezone=agency.tzinfo)
    end = today.replace(day=1) - timedelta(days=1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for payout in sample_payouts(agency, today=today):
        row = {
            "platform_reference": payout.reference,
            "creator_handle": payout.handle,
            "source": PayoutSource.CREATIVITY_PROGRAM.value,
            "period_start": end.replace(day=1).isoformat(),
            "period_end": end.isoformat(),
            "currency": agency.default_currency,
            "estimated_amount": f"{payout.amount + D('5.00')}",
            "settled_amount": f"{payout.amount}",
            "status": "settled",
            "settled_date": payout.settled_on.isoformat(),
        }
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue().encode("utf-8")


def _credits(agency: Agency, today: date) -> list[tuple[Decimal, date, str]]:
    payouts = sample_payouts(agency, today=today)
    credits = []
    for n, payout in enumerate(payouts):
        booked = payout.settled_on + timedelta(days=3)
        text = "TikTok payout" if n == 2 else f"TikTok payout {payout.reference}"
        credits.append((payout.amount, booked, text))
    credits.append((STRANGER, today - timedelta(days=2), "Refund Studio Bloom"))
    return credits


def bank_camt053(account: BankAccount, *, today: date | None = None) -> bytes:
    today = today or timezone.localdate(timezone=account.agency.tzinfo)
    refs = count(1)
    entries = [
        camt_entry(refs, amount, booked, text, currency=account.currency, prefix="SMP")
        for amount, booked, text in _credits(account.agency, today)
    ]
    return camt053(account, refs, entries, prefix=f"SAMPLE-{today:%Y%m%d}")


def _mt940_amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def bank_mt940(account: BankAccount, *, today: date | None = None) -> bytes:
    """An MT940 statement (the Dutch /KEY/value/ :86: fields) in ISO-8859-1, CRLF lines."""
    today = today or timezone.localdate(timezone=account.agency.tzinfo)
    credits = sorted(_credits(account.agency, today), key=lambda c: c[1])
    opening = D("1000.00")
    closing = opening + sum((amount for amount, _b, _t in credits), D(0))
    ccy = account.currency
    lines = [
        f":20:SAMPLE{today:%y%m%d}",
        f":25:{account.iban}",
        ":28C:00001/001",
        f":60F:C{credits[0][1]:%y%m%d}{ccy}{_mt940_amount(opening)}",
    ]
    for n, (amount, booked, text) in enumerate(credits, start=1):
        lines.append(
            f":61:{booked:%y%m%d}{booked:%m%d}C{_mt940_amount(amount)}NTRFNONREF//SMP{n:04d}"
        )
        details = f"/NAME/TikTok Pte. Ltd./REMI/USTD//{text}/"
        chunks = [details[i : i + 65] for i in range(0, len(details), 65)]
        lines.append(":86:" + chunks[0])
        lines.extend(chunks[1:])
    lines.append(f":62F:C{credits[-1][1]:%y%m%d}{ccy}{_mt940_amount(closing)}")
    lines.append("-")
    return ("\r\n".join(lines) + "\r\n").encode("iso-8859-1", errors="replace")

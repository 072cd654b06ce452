"""The demo payouts behind `manage.py seed_demo`: the portal creator of Northstar (the
`creator@northstar.test` login) gets four payouts whose trails show what the product does
with money that arrives, and with money that leaves again:

- a Creativity Program payout reconciled against its deposit, with per-asset line items
  (two tagged with the demo campaign's code) and paid out to the creator in full;
- a USD Creator Fund payout that reached the bank in EUR: implied rate, reference rate
  (USD/EUR 0.92 in the payout settings) and the FX cost;
- a brand deal payout that was matched and paid to the creator, taken back by the bank
  (a CAMT reversal with the same end-to-end id) and paid again a week later;
- an estimated payout of the current month: expected, not due.

Everything goes through the real entry points: statement and payment services, a generated
CAMT.053 file per bank statement through `bank_statement_import`, then `reconcile`.
Idempotent: an agency that already has the first demo statement is left alone. Dates
follow today, like the demo campaign.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from xml.sax.saxutils import escape

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from campaigns.models import Campaign
from creators.models import Creator, CreatorStatus

from . import services
from .bank_import import bank_statement_import
from .models import (
    AdjustmentKind,
    BankAccount,
    PayoutSource,
    PayoutStatement,
    ReconciliationRun,
    StatementStatus,
)
from .reconciliation import reconcile, run_execute
from .selectors import statement_trail

PORTAL_CREATOR_EMAIL = "creator@northstar.test"
FINANCE_EMAIL = "finance@northstar.test"
IBAN = "NL91ABNA0417164300"  # the ISO example IBAN: valid, nobody's
TIKTOK = "TikTok Pte. Ltd."
CAMPAIGN_CODE = "GLOW-26"  # campaigns/demo.py
REFERENCES = {
    "reconciled": "TTCR-NS-DEMO-0001",
    "fx": "TTCF-NS-DEMO-0002",
    "returned": "TTBD-NS-DEMO-0003",
    "estimated": "TTCR-NS-DEMO-0004",
}
D = Decimal


def seed_demo_payouts(agency: Agency) -> bool:
    """Create the demo payouts of `agency`'s portal creator unless they exist. Returns
    whether anything was made (False also when the agency has no portal creator)."""
    creator = Creator.objects.for_agency(agency).filter(email=PORTAL_CREATOR_EMAIL).first()
    if (
        creator is None
        or PayoutStatement.objects.filter(
            agency=agency, platform_reference=REFERENCES["reconciled"]
        ).exists()
    ):
        return False
    actor = get_user_model().objects.filter(email=FINANCE_EMAIL).first()
    today = timezone.localdate(timezone=agency.tzinfo)
    with transaction.atomic():
        _seed(agency, creator, actor, today)
    return True


def _seed(agency: Agency, creator: Creator, actor, today: date) -> None:
    services.payout_settings_update(
        agency=agency, actor=actor, changes={"fx_reference_rates": {"USD/EUR": "0.92"}}
    )
    account = BankAccount.objects.for_agency(agency).filter(iban=IBAN).first()
    if account is None:
        account = services.bank_account_create(
            agency=agency, actor=actor, name="Operating account", iban=IBAN, currency="EUR"
        )

    def day(n: int) -> date:
        return today - timedelta(days=n)

    reconciled = _statement(
        agency, actor, creator, "reconciled", PayoutSource.CREATIVITY_PROGRAM, "EUR", "412.50", 45
    )
    _statement(agency, actor, creator, "fx", PayoutSource.CREATOR_FUND, "USD", "250.00", 30)
    returned = _statement(
        agency, actor, creator, "returned", PayoutSource.BRAND_DEAL, "EUR", "180.00", 20
    )
    _statement(
        agency, actor, creator, "estimated", PayoutSource.CREATIVITY_PROGRAM, "EUR", "96.40", 0
    )
    _lines(agency, reconciled, actor)

    # The first bank statement: three credits from the platform.
    refs = count(1)
    _import(
        account,
        actor,
        "demo-statement-1.xml",
        refs,
        [
            camt_entry(refs, "412.50", day(42), f"Creativity Program {REFERENCES['reconciled']}"),
            # 250.00 USD at the reference rate would be 230.00 EUR; 228.40 arrived.
            camt_entry(refs, "228.40", day(27), f"Creator Fund payout {REFERENCES['fx']}"),
            camt_entry(
                refs, "180.00", day(17), f"Brand deal {REFERENCES['returned']}", e2e="NS-DEMO-E2E-3"
            ),
        ],
    )
    reconcile(agency=agency, actor=actor)
    _pay_in_full(reconciled, actor, day(40), "NS-PAY-0001")
    _pay_in_full(returned, actor, day(15), "NS-PAY-0003")

    # The next statement: the bank takes the brand deal's credit back (a reversal with the
    # same end-to-end id), and the platform pays it again a week later.
    _import(
        account,
        actor,
        "demo-statement-2.xml",
        refs,
        [
            camt_entry(
                refs,
                "180.00",
                day(12),
                f"RETURN {REFERENCES['returned']} account closed",
                e2e="NS-DEMO-E2E-3",
                reversal=True,
            ),
            camt_entry(refs, "180.00", day(5), f"Brand deal {REFERENCES['returned']} repaid"),
        ],
    )
    reconcile(agency=agency, actor=actor)


def _statement(agency, actor, creator, key, source, currency, amount, settled_days_ago):
    today = timezone.localdate(timezone=agency.tzinfo)
    estimated = key == "estimated"
    settled_on = today - timedelta(days=settled_days_ago)
    # The platform settles the month before: an estimate is of the month so far.
    end = today if estimated else settled_on.replace(day=1) - timedelta(days=1)
    return services.statement_create(
        agency=agency,
        actor=actor,
        data={
            "creator": creator,
            "source": source,
            "platform_reference": REFERENCES[key],
            "period_start": end.replace(day=1),
            "period_end": end,
            "currency": currency,
            "estimated_amount": D(amount),
            "settled_amount": None if estimated else D(amount),
            "status": StatementStatus.ESTIMATED if estimated else StatementStatus.SETTLED,
            "settled_date": None if estimated else settled_on,
        },
    )


def _lines(agency: Agency, statement: PayoutStatement, actor) -> None:
    code = (
        CAMPAIGN_CODE if Campaign.objects.filter(agency=agency, code=CAMPAIGN_CODE).exists() else ""
    )
    for asset, campaign_code, description, amount in [
        ("tiktok.com/@mila/video/7351", code, "Oat latte, but make it pink", "188.20"),
        ("tiktok.com/@mila/video/7363", code, "Three ways to start the day", "141.75"),
        ("tiktok.com/@mila/video/7370", "", "Studio tour", "82.55"),
    ]:
        services.payout_line_add(
            statement=statement,
            actor=actor,
            asset_reference=asset,
            campaign_code=campaign_code,
            description=description,
            amount=D(amount),
        )


def _pay_in_full(statement: PayoutStatement, actor, paid_on: date, reference: str) -> None:
    (net,) = statement_trail(PayoutStatement.objects.get(pk=statement.pk)).nets
    services.creator_payment_record(
        statement=statement,
        actor=actor,
        paid_on=paid_on,
        reference=reference,
        amount=net.to_pay,
        currency=net.currency,
    )


def camt_entry(
    refs, amount, booked, remittance, *, e2e="", reversal=False, currency="EUR", prefix="NSB"
) -> str:
    """One booked CAMT.053 entry: a credit from the platform, or its reversal (a debit
    with RvslInd and the credit's end-to-end id, as banks book a returned transfer)."""
    debit = reversal
    code = ("PMNT", "RCDT", "RRTN") if reversal else ("PMNT", "RCDT", "ESCT")
    party = "Cdtr" if debit else "Dbtr"
    return (
        f'<Ntry><Amt Ccy="{currency}">{amount}</Amt>'
        f"<CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd>"
        + ("<RvslInd>true</RvslInd>" if reversal else "")
        + f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{booked.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{booked.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>{prefix}{booked:%y%m%d}{next(refs):04d}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{code[0]}</Cd><Fmly><Cd>{code[1]}</Cd>"
        f"<SubFmlyCd>{code[2]}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        "<NtryDtls><TxDtls><Refs>"
        + (f"<EndToEndId>{escape(e2e)}</EndToEndId>" if e2e else "")
        + f"</Refs><RltdPties><{party}><Nm>{escape(TIKTOK)}</Nm></{party}></RltdPties>"
        f"<RmtInf><Ustrd>{escape(remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def camt053(account: BankAccount, refs, entries: list[str], *, prefix: str = "NS-DEMO") -> bytes:
    """A CAMT.053 bank statement of `account` with the given entries (see `camt_entry`)."""
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{prefix}-{next(refs)}</MsgId>"
        f"<CreDtTm>{timezone.now().replace(microsecond=0).isoformat()}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{prefix}-{next(refs)}</Id>"
        f"<Acct><Id><IBAN>{account.iban}</IBAN></Id><Ccy>{account.currency}</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )
    return document.encode()


def _import(
    account: BankAccount, actor, name: str, refs, entries: list[str], *, prefix: str = "NS-DEMO"
) -> None:
    bank_statement_import(
        account=account,
        actor=actor,
        data=camt053(account, refs, entries, prefix=prefix),
        file_name=name,
        format="camt053",
    )


# --- The agency's books: every finance page with something on it -----------------------------


@dataclass(frozen=True)
class DemoBooks:
    """Per demo agency: its operating account and the prefixes of its references."""

    iban: str
    ref: str  # in statement references: TTCR-<ref>-202611-01
    bank: str  # the bank's own reference prefix
    fx_pair: str
    fx_rate: str


BOOKS = {
    # ISO/bank example IBANs: valid check digits, nobody's account.
    "northstar": DemoBooks(IBAN, "NS", "NSF", "USD/EUR", "0.92"),
    "lumen": DemoBooks("GB29NWBK60161331926819", "LU", "LUF", "USD/GBP", "0.79"),
}
SOURCES = (
    (PayoutSource.CREATIVITY_PROGRAM, "TTCR"),
    (PayoutSource.CREATOR_FUND, "TTCF"),
    (PayoutSource.BRAND_DEAL, "TTBD"),
)
MONTHS = 5  # settled months before this one, plus this month's estimates
AMBIGUOUS = "315.00"  # two statements of one amount, one deposit without a reference


def _month_end(today: date, months_ago: int) -> date:
    first = today.replace(day=1)
    for _ in range(months_ago - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first - timedelta(days=1)


def books_marker(agency: Agency) -> str:
    return f"TTCR-{BOOKS[agency.slug].ref}-M{MONTHS}-01"


def seed_demo_books(agency: Agency) -> bool:
    """Five months of statements for six creators of a demo agency, its bank account and two
    imported CAMT.053 files, reconciled in two runs: matched by reference, a USD payout that
    arrived in the agency's currency (FX), a deposit the bank took back, two statements of
    one amount competing for a deposit without reference (the exceptions queue), a credit
    nobody claims, a hold, a dispute and an adjustment; this month's estimates; the older
    months paid to the creators. Idempotent through its first statement's reference."""
    books = BOOKS.get(agency.slug)
    if (
        books is None
        or PayoutStatement.objects.filter(
            agency=agency, platform_reference=books_marker(agency)
        ).exists()
    ):
        return False
    creators = list(
        Creator.objects.for_agency(agency)
        .filter(status=CreatorStatus.ACTIVE)
        .exclude(email=PORTAL_CREATOR_EMAIL)
        .order_by("pk")[:6]
    )
    if len(creators) < 6:
        return False
    actor = (
        get_user_model()
        .objects.filter(memberships__agency=agency, memberships__role__in=["finance", "owner"])
        .order_by("memberships__role", "pk")
        .first()
    )
    with transaction.atomic():
        _seed_books(agency, books, creators, actor)
    return True


def _seed_books(agency: Agency, books: DemoBooks, creators: list[Creator], actor) -> None:
    rng = random.Random(f"demo-books-{agency.slug}")
    today = timezone.localdate(timezone=agency.tzinfo)
    currency = agency.default_currency
    settings_row = services.settings_for(agency)
    rates = {**(settings_row.fx_reference_rates or {}), books.fx_pair: books.fx_rate}
    services.payout_settings_update(
        agency=agency, actor=actor, changes={"fx_reference_rates": rates}
    )
    account = BankAccount.objects.for_agency(agency).filter(iban=books.iban).first()
    if account is None:
        account = services.bank_account_create(
            agency=agency,
            actor=actor,
            name="Operating account",
            iban=books.iban,
            currency=currency,
        )
    refs = count(1)

    def entry(amount, booked, remittance, **kwargs) -> str:
        return camt_entry(
            refs, amount, booked, remittance, currency=currency, prefix=books.bank, **kwargs
        )

    first_file: list[str] = []
    second_file: list[str] = []
    to_pay: list[PayoutStatement] = []
    special: dict[str, PayoutStatement] = {}
    for months_ago in range(MONTHS, 0, -1):
        end = _month_end(today, months_ago)
        settled_on = end + timedelta(days=12)
        booked = settled_on + timedelta(days=3)
        file = first_file if months_ago >= 3 else second_file
        for index, creator in enumerate(creators):
            source, letter = SOURCES[(index + months_ago) % len(SOURCES)]
            amount = D(rng.randrange(8_000, 90_000)) / 100
            statement_currency = currency
            reference = f"{letter}-{books.ref}-{end:%Y%m}-{index + 1:02d}"
            if months_ago == MONTHS and index == 0:
                reference = books_marker(agency)
            fx = months_ago == 3 and index == 2
            ambiguous = months_ago == 2 and index in (4, 5)
            if fx:
                source, statement_currency, amount = PayoutSource.CREATOR_FUND, "USD", D("250.00")
            if ambiguous:
                amount = D(AMBIGUOUS)
            statement = services.statement_create(
                agency=agency,
                actor=actor,
                data={
                    "creator": creator,
                    "source": source,
                    "platform_reference": reference,
                    "period_start": end.replace(day=1),
                    "period_end": end,
                    "currency": statement_currency,
                    "estimated_amount": (amount * D("1.04")).quantize(D("0.01")),
                    "settled_amount": amount,
                    "status": StatementStatus.SETTLED,
                    "settled_date": settled_on,
                },
            )
            special[f"m{months_ago}-{index}"] = statement
            if months_ago == 1 and index >= 2:
                continue  # settled, not arrived yet: still expected from the platform
            if fx:
                # 250.00 USD at the reference rate, less the bank's conversion cost.
                arrived = (amount * D(books.fx_rate) - D("1.35")).quantize(D("0.01"))
                file.append(entry(arrived, booked, f"Creator Fund payout {reference}"))
                to_pay.append(statement)
            elif ambiguous:
                continue  # one deposit for the two, below
            elif months_ago == 4 and index == 1:
                # Matched now; the second file has the bank taking it back.
                e2e = f"{books.ref}-DEMO-RETURN-1"
                file.append(entry(amount, booked, f"TikTok payout {reference}", e2e=e2e))
                second_file.append(
                    entry(
                        amount,
                        booked + timedelta(days=9),
                        f"RETURN {reference} beneficiary account closed",
                        e2e=e2e,
                        reversal=True,
                    )
                )
            else:
                file.append(entry(amount, booked, f"TikTok payout {reference}"))
                if months_ago >= 4:
                    to_pay.append(statement)
    # Two statements of 315.00 and one deposit naming neither: a person picks (exceptions).
    second_file.append(
        entry(D(AMBIGUOUS), _month_end(today, 2) + timedelta(days=16), "TikTok payout")
    )
    # A credit nobody's statement explains: stays open on the bank side.
    second_file.append(
        entry(D("42.50"), _month_end(today, 1) + timedelta(days=14), "Refund Studio Bloom")
    )
    # This month so far: estimates, not due.
    for index, creator in enumerate(creators[:4]):
        source, letter = SOURCES[index % len(SOURCES)]
        services.statement_create(
            agency=agency,
            actor=actor,
            data={
                "creator": creator,
                "source": source,
                "platform_reference": f"{letter}-{books.ref}-{today:%Y%m}-{index + 1:02d}",
                "period_start": today.replace(day=1),
                "period_end": today,
                "currency": currency,
                "estimated_amount": D(rng.randrange(5_000, 40_000)) / 100,
                "settled_amount": None,
                "status": StatementStatus.ESTIMATED,
                "settled_date": None,
            },
        )

    prefix = f"{books.ref}-BOOKS"
    _import(account, actor, f"{agency.slug}-statement-older.xml", refs, first_file, prefix=prefix)
    run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency), actor=actor)
    for statement in to_pay:
        _pay_in_full(
            statement, actor, today - timedelta(days=40), f"{books.ref}-PAY-{statement.pk}"
        )
    _import(account, actor, f"{agency.slug}-statement-recent.xml", refs, second_file, prefix=prefix)
    run_execute(agency=agency, run=ReconciliationRun.objects.create(agency=agency), actor=actor)

    services.hold_place(
        statement=special["m1-2"],
        actor=actor,
        reason="The platform verifies twelve videos flagged for invalid activity.",
        expected_release=today + timedelta(days=10),
    )
    services.dispute_open(
        statement=special["m1-3"],
        actor=actor,
        transaction_data=f"Settled {special['m1-3'].settled_amount} for 14 videos; the "
        "dashboard showed 16 qualifying videos in the period.",
        links="https://www.tiktok.com/creator-center/",
    )
    services.adjustment_add(
        statement=special["m3-5"],
        actor=actor,
        kind=AdjustmentKind.INVALID_ACTIVITY,
        amount=D("-12.40"),
        reason="Views from an invalid traffic source removed by the platform.",
    )

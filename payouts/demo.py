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

from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from xml.sax.saxutils import escape

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from campaigns.models import Campaign
from creators.models import Creator

from . import services
from .bank_import import bank_statement_import
from .models import BankAccount, PayoutSource, PayoutStatement, StatementStatus
from .reconciliation import reconcile
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
            _entry(refs, "412.50", day(42), f"Creativity Program {REFERENCES['reconciled']}"),
            # 250.00 USD at the reference rate would be 230.00 EUR; 228.40 arrived.
            _entry(refs, "228.40", day(27), f"Creator Fund payout {REFERENCES['fx']}"),
            _entry(
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
            _entry(
                refs,
                "180.00",
                day(12),
                f"RETURN {REFERENCES['returned']} account closed",
                e2e="NS-DEMO-E2E-3",
                reversal=True,
            ),
            _entry(refs, "180.00", day(5), f"Brand deal {REFERENCES['returned']} repaid"),
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


def _entry(refs, amount, booked, remittance, *, e2e="", reversal=False) -> str:
    """One booked CAMT.053 entry: a credit from the platform, or its reversal (a debit
    with RvslInd and the credit's end-to-end id, as banks book a returned transfer)."""
    debit = reversal
    code = ("PMNT", "RCDT", "RRTN") if reversal else ("PMNT", "RCDT", "ESCT")
    party = "Cdtr" if debit else "Dbtr"
    return (
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt>'
        f"<CdtDbtInd>{'DBIT' if debit else 'CRDT'}</CdtDbtInd>"
        + ("<RvslInd>true</RvslInd>" if reversal else "")
        + f"<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>{booked.isoformat()}</Dt></BookgDt>"
        f"<ValDt><Dt>{booked.isoformat()}</Dt></ValDt>"
        f"<AcctSvcrRef>NSB{booked:%y%m%d}{next(refs):04d}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>{code[0]}</Cd><Fmly><Cd>{code[1]}</Cd>"
        f"<SubFmlyCd>{code[2]}</SubFmlyCd></Fmly></Domn></BkTxCd>"
        "<NtryDtls><TxDtls><Refs>"
        + (f"<EndToEndId>{escape(e2e)}</EndToEndId>" if e2e else "")
        + f"</Refs><RltdPties><{party}><Nm>{escape(TIKTOK)}</Nm></{party}></RltdPties>"
        f"<RmtInf><Ustrd>{escape(remittance)}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )


def _import(account: BankAccount, actor, name: str, refs, entries: list[str]) -> None:
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>NS-DEMO-{next(refs)}</MsgId>"
        f"<CreDtTm>{timezone.now().replace(microsecond=0).isoformat()}</CreDtTm></GrpHdr>"
        f"<Stmt><Id>NS-DEMO-{next(refs)}</Id>"
        f"<Acct><Id><IBAN>{account.iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    )
    bank_statement_import(
        account=account, actor=actor, data=document.encode(), file_name=name, format="camt053"
    )

"""Builders for payout tests: statements through the service, bank credits as plain rows."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from payouts.models import BankAccount, BankTransaction, PayoutSettings
from payouts.services import statement_create
from tests.factories import CreatorFactory

D = Decimal


def settings_row(agency, **changes) -> PayoutSettings:
    obj, _ = PayoutSettings.objects.get_or_create(agency=agency)
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.save()
    return obj


def account(agency, iban="NL91ABNA0417164300", currency="EUR") -> BankAccount:
    obj, _ = BankAccount.objects.get_or_create(
        agency=agency, iban=iban, defaults={"name": "Main", "currency": currency}
    )
    return obj


def statement(
    agency,
    ref,
    amount,
    *,
    currency="EUR",
    settled_date=dt.date(2025, 1, 31),
    source="creativity_program",
    creator=None,
    status="settled",
):
    return statement_create(
        agency=agency,
        actor=None,
        data={
            "creator": creator or CreatorFactory(agency=agency),
            "source": source,
            "platform_reference": ref,
            "period_start": dt.date(2025, 1, 1),
            "period_end": dt.date(2025, 1, 31),
            "currency": currency,
            "estimated_amount": D(str(amount)),
            "settled_amount": D(str(amount)) if status != "estimated" else None,
            "status": status,
            "settled_date": settled_date if status != "estimated" else None,
        },
    )


def credit(
    agency,
    amount,
    *,
    remittance="",
    currency="EUR",
    booking_date=dt.date(2025, 2, 3),
    debit=False,
    reversal=False,
    end_to_end_id="",
    bank_account=None,
) -> BankTransaction:
    return BankTransaction.objects.create(
        agency=agency,
        bank_account=bank_account or account(agency),
        booking_date=booking_date,
        amount=D(str(amount)),
        currency=currency,
        credit_debit="debit" if debit else "credit",
        remittance_info=remittance,
        end_to_end_id=end_to_end_id,
        is_reversal=reversal,
        fingerprint=uuid.uuid4().bytes,
    )

"""The invariants that must hold even if code forgets them: database constraints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from payouts.models import BankAccount, BankTransaction, Match, PayoutStatement
from payouts.services import bank_account_create

from .builders import account, credit, statement

D = Decimal
pytestmark = pytest.mark.django_db


def test_a_transaction_cannot_be_allocated_beyond_its_amount_at_the_database(agency):
    txn = credit(agency, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankTransaction.objects.filter(pk=txn.pk).update(allocated_amount=D("100.01"))


def test_a_transaction_cannot_have_a_negative_allocation(agency):
    txn = credit(agency, "100.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankTransaction.objects.filter(pk=txn.pk).update(allocated_amount=D("-0.01"))


def test_a_statement_cannot_receive_more_than_it_is_worth_at_the_database(agency):
    s = statement(agency, "TT-1", "50.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutStatement.objects.filter(pk=s.pk).update(allocated_amount=D("50.01"))


def test_a_platform_reference_is_unique_per_agency_and_source(agency, other_agency):
    statement(agency, "TT-1", "50.00")
    statement(other_agency, "TT-1", "50.00")  # another agency may reuse it
    statement(agency, "TT-1", "50.00", source="affiliate")  # another source too
    with pytest.raises(IntegrityError), transaction.atomic():
        s = PayoutStatement.objects.filter(agency=agency).first()
        s.pk = None
        s.save()


def test_a_settled_statement_needs_its_amount_and_date_at_the_database(agency):
    s = statement(agency, "TT-1", "50.00", status="estimated")
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutStatement.objects.filter(pk=s.pk).update(status="settled")


def test_the_same_occurrence_of_a_bank_transaction_is_stored_once(agency):
    txn = credit(agency, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        BankTransaction.objects.create(
            agency=agency,
            bank_account=txn.bank_account,
            booking_date=dt.date(2025, 1, 1),
            amount=D("10.00"),
            currency="EUR",
            credit_debit="credit",
            fingerprint=txn.fingerprint,
            occurrence=txn.occurrence,
        )


def test_one_pair_of_statement_and_transaction_has_one_match_row(agency):
    s, txn = statement(agency, "TT-1", "5.00"), credit(agency, "5.00")
    fields = dict(amount=D("1"), statement_amount=D("1"), rule="manual", confidence=D("1"))
    Match.objects.create(agency=agency, statement=s, transaction=txn, status="rejected", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Match.objects.create(
            agency=agency, statement=s, transaction=txn, status="proposed", **fields
        )


def test_a_bank_account_iban_is_validated_with_schwifty(agency, owner):
    with pytest.raises(ValidationError) as exc:
        bank_account_create(
            agency=agency, actor=owner, name="x", iban="NL91ABNA0417164301", currency="EUR"
        )
    assert "iban" in exc.value.message_dict
    assert not BankAccount.objects.exists()


def test_a_bank_account_stores_the_compact_iban_and_is_audited(agency, owner):
    created = bank_account_create(
        agency=agency, actor=owner, name="Main", iban="nl91 abna 0417 1643 00", currency="EUR"
    )
    assert created.iban == "NL91ABNA0417164300"
    from agencies.models import AuditLog

    assert AuditLog.objects.filter(agency=agency, action="bank_account.create").count() == 1
    with pytest.raises(ValidationError):
        bank_account_create(
            agency=agency, actor=owner, name="Dup", iban="NL91ABNA0417164300", currency="EUR"
        )
    assert account(agency).pk == created.pk

"""Payout statement lifecycle, adjustments, holds and disputes through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agencies.models import AuditLog
from payouts.services import (
    adjustment_add,
    dispute_close,
    dispute_open,
    hold_place,
    hold_release,
    statement_update,
)

from .builders import statement

pytestmark = pytest.mark.django_db


def test_an_estimated_statement_can_be_settled(agency, finance):
    s = statement(agency, "TT-1", "10.00", status="estimated")
    s = statement_update(
        statement=s,
        actor=finance,
        changes={
            "status": "settled",
            "settled_amount": Decimal("9.50"),
            "settled_date": dt.date(2025, 2, 1),
        },
    )
    assert s.status == "settled"
    entry = AuditLog.objects.get(action="payout_statement.update")
    assert entry.before["status"] == "estimated" and entry.after["status"] == "settled"


def test_settling_without_an_amount_is_refused(agency, finance):
    s = statement(agency, "TT-1", "10.00", status="estimated")
    with pytest.raises(ValidationError) as exc:
        statement_update(statement=s, actor=finance, changes={"status": "settled"})
    assert "settled_amount" in exc.value.message_dict


@pytest.mark.parametrize("target", ["reconciled", "estimated"])
def test_a_statement_cannot_jump_the_lifecycle(agency, finance, target):
    s = statement(agency, "TT-1", "10.00")
    with pytest.raises(ValidationError) as exc:
        statement_update(statement=s, actor=finance, changes={"status": target})
    assert "status" in exc.value.message_dict


def test_a_hold_puts_the_statement_on_hold_until_released(agency, finance):
    s = statement(agency, "TT-1", "10.00")
    hold = hold_place(statement=s, actor=finance, reason="Verification", expected_release=None)
    s.refresh_from_db()
    assert s.status == "on_hold"
    hold_release(hold=hold, actor=finance)
    s.refresh_from_db()
    assert s.status == "settled"
    with pytest.raises(ValidationError):
        hold_release(hold=hold, actor=finance)


def test_an_adjustment_needs_a_reason_and_marks_the_statement_adjusted(agency, finance):
    s = statement(agency, "TT-1", "10.00")
    with pytest.raises(ValidationError):
        adjustment_add(statement=s, actor=finance, kind="refund", amount=Decimal("-1"), reason=" ")
    adjustment_add(
        statement=s, actor=finance, kind="invalid_activity", amount=Decimal("-1"), reason="Bots"
    )
    s.refresh_from_db()
    assert s.status == "adjusted"
    assert AuditLog.objects.filter(action="payout_adjustment.create").count() == 1


def test_a_dispute_is_opened_with_data_and_closed_with_an_outcome(agency, finance):
    s = statement(agency, "TT-1", "10.00")
    dispute = dispute_open(
        statement=s, actor=finance, transaction_data="views 2025-01-03", links="https://x.test/1"
    )
    s.refresh_from_db()
    assert s.status == "disputed"
    with pytest.raises(ValidationError):
        dispute_close(dispute=dispute, actor=finance, status="resolved", outcome="")
    dispute_close(dispute=dispute, actor=finance, status="resolved", outcome="Paid in full")
    dispute.refresh_from_db()
    assert dispute.status == "resolved" and dispute.closed_at
    with pytest.raises(ValidationError):
        dispute_close(dispute=dispute, actor=finance, status="rejected", outcome="again")

"""The money trail of one payout: platform amount → received → commission → due to creator."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from agencies.models import Agency

from .models import CreatorCommission, MatchStatus, PayoutSettings, PayoutStatement
from .money import quantize


@dataclass(frozen=True)
class PayoutBreakdown:
    statement: PayoutStatement
    platform_amount: Decimal
    received: dict[str, Decimal]  # per deposit currency
    fees_and_fx: Decimal  # what was lost on the way, in the statement's currency
    commission_rate: Decimal
    commission: Decimal
    due_to_creator: Decimal
    paid_to_creator: Decimal


def commission_rates(agency: Agency) -> tuple[Decimal, dict[int, Decimal]]:
    default = (
        PayoutSettings.objects.filter(agency=agency)
        .values_list("default_commission_rate", flat=True)
        .first()
    )
    per_creator = dict(
        CreatorCommission.objects.for_agency(agency).values_list("creator_id", "rate")
    )
    return (default if default is not None else Decimal("0.2000")), per_creator


def _confirmed(statement: PayoutStatement) -> list:
    prefetched = getattr(statement, "confirmed_matches", None)
    if prefetched is not None:
        return prefetched
    return [m for m in statement.matches.all() if m.status == MatchStatus.CONFIRMED]


def breakdowns(
    agency: Agency,
    statements: list[PayoutStatement],
    *,
    rates: tuple[Decimal, dict[int, Decimal]] | None = None,
) -> list[PayoutBreakdown]:
    """Commission and amounts due for `statements` (prefetch their confirmed matches with
    their transactions, see selectors.reconciliation_report, and creator_payments).

    Commission is taken on what the platform settled (amount_due), rounded half-up per
    currency; the creator is due the rest. Pass `rates` (from `commission_rates`) when
    calling this repeatedly for one agency.
    """
    default, per_creator = rates if rates is not None else commission_rates(agency)
    rows = []
    for s in statements:
        rate = per_creator.get(s.creator_id, default)
        confirmed = _confirmed(s)
        received: dict[str, Decimal] = {}
        for m in confirmed:
            received[m.transaction.currency] = received.get(m.transaction.currency, 0) + m.amount
        fees = sum(
            (m.difference / m.fx_rate if m.fx_rate else m.difference for m in confirmed),
            Decimal(0),
        )
        platform = s.amount_due
        commission = quantize(platform * rate, s.currency)
        rows.append(
            PayoutBreakdown(
                statement=s,
                platform_amount=platform,
                received=received,
                fees_and_fx=quantize(fees, s.currency),
                commission_rate=rate,
                commission=commission,
                due_to_creator=platform - commission,
                paid_to_creator=sum((p.amount for p in s.creator_payments.all()), Decimal(0)),
            )
        )
    return rows

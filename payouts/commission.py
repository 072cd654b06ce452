"""The money trail of one payout: platform amount → received → commission → due to creator."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from campaigns.models import Contract

from .models import CreatorCommission, MatchStatus, PayoutSettings, PayoutStatement
from .money import quantize


class RateSource(models.TextChoices):
    """Where a payout's commission rate came from, most specific first."""

    CONTRACT = "contract", _("Contract rate")
    CREATOR = "creator", _("Creator's rate")
    AGENCY = "agency", _("Agency default")


@dataclass(frozen=True)
class PayoutBreakdown:
    statement: PayoutStatement
    platform_amount: Decimal
    received: dict[str, Decimal]  # per deposit currency
    fees_and_fx: Decimal  # what was lost on the way, in the statement's currency
    commission_rate: Decimal
    commission_source: RateSource  # agency-internal: never shown to the creator
    commission: Decimal
    due_to_creator: Decimal
    paid_to_creator: Decimal

    @property
    def commission_percent(self) -> Decimal:
        return self.commission_rate * 100


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


def _contract_rates(agency: Agency, statements: list[PayoutStatement]) -> dict[int, Decimal | None]:
    """Commission rates of the statements' contracts: from the contracts already loaded
    (select_related("contract")), the others in one query, never one per statement."""
    field = PayoutStatement._meta.get_field("contract")
    rates: dict[int, Decimal | None] = {}
    missing = set()
    for s in statements:
        if s.contract_id is None:
            continue
        if field.is_cached(s):
            rates[s.contract_id] = s.contract.commission_rate
        else:
            missing.add(s.contract_id)
    missing -= rates.keys()
    if missing:
        rates.update(
            Contract.objects.for_agency(agency)
            .filter(pk__in=missing)
            .values_list("pk", "commission_rate")
        )
    return rates


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
    per_contract = _contract_rates(agency, statements)
    rows = []
    for s in statements:
        # Precedence: the contract's rate, else the creator's, else the agency default.
        contract_rate = per_contract.get(s.contract_id) if s.contract_id else None
        if contract_rate is not None:
            rate, source = contract_rate, RateSource.CONTRACT
        elif s.creator_id in per_creator:
            rate, source = per_creator[s.creator_id], RateSource.CREATOR
        else:
            rate, source = default, RateSource.AGENCY
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
                commission_source=source,
                commission=commission,
                due_to_creator=platform - commission,
                paid_to_creator=sum((p.amount for p in s.creator_payments.all()), Decimal(0)),
            )
        )
    return rows

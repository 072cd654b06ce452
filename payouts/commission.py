"""A creator's net from money that arrived: received → costs → commission → net → paid.

The figures are taken from confirmed matches only (money that reached the bank and stayed
there: a reversed match counts for nothing), in the currency the money arrived in, one
`Net` per arrival currency (a USD statement paid in EUR is settled with the creator in EUR).

- *Costs* are what the platform stated minus what arrived (`Match.difference`, in the
  deposit currency): bank fees, and for a converted deposit the shortfall against the
  reference rate. A favourable rate makes them negative.
- *Commission* is the rate (contract, else creator, else agency default) times the basis the
  agency chose: what was received, or the settled amount (received plus costs, i.e. the
  settled amount in the arrival currency at the reference rate). Rounded half-up per currency.
- *Who bears the costs*: the creator (their net is what arrived less commission: the costs
  stay deducted) or the agency (its commission absorbs them: the creator's net gets them back).
  Either way net + what the agency keeps = what was received, to the cent.

Until money arrives there is nothing due, only an *expected* figure (`Expected`) from the
platform's settled amount, or its estimate before settlement: an estimate, never "due".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from campaigns.models import Contract

from .models import (
    ZERO,
    CommissionBasis,
    CostBearer,
    CreatorCommission,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
)
from .money import quantize


class RateSource(models.TextChoices):
    """Where a payout's commission rate came from, most specific first."""

    CONTRACT = "contract", _("Contract rate")
    CREATOR = "creator", _("Creator's rate")
    AGENCY = "agency", _("Agency default")


@dataclass(frozen=True)
class CommissionTerms:
    """The agency's side of the sum: default rate, per-creator rates, basis, cost bearer."""

    default_rate: Decimal
    per_creator: dict[int, Decimal]
    basis: str = CommissionBasis.RECEIVED
    costs_borne_by: str = CostBearer.CREATOR


@dataclass(frozen=True)
class Net:
    """What arrived in one currency and how it splits between creator and agency."""

    currency: str
    received: Decimal
    costs: Decimal
    basis_amount: Decimal  # what the commission is taken on
    commission: Decimal
    costs_to_agency: Decimal  # the part of `costs` the agency's commission absorbs
    due: Decimal  # the creator's net
    paid: Decimal

    @property
    def costs_to_creator(self) -> Decimal:
        return self.costs - self.costs_to_agency

    @property
    def agency_keeps(self) -> Decimal:
        return self.commission - self.costs_to_agency

    @property
    def to_pay(self) -> Decimal:
        """Still to pay the creator; negative when they were paid more than is now due (a
        deposit came back after they were paid)."""
        return self.due - self.paid


@dataclass(frozen=True)
class Expected:
    """An estimate while nothing arrived: from the settled amount, or before settlement
    from the platform's estimate. Never a figure anyone is due."""

    currency: str
    amount: Decimal
    from_estimate: bool
    commission: Decimal
    to_creator: Decimal


@dataclass(frozen=True)
class PayoutBreakdown:
    statement: PayoutStatement
    platform_amount: Decimal  # settled amount, or the estimate before settlement
    settled: bool
    received: dict[str, Decimal]  # per arrival currency
    commission_rate: Decimal
    commission_source: RateSource  # agency-internal: never shown to the creator
    basis: str
    costs_borne_by: str
    nets: tuple[Net, ...]  # one per arrival (or payment) currency, the statement's first
    expected: Expected | None  # only while nothing arrived

    @property
    def commission_percent(self) -> Decimal:
        return self.commission_rate * 100

    @property
    def net(self) -> Net | None:
        """The one Net when the money came in one currency (the usual case)."""
        return self.nets[0] if len(self.nets) == 1 else None

    @property
    def currency(self) -> str | None:
        """The currency the creator is settled in; None while nothing arrived or when the
        money came in several currencies (read `nets` then: never summed across them)."""
        return self.net.currency if self.net else None

    def _single(self, name: str) -> Decimal | None:
        if not self.nets:
            return ZERO
        return getattr(self.net, name) if self.net else None

    @property
    def commission(self) -> Decimal | None:
        return self._single("commission")

    @property
    def due_to_creator(self) -> Decimal | None:
        return self._single("due")

    @property
    def paid_to_creator(self) -> Decimal | None:
        return self._single("paid")

    @property
    def to_pay(self) -> Decimal | None:
        return self._single("to_pay")

    @property
    def fully_paid(self) -> bool:
        """Whether nothing is left to pay the creator (in every currency the money came in)."""
        return bool(self.nets) and all(n.to_pay <= 0 for n in self.nets)


def commission_terms(agency: Agency) -> CommissionTerms:
    """The agency's commission terms in two queries (settings, per-creator rates)."""
    row = (
        PayoutSettings.objects.filter(agency=agency)
        .values("default_commission_rate", "commission_basis", "costs_borne_by")
        .first()
    )
    per_creator = dict(
        CreatorCommission.objects.for_agency(agency).values_list("creator_id", "rate")
    )
    if row is None:
        return CommissionTerms(Decimal("0.2000"), per_creator)
    return CommissionTerms(
        row["default_commission_rate"], per_creator, row["commission_basis"], row["costs_borne_by"]
    )


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


def statement_matches(statement: PayoutStatement) -> list:
    """The statement's confirmed and reversed matches with their transactions: prefetched as
    `trail_matches` (see selectors.reconciliation_report) or read now."""
    prefetched = getattr(statement, "trail_matches", None)
    if prefetched is not None:
        return prefetched
    return list(
        statement.matches.filter(status__in=[MatchStatus.CONFIRMED, MatchStatus.REVERSED])
        .select_related("transaction__reversed_by")
        .order_by("transaction__booking_date", "pk")
    )


def _net(terms: CommissionTerms, rate: Decimal, currency: str, matches, paid) -> Net:
    received = sum((m.amount for m in matches), ZERO)
    costs = sum((m.difference for m in matches), ZERO)
    basis_amount = received if terms.basis == CommissionBasis.RECEIVED else received + costs
    commission = quantize(basis_amount * rate, currency)
    to_agency = costs if terms.costs_borne_by == CostBearer.AGENCY else ZERO
    return Net(
        currency=currency,
        received=quantize(received, currency),
        costs=quantize(costs, currency),
        basis_amount=quantize(basis_amount, currency),
        commission=commission,
        costs_to_agency=quantize(to_agency, currency),
        due=quantize(received - commission + to_agency, currency),
        paid=quantize(paid, currency),
    )


def breakdowns(
    agency: Agency,
    statements: list[PayoutStatement],
    *,
    terms: CommissionTerms | None = None,
) -> list[PayoutBreakdown]:
    """The net of each of `statements` (prefetch `trail_matches` and creator_payments, see
    selectors.reconciliation_report, or pay a query or two per statement). Pass `terms`
    (from `commission_terms`) when calling this repeatedly for one agency."""
    terms = terms or commission_terms(agency)
    per_contract = _contract_rates(agency, statements)
    rows = []
    for s in statements:
        # Precedence: the contract's rate, else the creator's, else the agency default.
        contract_rate = per_contract.get(s.contract_id) if s.contract_id else None
        if contract_rate is not None:
            rate, source = contract_rate, RateSource.CONTRACT
        elif s.creator_id in terms.per_creator:
            rate, source = terms.per_creator[s.creator_id], RateSource.CREATOR
        else:
            rate, source = terms.default_rate, RateSource.AGENCY
        by_currency: dict[str, list] = {}
        for m in statement_matches(s):
            if m.status == MatchStatus.CONFIRMED:
                by_currency.setdefault(m.transaction.currency, []).append(m)
        paid: dict[str, Decimal] = {}
        for p in s.creator_payments.all():
            paid[p.currency] = paid.get(p.currency, ZERO) + p.amount
        currencies = sorted(by_currency.keys() | paid.keys(), key=lambda c: (c != s.currency, c))
        nets = tuple(
            _net(terms, rate, c, by_currency.get(c, []), paid.get(c, ZERO)) for c in currencies
        )
        settled = s.settled_amount is not None
        expected = None
        if not by_currency:
            amount = s.amount_due
            commission = quantize(amount * rate, s.currency)
            expected = Expected(s.currency, amount, not settled, commission, amount - commission)
        rows.append(
            PayoutBreakdown(
                statement=s,
                platform_amount=s.amount_due,
                settled=settled,
                received={n.currency: n.received for n in nets if n.received},
                commission_rate=rate,
                commission_source=source,
                basis=terms.basis,
                costs_borne_by=terms.costs_borne_by,
                nets=nets,
                expected=expected,
            )
        )
    return rows

"""The matching engine: pure decisions over plain in-memory state, no database.

`runs` loads the state, hands the engine the open credits pass by pass, and writes what it
decides (`writes`). Passes go from the strongest evidence to the weakest, so a weaker pair
never takes a statement or a deposit that a stronger one claims:

  reference     a reference found whole, with nothing but separators around it: the
                amount decides full payment, a fee short, a part, or (several references
                adding up) a batch; in another currency, the reference rate of the booking
                day within the FX tolerance;
  reference_weak  a reference glued to other letters or digits, or cut short by the bank:
                among its candidates the one paid to the cent wins, then one short by a
                fee; several equally good go to a person;
  amount_date   no reference: the exact open amount in the date window, one candidate on
                both sides (deposits from payers already seen paying by reference first;
                one from a payer never seen paying by reference goes to a person);
  batch         2-4 statements of the deposit's currency adding up to it (one subset only);
  fx            another currency at the reference rate of the booking day (one candidate).

A credit that names a statement whole never falls through to the amount, batch and FX
passes: a second payment of a statement already paid is for a person, not for the first
statement of the same amount. Statements waiting in the exceptions queue stay candidates:
a weaker claim on one is proposed beside the waiting one instead of being confirmed; only
a clean reference paid to the cent (or a fee short) confirms past it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from payouts.models import ZERO, MatchRule
from payouts.money import quantize, quantize_rate

from .references import Found, ReferenceIndex

MAX_SUBSET_CANDIDATES = 14
MAX_SUBSET_SIZE = 4
MAX_FX_CANDIDATES = 5
# A deposit this close below what the reference rate gives (a bank's margin) is "close".
FX_CLOSE = Decimal("0.006")
# Platforms sometimes pay a few days before the settled date they print.
EARLY = timedelta(days=3)

# Why a pair was made, shown beside each candidate (payouts.reconciliation.REASON_TEXT).
REASONS = (
    "reference",
    "reference_glued",
    "reference_cut",
    "amount_exact",
    "amount_fee",
    "amount_part",
    "amount_sum",
    "fx_rate",
    "fx_close",
    "amount_quoted",
    "date_close",
    "date_far",
    "payer_known",
    "payer_unknown",
    "several_candidates",
    "waiting_elsewhere",
)

# --- In-memory state of one run ------------------------------------------------------------


@dataclass(eq=False, slots=True)
class StatementState:
    pk: int
    ref: str
    currency: str
    settled: Decimal
    allocated: Decimal
    settled_date: dt.date
    # The strongest evidence (`evidence_level`) of a proposal waiting for a person that
    # includes this statement (since an earlier run or this one); 0 when none.
    contested: int
    creator: int
    # settled - allocated, kept up to date by `allocate` (read millions of times a run).
    open: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.open = self.settled - self.allocated

    def allocate(self, amount: Decimal) -> None:
        self.allocated += amount
        self.open = self.settled - self.allocated


@dataclass
class Credit:
    """An open bank credit as the engine sees it."""

    pk: int
    currency: str
    open: Decimal
    booking_date: dt.date
    found: Found
    payer: str  # normalised counterparty name
    # Amounts in another currency the bank text quotes ("USD 250.00", MT940 /OCMT/USD250,00/):
    # what the payer sent before conversion.
    original: frozenset[tuple[str, Decimal]] = frozenset()

    @property
    def named(self) -> bool:
        return bool(self.found.whole)

    @property
    def quotes_foreign(self) -> bool:
        return any(currency != self.currency for currency, _amount in self.original)


@dataclass
class Decision:
    txn: int
    rule: str
    confidence: Decimal
    # (statement pk, amount in txn currency, amount in statement currency, fx rate, difference)
    allocations: list[tuple[int, Decimal, Decimal, Decimal | None, Decimal]]
    proposed: bool = False
    reasons: list[str] = field(default_factory=list)
    reference_rate: Decimal | None = None  # FX: the rate of the booking date judged against


@dataclass
class RunStats:
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    reversed: int = 0
    processed: int = 0
    total: int = 0


@dataclass
class Config:
    window: timedelta
    fx_tolerance: Decimal
    fee_allowance: Decimal
    # One `base` in `quote` on a day, or None when no rate is known.
    rate_on: Callable[[str, str, dt.date], Decimal | None]

    def rate(self, base: str, quote: str, on: dt.date) -> Decimal | None:
        return self.rate_on(base, quote, on)


def fixed_rates(rates: dict[tuple[str, str], Decimal]):
    """A `rate_on` from undated rates {(base, quote): rate} (either direction)."""

    def rate_on(base: str, quote: str, on: dt.date) -> Decimal | None:
        if (base, quote) in rates:
            return rates[(base, quote)]
        inverse = rates.get((quote, base))
        return Decimal(1) / inverse if inverse else None

    return rate_on


PASSES = ("reference", "reference_weak", "amount_date", "batch", "fx")


class Engine:
    """The decisions of one run, in memory; `writes.write_batch` persists them.

    Every pass decides (match or propose) whenever it has a live candidate, and the
    candidates of a later run are a subset of an earlier run's (money only ever gets
    allocated; candidate neighbourhoods are chosen among all statements, not only the live
    ones). So a credit left unmatched stays unmatched on a rerun, a rerun over unchanged data
    changes nothing, and a run killed half way and run again ends where an uninterrupted run
    would have.
    """

    def __init__(
        self,
        config: Config,
        statements: dict[int, StatementState],
        references: ReferenceIndex | None = None,
    ):
        self.config = config
        self.statements = statements
        self.by_ref: dict[str, list[int]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], list[int]] = defaultdict(list)
        # Per settled day and currency, (settled amount, pk) in amount order.
        self.by_day: dict[tuple[dt.date, str], list[tuple[Decimal, int]]] = defaultdict(list)
        # Statements of one creator settled on one day: platforms pay those in one batch.
        groups: dict[dt.date, dict[tuple[int, str], list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for s in statements.values():  # in pk order
            if s.ref:
                self.by_ref[s.ref].append(s.pk)
            if s.open > 0:
                self.by_amount[(s.currency, s.open)].append(s.pk)
            self.by_day[(s.settled_date, s.currency)].append((s.settled, s.pk))
            groups[s.settled_date][(s.creator, s.currency)].append(s.pk)
        # Per day: (currency, pks, least and most a batch of them can sum to).
        self.batches: dict[dt.date, list[tuple[str, list[int], Decimal, Decimal]]] = {}
        for day, by_creator in groups.items():
            for (_creator, currency), pks in by_creator.items():
                if 1 < len(pks) <= MAX_SUBSET_CANDIDATES:
                    amounts = sorted(statements[pk].settled for pk in pks)
                    bounds = (amounts[0] + amounts[1], sum(amounts, ZERO))
                    self.batches.setdefault(day, []).append((currency, pks, *bounds))
        for entries in self.by_day.values():
            entries.sort()
        # Every reference of the agency, paid or not: a credit naming a statement paid long
        # ago is named all the same (and so never matched to another by amount).
        self.references = references or ReferenceIndex(self.by_ref)
        self.known_pairs: set[tuple[int, int]] = set()
        self.known_payers: set[str] = set()
        self.credit_count: dict[int, int] = {}
        self.payer_count: dict[int, int] = {}
        self.fx_count: dict[int, int] = {}
        self.fx_indexes: dict[tuple, list[tuple[Decimal, int]]] = {}
        self.fx_close_count: dict[int, int] = {}
        self.currencies = sorted({s.currency for s in statements.values()})
        # (credit pk) -> (base, quote, day) of a rate the run needed and did not have.
        self.missing_rates: dict[int, tuple[str, str, dt.date, int | None]] = {}

    # -- state ----------------------------------------------------------------------------

    def live(self, pk: int) -> StatementState | None:
        s = self.statements.get(pk)
        if s is None or s.open <= 0:
            return None
        return s

    def in_window(self, s: StatementState, booking_date: dt.date) -> bool:
        return s.settled_date - EARLY <= booking_date <= s.settled_date + self.config.window

    def named_statements(self, t: Credit, refs) -> list[StatementState]:
        if len(refs) == 1:  # the usual case: no set to build
            (ref,) = refs
            pks = self.by_ref.get(ref, ())
        else:
            pks = sorted({pk for ref in refs for pk in self.by_ref.get(ref, ())})
        return [s for s in (self.live(pk) for pk in pks) if s is not None]

    def fee_limit(self, amount: Decimal) -> Decimal:
        """The largest shortfall taken for a transfer fee: the allowance, at most 2%."""
        return min(self.config.fee_allowance, amount / 50)

    def closest_smaller(self, t: Credit, limit: int) -> list[StatementState]:
        """Up to `limit` statements of the deposit's currency settled for less than it, in
        its date window, closest in date first (then by pk), whatever their state."""
        found: list[StatementState] = []
        booking, currency = t.booking_date, t.currency
        for days in range(max(self.config.window.days, EARLY.days) + 1):
            dates = [booking - timedelta(days=days)] if days <= self.config.window.days else []
            if 0 < days <= EARLY.days:
                dates.append(booking + timedelta(days=days))
            pks: list[int] = []
            for date in dates:
                entries = self.by_day.get((date, currency), ())
                smaller = bisect.bisect_left(entries, (t.open, 0))
                pks.extend(pk for _amount, pk in entries[:smaller])
            for pk in sorted(pks):
                found.append(self.statements[pk])
                if len(found) == limit:
                    return found
        return found

    def payer_unknown(self, t: Credit) -> bool:
        """The deposit names a payer, and it is none of those seen paying by reference:
        without a reference, its money is a person's call (a sponsor paying the same
        amount as an unpaid statement is the classic wrong match)."""
        return bool(t.payer and self.known_payers and t.payer not in self.known_payers)

    def date_reason(self, s: StatementState, t: Credit) -> str:
        return "date_close" if abs((t.booking_date - s.settled_date).days) <= 5 else "date_far"

    # -- passes ---------------------------------------------------------------------------

    def rule_for(self, name: str) -> Callable[[Credit], Decision | None]:
        return {
            "reference": self.by_reference,
            "reference_weak": self.by_weak_reference,
            "amount_date": self.by_amount_date,
            "batch": self.by_batch,
            "fx": self.by_fx,
        }[name]

    def prepare(self, name: str, credits: list[Credit]) -> list[Credit]:
        """The credits a pass looks at, in the order it decides them, after counting the
        candidates it needs to know are unique."""
        if name in ("amount_date", "batch", "fx"):
            credits = [t for t in credits if not t.named]
        if name in ("amount_date", "batch"):
            # A deposit whose bank text quotes what was sent in another currency is a
            # conversion: an amount of its own currency fitting it would be a coincidence.
            credits = [t for t in credits if not t.quotes_foreign]
        if name == "amount_date":
            # Deposits from payers seen paying by reference go first and count apart: a
            # sponsor's credit of the same amount does not make a platform payout ambiguous.
            credits = sorted(credits, key=lambda t: (t.payer not in self.known_payers, t.pk))
            self.count_amount_candidates(credits)
        elif name == "fx":
            self.count_fx_candidates(credits)
        return credits

    def decide(self, rule, t: Credit) -> Decision | None:
        decision = rule(t)
        if decision is None:
            return None
        decision.allocations = [
            a for a in decision.allocations if (a[0], t.pk) not in self.known_pairs
        ]
        if not decision.allocations:
            return None
        # A statement waiting in a proposal is confirmed past only on stronger evidence
        # than that proposal's (a clean reference always is).
        level = evidence_level(decision.reasons)
        if not decision.proposed and any(
            self.statements[a[0]].contested >= level for a in decision.allocations
        ):
            stmts = [self.statements[a[0]] for a in decision.allocations]
            return self.propose(t, stmts, [*decision.reasons, "waiting_elsewhere"])
        return decision

    def count_amount_candidates(self, credits: list[Credit]) -> None:
        """For the amount/date pass: how many open credits could pay each statement (and
        how many of them come from a payer known to pay by reference)."""
        self.credit_count = defaultdict(int)
        self.payer_count = defaultdict(int)
        for t in credits:
            for pk in self.by_amount.get((t.currency, t.open), ()):
                s = self.live(pk)
                if s is not None and s.open == t.open and self.in_window(s, t.booking_date):
                    self.credit_count[pk] += 1
                    if t.payer in self.known_payers:
                        self.payer_count[pk] += 1

    def same_currency(
        self, t: Credit, s: StatementState, rule: str, confidence: str, reasons: list[str]
    ) -> Decision | None:
        open_t = t.open
        reasons = [*reasons, self.date_reason(s, t)]
        if open_t == s.open:
            return Decision(
                t.pk,
                rule,
                Decimal(confidence),
                [(s.pk, open_t, s.open, None, ZERO)],
                reasons=[*reasons, "amount_exact"],
            )
        if open_t < s.open:
            shortfall = s.open - open_t
            if shortfall <= self.fee_limit(s.open):
                # A transfer fee (at most the allowance and 2%): the statement is settled.
                return Decision(
                    t.pk,
                    rule,
                    Decimal("0.950"),
                    [(s.pk, open_t, s.open, None, shortfall)],
                    reasons=[*reasons, "amount_fee"],
                )
            return Decision(
                t.pk,
                MatchRule.PARTIAL,
                Decimal("0.950"),
                [(s.pk, open_t, open_t, None, ZERO)],
                reasons=[*reasons, "amount_part"],
            )
        return None  # more money than the statement is worth: a human looks

    def fx(self, t: Credit, s: StatementState, confidence: str, reasons: list[str]):
        rate = self.config.rate(s.currency, t.currency, t.booking_date)
        if rate is None:
            self.missing_rates.setdefault(t.pk, (s.currency, t.currency, t.booking_date, s.pk))
            return None
        if s.open <= 0:
            return None
        expected = s.open * rate
        low = expected * (1 - self.config.fx_tolerance) - self.config.fee_allowance
        high = expected * (1 + self.config.fx_tolerance)
        if not (low <= t.open <= high):
            return None
        implied = quantize_rate(t.open / s.open)
        difference = quantize(expected - t.open, t.currency)
        return Decision(
            t.pk,
            MatchRule.FX,
            Decimal(confidence),
            [(s.pk, t.open, s.open, implied, difference)],
            reasons=[*reasons, "fx_rate", self.date_reason(s, t)],
            reference_rate=quantize_rate(rate),
        )

    def by_reference(self, t: Credit) -> Decision | None:
        if not t.found.clean:
            return None
        stmts = self.named_statements(t, t.found.clean)
        if not stmts:
            return None
        if len(stmts) == 1:
            s = stmts[0]
            if s.currency == t.currency:
                decision = self.same_currency(t, s, MatchRule.REFERENCE, "1.000", ["reference"])
            else:
                decision = self.fx(t, s, "0.950", ["reference"])
                if decision is None and t.pk in self.missing_rates:
                    return None  # the exceptions queue asks for the rate instead
            return decision or self.propose(t, stmts, ["reference"])
        same_currency = all(s.currency == t.currency for s in stmts)
        total = sum((s.open for s in stmts), ZERO)
        if same_currency and ZERO <= total - t.open <= self.fee_limit(total):
            allocations = [(s.pk, s.open, s.open, None, ZERO) for s in stmts]
            shortfall = total - t.open
            if shortfall:
                # The fee comes off the last statement's share of the deposit.
                pk, amount, st_amount, rate, _diff = allocations[-1]
                allocations[-1] = (pk, amount - shortfall, st_amount, rate, shortfall)
            return Decision(
                t.pk,
                MatchRule.BATCH,
                Decimal("0.990"),
                allocations,
                reasons=["reference", "amount_sum"],
            )
        return self.propose(t, stmts, ["reference", "several_candidates"])

    def by_weak_reference(self, t: Credit) -> Decision | None:
        """References glued to other text or cut short: the candidate paid to the cent
        wins, then a single one short by a fee; anything else is for a person."""
        glued = t.found.whole - t.found.clean
        refs = glued or t.found.cut
        if not refs:
            return None
        reason = "reference_glued" if glued else "reference_cut"
        stmts = [
            s
            for s in self.named_statements(t, refs)
            if s.currency == t.currency and self.in_window(s, t.booking_date)
        ]
        if not stmts:
            return None
        exact = [s for s in stmts if s.open == t.open]
        fee = [s for s in stmts if ZERO < s.open - t.open <= self.fee_limit(s.open)]
        if len(exact) == 1:
            return self.same_currency(t, exact[0], MatchRule.REFERENCE, "0.900", [reason])
        if not exact and len(fee) == 1:
            return self.same_currency(t, fee[0], MatchRule.REFERENCE, "0.900", [reason])
        best = exact or fee or stmts
        return self.propose(t, best, [reason, "several_candidates"])

    def by_amount_date(self, t: Credit) -> Decision | None:
        stmts = [
            s
            for s in (self.live(pk) for pk in self.by_amount.get((t.currency, t.open), ()))
            if s is not None and s.open == t.open and self.in_window(s, t.booking_date)
        ]
        if not stmts:
            return None
        known = t.payer in self.known_payers
        reasons = ["amount_exact", *(["payer_known"] if known else [])]
        if len(stmts) == 1 and not self.payer_unknown(t):
            s = stmts[0]
            rivals = self.payer_count.get(s.pk, 0) if known else self.credit_count.get(s.pk, 0)
            if rivals == 1:
                return Decision(
                    t.pk,
                    MatchRule.AMOUNT_DATE,
                    Decimal("0.900"),
                    [(s.pk, s.open, s.open, None, ZERO)],
                    reasons=[*reasons, self.date_reason(s, t)],
                )
        doubt = "payer_unknown" if self.payer_unknown(t) else "several_candidates"
        return self.propose(t, stmts, [*reasons, doubt])

    def by_batch(self, t: Credit) -> Decision | None:
        """A deposit equal to the sum of 2-4 open statements of its currency: among the 14
        settled closest to the deposit, or among one creator's statements settled on one day
        in the window. Both pools are chosen among all statements, open or not (see the
        class docstring); then only the open ones take part."""
        pools: list[list[StatementState]] = []
        pools.append(self.closest_smaller(t, MAX_SUBSET_CANDIDATES))
        for day in range(-EARLY.days, self.config.window.days + 1):
            for currency, pks, least, most in self.batches.get(
                t.booking_date - timedelta(days=day), ()
            ):
                if currency == t.currency and least <= t.open <= most:
                    pools.append([self.statements[pk] for pk in pks])
        solutions: dict[frozenset[int], None] = {}
        for pool in pools:
            live = [s for s in pool if self.live(s.pk) and s.settled < t.open]
            if len(live) < 2:
                continue
            for found in subsets_summing_to(t.open, [s.open for s in live], limit=2):
                solutions[frozenset(live[i].pk for i in found)] = None
            if len(solutions) > 1:
                break
        if len(solutions) == 1 and not self.payer_unknown(t):
            chosen = sorted(next(iter(solutions)))
            return Decision(
                t.pk,
                MatchRule.BATCH,
                Decimal("0.800"),
                [
                    (pk, self.statements[pk].open, self.statements[pk].open, None, ZERO)
                    for pk in chosen
                ],
                reasons=["amount_sum"],
            )
        if solutions:
            involved = sorted({pk for solution in solutions for pk in solution})
            return self.propose(
                t, [self.statements[pk] for pk in involved], ["amount_sum", "several_candidates"]
            )
        return None

    def _fx_index(self, currency: str, quote: str, rate: Decimal, day: dt.date):
        """Open `currency` statements settled on `day`, sorted by the amount they are
        expected to bring in `quote` at `rate` (built once per pass, day and rate)."""
        key = (currency, quote, day, rate)
        if key not in self.fx_indexes:
            entries = [
                (s.open * rate, s.pk)
                for _settled, pk in self.by_day.get((day, currency), ())
                if (s := self.live(pk)) is not None
            ]
            entries.sort()
            self.fx_indexes[key] = entries
        return self.fx_indexes[key]

    def fx_candidates(self, t: Credit) -> list[tuple[StatementState, Decision]]:
        """Open statements in another currency, settled in the deposit's window, whose
        amount converted at the reference rate of the booking day fits the deposit within
        the FX tolerance and the fee allowance."""
        tolerance, fee = self.config.fx_tolerance, self.config.fee_allowance
        low = t.open / (1 + tolerance)
        high = (t.open + fee) / (1 - tolerance) if tolerance < 1 else t.open * 1000
        found = []
        for currency in self.currencies:
            if currency == t.currency:
                continue
            rate = self.config.rate(currency, t.currency, t.booking_date)
            if rate is None:
                continue
            for day in range(-EARLY.days, self.config.window.days + 1):
                settled = t.booking_date - timedelta(days=day)
                entries = self._fx_index(currency, t.currency, rate, settled)
                i = bisect.bisect_left(entries, (low, 0))
                while i < len(entries) and entries[i][0] <= high:
                    s = self.live(entries[i][1])
                    decision = self.fx(t, s, "0.800", []) if s is not None else None
                    if decision is not None:
                        found.append((s, decision))
                    i += 1
        found.sort(key=lambda pair: pair[0].pk)
        return found

    def count_fx_candidates(self, credits: list[Credit]) -> None:
        """For the FX pass: how many open credits could pay each statement, within the
        tolerance and close to the reference rate."""
        self.fx_count = defaultdict(int)
        self.fx_close_count = defaultdict(int)
        self.fx_indexes = {}
        for t in credits:
            for s, decision in self.fx_candidates(t):
                self.fx_count[s.pk] += 1
                if self.fx_close(decision):
                    self.fx_close_count[s.pk] += 1

    def fx_close(self, decision: Decision) -> bool:
        """Whether a deposit is what the reference rate gives, less a bank's usual margin
        (FX_CLOSE): much tighter than the tolerance and the fee allowance."""
        _pk, amount, _st_amount, _rate, difference = decision.allocations[0]
        expected = amount + difference
        return expected * (1 - FX_CLOSE) <= amount <= expected * (1 + FX_CLOSE / 4)

    def by_fx(self, t: Credit) -> Decision | None:
        found = self.fx_candidates(t)
        if not self.payer_unknown(t):
            if len(found) == 1 and self.fx_count.get(found[0][0].pk, 0) == 1:
                return found[0][1]
            # Several within the tolerance, but one close to the rate of the day, and the
            # statement close to no other deposit: that one.
            quoted = [(s, d) for s, d in found if (s.currency, s.open) in t.original]
            if len(quoted) == 1:
                decision = quoted[0][1]
                decision.confidence = Decimal("0.900")
                decision.reasons = [*decision.reasons, "amount_quoted"]
                return decision
            close = [(s, d) for s, d in found if self.fx_close(d)]
            if len(close) == 1 and self.fx_close_count.get(close[0][0].pk, 0) == 1:
                decision = close[0][1]
                decision.reasons = [*decision.reasons, "fx_close"]
                return decision
        if found:
            return self.propose(
                t,
                [s for s, _d in found[: MAX_FX_CANDIDATES + 1]],
                ["fx_rate", "several_candidates"],
            )
        self.note_missing_rate(t)
        return None

    def note_missing_rate(self, t: Credit) -> None:
        """An unmatched deposit with open statements of another currency in its window for
        which no rate of the booking day is known: say which rate would let it match."""
        if t.pk in self.missing_rates:
            return
        for currency in self.currencies:
            if currency == t.currency:
                continue
            if self.config.rate(currency, t.currency, t.booking_date) is not None:
                continue
            for day in range(-EARLY.days, self.config.window.days + 1):
                settled = t.booking_date - timedelta(days=day)
                if any(self.live(pk) for _a, pk in self.by_day.get((settled, currency), ())):
                    self.missing_rates[t.pk] = (currency, t.currency, t.booking_date, None)
                    return

    def propose(self, t: Credit, stmts: list[StatementState], reasons: list[str]):
        """Every candidate for a person, the best first: paid to the cent, then closest in
        date, then by pk."""
        allocations = []
        ranked = sorted(
            stmts,
            key=lambda s: (
                s.currency != t.currency or s.open != t.open,
                abs((t.booking_date - s.settled_date).days),
                s.pk,
            ),
        )
        for s in ranked:
            amount = min(t.open, s.open) if s.currency == t.currency else t.open
            st_amount = min(t.open, s.open) if s.currency == t.currency else s.open
            if amount > 0 and st_amount > 0:
                allocations.append((s.pk, amount, st_amount, None, ZERO))
        if not allocations:
            return None
        rule = _proposal_rule(stmts, t, reasons)
        return Decision(
            t.pk, rule, Decimal("0.500"), allocations, proposed=True, reasons=list(reasons)
        )

    def apply_in_memory(self, decision: Decision) -> None:
        for spk, _amount, st_amount, _rate, _diff in decision.allocations:
            s = self.statements[spk]
            if decision.proposed:
                s.contested = max(s.contested, evidence_level(decision.reasons))
                continue
            key = (s.currency, s.open)
            if spk in self.by_amount.get(key, ()):
                self.by_amount[key].remove(spk)
            s.allocate(st_amount)
            if s.open > 0:
                bisect.insort(self.by_amount[(s.currency, s.open)], spk)


def subsets_summing_to(target: Decimal, amounts: list[Decimal], *, limit: int) -> list:
    """Up to `limit` distinct sets of 2..MAX_SUBSET_SIZE indexes whose amounts add up to
    `target` (hash lookups instead of trying every combination)."""
    solutions: list[frozenset[int]] = []
    by_amount: dict[Decimal, list[int]] = defaultdict(list)
    for i, amount in enumerate(amounts):
        by_amount[amount].append(i)

    def found(indexes) -> bool:
        key = frozenset(indexes)
        if len(key) == len(indexes) and key not in solutions:
            solutions.append(key)
        return len(solutions) >= limit

    pairs = list(itertools.combinations(range(len(amounts)), 2))
    for i, j in pairs:  # two
        if amounts[i] + amounts[j] == target and found((i, j)):
            return solutions
    for i, j in pairs:  # three
        for k in by_amount.get(target - amounts[i] - amounts[j], ()):
            if k > j and found((i, j, k)):
                return solutions
    if MAX_SUBSET_SIZE >= 4:
        pair_sums: dict[Decimal, list[tuple[int, int]]] = defaultdict(list)
        for i, j in pairs:
            pair_sums[amounts[i] + amounts[j]].append((i, j))
        for i, j in pairs:  # four
            for k, m in pair_sums.get(target - amounts[i] - amounts[j], ()):
                if k > j and found((i, j, k, m)):
                    return solutions
    return solutions


def evidence_level(reasons: list[str] | None) -> int:
    """How strong the evidence behind a decision or proposal is, by the pass that made it:
    5 a clean reference, 4 a glued or cut one (or the original amount quoted), 3 amount and
    date, 2 a batch by amounts, 1 a currency conversion. Reasons not kept (older proposals)
    count as the strongest."""
    reasons = reasons or ()
    if not reasons or "reference" in reasons:
        return 5
    if "reference_cut" in reasons or "reference_glued" in reasons or "amount_quoted" in reasons:
        return 4
    if "amount_exact" in reasons:
        return 3
    if "amount_sum" in reasons:
        return 2
    return 1


def _proposal_rule(stmts: list[StatementState], t: Credit, reasons: list[str]) -> str:
    if any(s.currency != t.currency for s in stmts):
        return MatchRule.FX
    if any(r.startswith("reference") for r in reasons):
        return MatchRule.REFERENCE
    if "amount_sum" in reasons:
        return MatchRule.BATCH
    return MatchRule.AMOUNT_DATE

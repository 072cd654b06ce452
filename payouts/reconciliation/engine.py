"""The matching engine: pure decisions over plain in-memory state, no database.

`runs` loads the state and writes what the engine decides (`writes`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from payouts.models import ZERO, MatchRule
from payouts.money import quantize, quantize_rate

MAX_SUBSET_CANDIDATES = 14
MAX_SUBSET_SIZE = 4
MAX_FX_CANDIDATES = 5
# A truncated reference must keep at least this many characters to be looked up as a prefix.
MIN_PREFIX = 10
MAX_PREFIX_MATCHES = 200
# Platforms sometimes pay a few days before the settled date they print.
EARLY = timedelta(days=3)

# --- In-memory state of one run ------------------------------------------------------------


@dataclass(eq=False, slots=True)
class StatementState:
    pk: int
    ref: str
    currency: str
    settled: Decimal
    allocated: Decimal
    settled_date: dt.date
    taken: bool  # waiting in the exceptions queue (since an earlier run or this one)
    creator: int

    @property
    def open(self) -> Decimal:
        return self.settled - self.allocated


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
    rates: dict[tuple[str, str], Decimal]

    def rate(self, base: str, quote: str) -> Decimal | None:
        if (base, quote) in self.rates:
            return self.rates[(base, quote)]
        inverse = self.rates.get((quote, base))
        if inverse:
            return Decimal(1) / inverse
        return None


class Engine:
    """The decisions of one run, in memory; `write_batch` persists them.

    Every rule decides (match or propose) whenever it has at least one live candidate, and
    the candidates of a later run are a subset of an earlier run's (money only ever gets
    allocated; candidate neighbourhoods are chosen among all statements, not only the live
    ones). So a credit left unmatched stays unmatched on a rerun, a rerun over unchanged data
    changes nothing, and a run killed half way and run again ends where an uninterrupted run
    would have.
    """

    def __init__(self, config: Config, statements: dict[int, StatementState]):
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
            if not s.taken and s.open > 0:
                self.by_amount[(s.currency, s.open)].append(s.pk)
            self.by_day[(s.settled_date, s.currency)].append((s.settled, s.pk))
            groups[s.settled_date][(s.creator, s.currency)].append(s.pk)
        # Per day: (currency, pks, least and most a batch of them can sum to, paid in full).
        self.batches: dict[dt.date, list[tuple[str, list[int], Decimal, Decimal]]] = {}
        for day, by_creator in groups.items():
            for (_creator, currency), pks in by_creator.items():
                if 1 < len(pks) <= MAX_SUBSET_CANDIDATES:
                    amounts = sorted(statements[pk].settled for pk in pks)
                    bounds = (amounts[0] + amounts[1], sum(amounts, ZERO))
                    self.batches.setdefault(day, []).append((currency, pks, *bounds))
        for entries in self.by_day.values():
            entries.sort()
        self.refs = sorted(self.by_ref)
        self.known_pairs: set[tuple[int, int]] = set()
        self.credit_count: dict[int, int] = {}
        self.fx_count: dict[int, int] = {}
        self.fx_indexes: dict[tuple[str, str], dict] = {}
        self.currencies = sorted({s.currency for s in statements.values()})

    def live(self, pk: int) -> StatementState | None:
        s = self.statements.get(pk)
        if s is None or s.taken or s.open <= 0:
            return None
        return s

    def in_window(self, s: StatementState, booking_date: dt.date) -> bool:
        return s.settled_date - EARLY <= booking_date <= s.settled_date + self.config.window

    def closest_smaller(self, t: dict, limit: int) -> list[StatementState]:
        """Up to `limit` statements of the deposit's currency settled for less than it, in
        its date window, closest in date first (then by pk), whatever their state."""
        found: list[StatementState] = []
        booking, currency = t["booking_date"], t["currency"]
        for days in range(max(self.config.window.days, EARLY.days) + 1):
            dates = [booking - timedelta(days=days)] if days <= self.config.window.days else []
            if 0 < days <= EARLY.days:
                dates.append(booking + timedelta(days=days))
            pks: list[int] = []
            for date in dates:
                entries = self.by_day.get((date, currency), ())
                smaller = bisect.bisect_left(entries, (t["open"], 0))
                pks.extend(pk for _amount, pk in entries[:smaller])
            for pk in sorted(pks):
                found.append(self.statements[pk])
                if len(found) == limit:
                    return found
        return found

    # -- passes ---------------------------------------------------------------------------

    def decide(self, rule, t: dict) -> Decision | None:
        decision = rule(t)
        if decision is None:
            return None
        decision.allocations = [
            a for a in decision.allocations if (a[0], t["pk"]) not in self.known_pairs
        ]
        return decision if decision.allocations else None

    def count_amount_candidates(self, credits: list[dict]) -> None:
        """For the amount/date pass: how many open credits could pay each statement."""
        self.credit_count = defaultdict(int)
        for t in credits:
            for pk in self.by_amount.get((t["currency"], t["open"]), ()):
                s = self.live(pk)
                if s is not None and s.open == t["open"] and self.in_window(s, t["booking_date"]):
                    self.credit_count[pk] += 1

    def _same_currency(
        self, t: dict, s: StatementState, rule: str, confidence: str
    ) -> Decision | None:
        open_t = t["open"]
        if open_t == s.open:
            return Decision(
                t["pk"], rule, Decimal(confidence), [(s.pk, open_t, s.open, None, ZERO)]
            )
        if open_t < s.open:
            shortfall = s.open - open_t
            if shortfall <= self.fee_limit(s.open):
                # A transfer fee (at most the allowance and 2%): the statement is settled.
                return Decision(
                    t["pk"], rule, Decimal("0.950"), [(s.pk, open_t, s.open, None, shortfall)]
                )
            return Decision(
                t["pk"], MatchRule.PARTIAL, Decimal("0.950"), [(s.pk, open_t, open_t, None, ZERO)]
            )
        return None  # more money than the statement is worth: a human looks

    def _fx(self, t: dict, s: StatementState, confidence: str) -> Decision | None:
        rate = self.config.rate(s.currency, t["currency"])
        if rate is None or s.open <= 0:
            return None
        expected = s.open * rate
        low = expected * (1 - self.config.fx_tolerance) - self.config.fee_allowance
        high = expected * (1 + self.config.fx_tolerance)
        if not (low <= t["open"] <= high):
            return None
        implied = quantize_rate(t["open"] / s.open)
        difference = quantize(expected - t["open"], t["currency"])
        return Decision(
            t["pk"],
            MatchRule.FX,
            Decimal(confidence),
            [(s.pk, t["open"], s.open, implied, difference)],
        )

    def _prefix_candidates(self, t: dict) -> list[StatementState]:
        """Statements whose reference starts with a long token of the remittance (banks cut
        remittance text short), settled in the deposit's date window, which the deposit pays
        in full or short by no more than a transfer fee. A token that starts too many
        references tells nothing and is ignored."""
        found: set[int] = set()
        for token in t["tokens"]:
            if len(token) < MIN_PREFIX or token in self.by_ref:
                continue
            start = bisect.bisect_left(self.refs, token)
            stop = bisect.bisect_left(self.refs, token + "\x7f", lo=start)
            if stop - start > MAX_PREFIX_MATCHES:
                continue
            for ref in self.refs[start:stop]:
                found.update(self.by_ref[ref])
        return [
            s
            for s in (self.live(pk) for pk in sorted(found))
            if s is not None
            and s.currency == t["currency"]
            and self.in_window(s, t["booking_date"])
            and ZERO <= s.settled - t["open"] <= self.fee_limit(s.settled)
        ]

    def fee_limit(self, amount: Decimal) -> Decimal:
        """The largest shortfall taken for a transfer fee: the allowance, at most 2%."""
        return min(self.config.fee_allowance, amount / 50)

    def by_reference(self, t: dict) -> Decision | None:
        found: set[int] = set()
        for token in t["tokens"]:
            found.update(self.by_ref.get(token, ()))
        stmts = [s for s in (self.live(pk) for pk in sorted(found)) if s is not None]
        if not stmts:
            stmts = self._prefix_candidates(t)
            if len(stmts) == 1:
                decision = self._same_currency(t, stmts[0], MatchRule.REFERENCE, "0.900")
                return decision or self._propose(t, stmts)
            return self._propose(t, stmts) if stmts else None
        if len(stmts) == 1:
            s = stmts[0]
            if s.currency == t["currency"]:
                decision = self._same_currency(t, s, MatchRule.REFERENCE, "1.000")
            else:
                decision = self._fx(t, s, "0.950")
            return decision or self._propose(t, stmts)
        same_currency = all(s.currency == t["currency"] for s in stmts)
        if same_currency and sum(s.open for s in stmts) == t["open"]:
            return Decision(
                t["pk"],
                MatchRule.BATCH,
                Decimal("0.990"),
                [(s.pk, s.open, s.open, None, ZERO) for s in stmts],
            )
        return self._propose(t, stmts)

    def by_amount_date(self, t: dict) -> Decision | None:
        stmts = [
            s
            for s in (self.live(pk) for pk in self.by_amount.get((t["currency"], t["open"]), ()))
            if s is not None and s.open == t["open"] and self.in_window(s, t["booking_date"])
        ]
        if not stmts:
            return None
        if len(stmts) == 1 and self.credit_count.get(stmts[0].pk, 0) == 1:
            s = stmts[0]
            return Decision(
                t["pk"],
                MatchRule.AMOUNT_DATE,
                Decimal("0.900"),
                [(s.pk, s.open, s.open, None, ZERO)],
            )
        return self._propose(t, stmts)

    def by_batch(self, t: dict) -> Decision | None:
        """A deposit equal to the sum of 2-4 open statements of its currency: among the 14
        settled closest to the deposit, or among one creator's statements settled on one day
        in the window. Both pools are chosen among all statements, open or not (see the
        class docstring); then only the open ones take part."""
        pools: list[list[StatementState]] = []
        pools.append(self.closest_smaller(t, MAX_SUBSET_CANDIDATES))
        for day in range(-EARLY.days, self.config.window.days + 1):
            for currency, pks, least, most in self.batches.get(
                t["booking_date"] - timedelta(days=day), ()
            ):
                if currency == t["currency"] and least <= t["open"] <= most:
                    pools.append([self.statements[pk] for pk in pks])
        solutions: dict[frozenset[int], None] = {}
        for pool in pools:
            live = [s for s in pool if self.live(s.pk) and s.settled < t["open"]]
            if len(live) < 2:
                continue
            for found in subsets_summing_to(t["open"], [s.open for s in live], limit=2):
                solutions[frozenset(live[i].pk for i in found)] = None
            if len(solutions) > 1:
                break
        if len(solutions) == 1:
            chosen = sorted(next(iter(solutions)))
            return Decision(
                t["pk"],
                MatchRule.BATCH,
                Decimal("0.800"),
                [
                    (pk, self.statements[pk].open, self.statements[pk].open, None, ZERO)
                    for pk in chosen
                ],
            )
        if solutions:
            involved = sorted({pk for solution in solutions for pk in solution})
            return self._propose(t, [self.statements[pk] for pk in involved])
        return None

    def _fx_index(self, currency: str, quote: str, rate: Decimal):
        """Open `currency` statements by settled date, each list sorted by the amount they
        are expected to bring in `quote` at the reference rate (built once per pass)."""
        key = (currency, quote)
        if key not in self.fx_indexes:
            index: dict[dt.date, list[tuple[Decimal, int]]] = defaultdict(list)
            for s in self.statements.values():
                if s.currency == currency and self.live(s.pk):
                    index[s.settled_date].append((s.open * rate, s.pk))
            for entries in index.values():
                entries.sort()
            self.fx_indexes[key] = index
        return self.fx_indexes[key]

    def fx_candidates(self, t: dict) -> list[tuple[StatementState, Decision]]:
        """Open statements in another currency, settled in the deposit's window, whose
        amount converted at the reference rate fits the deposit within the FX tolerance and
        the fee allowance."""
        tolerance, fee = self.config.fx_tolerance, self.config.fee_allowance
        low = t["open"] / (1 + tolerance)
        high = (t["open"] + fee) / (1 - tolerance) if tolerance < 1 else t["open"] * 1000
        found = []
        for currency in self.currencies:
            rate = self.config.rate(currency, t["currency"])
            if currency == t["currency"] or rate is None:
                continue
            index = self._fx_index(currency, t["currency"], rate)
            for day in range(-EARLY.days, self.config.window.days + 1):
                entries = index.get(t["booking_date"] - timedelta(days=day), ())
                i = bisect.bisect_left(entries, (low, 0))
                while i < len(entries) and entries[i][0] <= high:
                    s = self.live(entries[i][1])
                    decision = self._fx(t, s, "0.800") if s is not None else None
                    if decision is not None:
                        found.append((s, decision))
                    i += 1
        found.sort(key=lambda pair: pair[0].pk)
        return found

    def count_fx_candidates(self, credits: list[dict]) -> None:
        """For the FX pass: how many open credits could pay each statement."""
        self.fx_count = defaultdict(int)
        for t in credits:
            for s, _decision in self.fx_candidates(t):
                self.fx_count[s.pk] += 1

    def by_fx(self, t: dict) -> Decision | None:
        found = self.fx_candidates(t)
        if len(found) == 1 and self.fx_count.get(found[0][0].pk, 0) == 1:
            return found[0][1]
        if found:
            return self._propose(t, [s for s, _d in found[: MAX_FX_CANDIDATES + 1]])
        return None

    def _propose(self, t: dict, stmts: list[StatementState]) -> Decision | None:
        allocations = []
        for s in stmts:
            amount = min(t["open"], s.open) if s.currency == t["currency"] else t["open"]
            st_amount = min(t["open"], s.open) if s.currency == t["currency"] else s.open
            if amount > 0 and st_amount > 0:
                allocations.append((s.pk, amount, st_amount, None, ZERO))
        if not allocations:
            return None
        rule = _proposal_rule(stmts, t)
        return Decision(t["pk"], rule, Decimal("0.500"), allocations, proposed=True)

    def apply_in_memory(self, decision: Decision) -> None:
        for spk, _amount, st_amount, _rate, _diff in decision.allocations:
            s = self.statements[spk]
            if decision.proposed:
                s.taken = True
                continue
            key = (s.currency, s.open)
            if spk in self.by_amount.get(key, ()):
                self.by_amount[key].remove(spk)
            s.allocated += st_amount
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


def _proposal_rule(stmts: list[StatementState], t: dict) -> str:
    if any(s.currency != t["currency"] for s in stmts):
        return MatchRule.FX
    if any(s.ref and s.ref in t["tokens"] for s in stmts):
        return MatchRule.REFERENCE
    return MatchRule.AMOUNT_DATE

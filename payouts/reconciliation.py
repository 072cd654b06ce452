"""Reconciliation: match open bank credits to open payout statements of one agency, in passes.

Passes, in order, over the credits still open (not allocated in full, not a reversal, not
reversed, not waiting in the exceptions queue):

  reversal      a reversal transaction undoes the allocations of the credit it takes back;
  reference     the statement's platform reference appears (normalised) in the remittance
                information or end-to-end id: one statement → full or partial payment (or a
                fee within the allowance), several → a batched deposit if they add up;
  amount_date   same currency, the exact open amount, booked within the date window after
                the settled date, with exactly one candidate on both sides;
  batch         one deposit equal to the sum of 2-4 open statements in the window: among the
                closest ones, or one creator's statements of one day (bounded subset
                search; exactly one subset);
  fx            statement in another currency, converted at the configured reference rate,
                within the FX tolerance and fee allowance, with exactly one candidate on
                both sides; records the implied rate and the difference.

Ambiguity is never resolved by the machine: when more than one candidate fits, every
candidate becomes a *proposed* match in one group for staff to confirm or reject. A pair that
exists in any state is never proposed again, so a rerun over unchanged data changes nothing.

Concurrency: each batch runs in its own transaction, first locking the agency's
PayoutSettings row (so two runs of one agency interleave only between batches), then the
batch's transactions and statements (select_for_update, ordered by pk), re-checking their
open amounts before writing. A worker killed mid-run loses at most its current batch; the
rerun starts over from the database state and completes the same decisions.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from agencies.rls import tenant_transaction

from .models import (
    ZERO,
    BankTransaction,
    CreditDebit,
    Match,
    MatchRule,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
    ReconciliationRun,
    RunStatus,
    StatementStatus,
)
from .money import quantize, quantize_rate

BATCH_SIZE = 2000
MAX_SUBSET_CANDIDATES = 14
MAX_SUBSET_SIZE = 4
MAX_FX_CANDIDATES = 5
# A truncated reference must keep at least this many characters to be looked up as a prefix.
MIN_PREFIX = 10
MAX_PREFIX_MATCHES = 200
# Platforms sometimes pay a few days before the settled date they print.
EARLY = timedelta(days=3)
MATCHABLE_STATUSES = (
    StatementStatus.SETTLED,
    StatementStatus.PAID_BY_PLATFORM,
    StatementStatus.ADJUSTED,
    StatementStatus.RECONCILED,  # only while something is still open (never, by constraint)
)
_NON_ALNUM = re.compile(r"[^0-9A-Z]")
MATCH_FIELDS = ["statement", "transaction", "amount", "statement_amount", "rule", "status"]


def normalise_reference(text: str) -> str:
    return _NON_ALNUM.sub("", (text or "").upper())


def reference_tokens(*texts: str) -> set[str]:
    """Normalised candidate references in free text: each word, and each pair of words."""
    tokens: set[str] = set()
    for text in texts:
        words = [normalise_reference(w) for w in (text or "").split()]
        words = [w for w in words if w]
        tokens.update(w for w in words if len(w) >= 2)
        tokens.update(a + b for a, b in itertools.pairwise(words))
        if len(words) > 2:
            tokens.add("".join(words))
    return tokens


# --- In-memory state of one run ------------------------------------------------------------


@dataclass(eq=False, slots=True)
class _Stmt:
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
class _Decision:
    txn: int
    rule: str
    confidence: Decimal
    # (statement pk, amount in txn currency, amount in statement currency, fx rate, difference)
    allocations: list[tuple[int, Decimal, Decimal, Decimal | None, Decimal]]
    proposed: bool = False


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

    @classmethod
    def for_agency(cls, agency: Agency) -> Config:
        with tenant_transaction(agency.pk):
            settings, _created = PayoutSettings.objects.get_or_create(agency=agency)
        rates: dict[tuple[str, str], Decimal] = {}
        for key, value in (settings.fx_reference_rates or {}).items():
            try:
                base, quote = key.upper().split("/")
                rates[(base, quote)] = Decimal(str(value))
            except (ValueError, ArithmeticError):
                continue
        return cls(
            window=timedelta(days=settings.date_window_days),
            fx_tolerance=settings.fx_tolerance,
            fee_allowance=settings.fee_allowance,
            rates=rates,
        )

    def rate(self, base: str, quote: str) -> Decimal | None:
        if (base, quote) in self.rates:
            return self.rates[(base, quote)]
        inverse = self.rates.get((quote, base))
        if inverse:
            return Decimal(1) / inverse
        return None


def _open_credits(agency: Agency):
    waiting = Match.objects.filter(transaction=OuterRef("pk"), status=MatchStatus.PROPOSED)
    return (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.CREDIT, is_reversal=False, reversed_by__isnull=True)
        .filter(allocated_amount__lt=F("amount"))
        .exclude(Exists(waiting))
    )


def _load_statements(agency: Agency, first: dt.date, last: dt.date) -> dict[int, _Stmt]:
    """Every matchable statement that is still open (any date), plus every one settled in
    [first, last] whatever its state: the batch and FX passes pick candidates by date among
    all of them, so a rerun sees the same neighbourhood as the first run did."""
    waiting = Match.objects.filter(statement=OuterRef("pk"), status=MatchStatus.PROPOSED)
    rows = (
        PayoutStatement.objects.for_agency(agency)
        .filter(status__in=MATCHABLE_STATUSES, settled_amount__isnull=False)
        .filter(
            Q(allocated_amount__lt=F("settled_amount"))
            | Q(settled_date__gte=first, settled_date__lte=last)
        )
        .annotate(waiting=Exists(waiting))
        .order_by("pk")
        .values_list(
            "pk",
            "platform_reference",
            "currency",
            "settled_amount",
            "allocated_amount",
            "settled_date",
            "waiting",
            "creator_id",
        )
    )
    return {
        pk: _Stmt(pk, normalise_reference(ref), cur, settled, alloc, sdate, waiting, creator)
        for pk, ref, cur, settled, alloc, sdate, waiting, creator in rows
    }


class _Engine:
    """The decisions of one run, in memory; `_write_batch` persists them.

    Every rule decides (match or propose) whenever it has at least one live candidate, and
    the candidates of a later run are a subset of an earlier run's (money only ever gets
    allocated; candidate neighbourhoods are chosen among all statements, not only the live
    ones). So a credit left unmatched stays unmatched on a rerun, a rerun over unchanged data
    changes nothing, and a run killed half way and run again ends where an uninterrupted run
    would have.
    """

    def __init__(self, agency: Agency, config: Config, statements: dict[int, _Stmt]):
        self.agency = agency
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

    def live(self, pk: int) -> _Stmt | None:
        s = self.statements.get(pk)
        if s is None or s.taken or s.open <= 0:
            return None
        return s

    def in_window(self, s: _Stmt, booking_date: dt.date) -> bool:
        return s.settled_date - EARLY <= booking_date <= s.settled_date + self.config.window

    def closest_smaller(self, t: dict, limit: int) -> list[_Stmt]:
        """Up to `limit` statements of the deposit's currency settled for less than it, in
        its date window, closest in date first (then by pk), whatever their state."""
        found: list[_Stmt] = []
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

    def decide(self, rule, t: dict) -> _Decision | None:
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

    def _same_currency(self, t: dict, s: _Stmt, rule: str, confidence: str) -> _Decision | None:
        open_t = t["open"]
        if open_t == s.open:
            return _Decision(
                t["pk"], rule, Decimal(confidence), [(s.pk, open_t, s.open, None, ZERO)]
            )
        if open_t < s.open:
            shortfall = s.open - open_t
            if shortfall <= self.fee_limit(s.open):
                # A transfer fee (at most the allowance and 2%): the statement is settled.
                return _Decision(
                    t["pk"], rule, Decimal("0.950"), [(s.pk, open_t, s.open, None, shortfall)]
                )
            return _Decision(
                t["pk"], MatchRule.PARTIAL, Decimal("0.950"), [(s.pk, open_t, open_t, None, ZERO)]
            )
        return None  # more money than the statement is worth: a human looks

    def _fx(self, t: dict, s: _Stmt, confidence: str) -> _Decision | None:
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
        return _Decision(
            t["pk"],
            MatchRule.FX,
            Decimal(confidence),
            [(s.pk, t["open"], s.open, implied, difference)],
        )

    def _prefix_candidates(self, t: dict) -> list[_Stmt]:
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

    def by_reference(self, t: dict) -> _Decision | None:
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
            return _Decision(
                t["pk"],
                MatchRule.BATCH,
                Decimal("0.990"),
                [(s.pk, s.open, s.open, None, ZERO) for s in stmts],
            )
        return self._propose(t, stmts)

    def by_amount_date(self, t: dict) -> _Decision | None:
        stmts = [
            s
            for s in (self.live(pk) for pk in self.by_amount.get((t["currency"], t["open"]), ()))
            if s is not None and s.open == t["open"] and self.in_window(s, t["booking_date"])
        ]
        if not stmts:
            return None
        if len(stmts) == 1 and self.credit_count.get(stmts[0].pk, 0) == 1:
            s = stmts[0]
            return _Decision(
                t["pk"],
                MatchRule.AMOUNT_DATE,
                Decimal("0.900"),
                [(s.pk, s.open, s.open, None, ZERO)],
            )
        return self._propose(t, stmts)

    def by_batch(self, t: dict) -> _Decision | None:
        """A deposit equal to the sum of 2-4 open statements of its currency: among the 14
        settled closest to the deposit, or among one creator's statements settled on one day
        in the window. Both pools are chosen among all statements, open or not (see the
        class docstring); then only the open ones take part."""
        pools: list[list[_Stmt]] = []
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
            for found in _subsets_summing_to(t["open"], [s.open for s in live], limit=2):
                solutions[frozenset(live[i].pk for i in found)] = None
            if len(solutions) > 1:
                break
        if len(solutions) == 1:
            chosen = sorted(next(iter(solutions)))
            return _Decision(
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

    def fx_candidates(self, t: dict) -> list[tuple[_Stmt, _Decision]]:
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

    def by_fx(self, t: dict) -> _Decision | None:
        found = self.fx_candidates(t)
        if len(found) == 1 and self.fx_count.get(found[0][0].pk, 0) == 1:
            return found[0][1]
        if found:
            return self._propose(t, [s for s, _d in found[: MAX_FX_CANDIDATES + 1]])
        return None

    def _propose(self, t: dict, stmts: list[_Stmt]) -> _Decision | None:
        allocations = []
        for s in stmts:
            amount = min(t["open"], s.open) if s.currency == t["currency"] else t["open"]
            st_amount = min(t["open"], s.open) if s.currency == t["currency"] else s.open
            if amount > 0 and st_amount > 0:
                allocations.append((s.pk, amount, st_amount, None, ZERO))
        if not allocations:
            return None
        rule = _proposal_rule(stmts, t)
        return _Decision(t["pk"], rule, Decimal("0.500"), allocations, proposed=True)

    def apply_in_memory(self, decision: _Decision) -> None:
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


def _subsets_summing_to(target: Decimal, amounts: list[Decimal], *, limit: int) -> list:
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


def _proposal_rule(stmts: list[_Stmt], t: dict) -> str:
    if any(s.currency != t["currency"] for s in stmts):
        return MatchRule.FX
    if any(s.ref and s.ref in t["tokens"] for s in stmts):
        return MatchRule.REFERENCE
    return MatchRule.AMOUNT_DATE


# --- Writing decisions ---------------------------------------------------------------------


def _statement_status_after(status: str, allocated: Decimal, settled: Decimal) -> str:
    if allocated >= settled:
        return StatementStatus.RECONCILED
    if allocated > 0 and status in (StatementStatus.SETTLED, StatementStatus.RECONCILED):
        return StatementStatus.PAID_BY_PLATFORM
    if allocated == 0 and status == StatementStatus.RECONCILED:
        return StatementStatus.PAID_BY_PLATFORM
    return status


@dataclass(slots=True)
class _Locked:
    """A locked row's money: a transaction (amount) or a statement (settled amount)."""

    total: Decimal | None
    allocated: Decimal
    status: str = ""


def _write_batch(
    agency: Agency, run: ReconciliationRun | None, decisions: list[_Decision]
) -> tuple[int, int]:
    """Write one batch of decisions; returns (matched, proposed). Caller holds a transaction.

    Locks the batch's transactions, then its statements (by pk), and re-checks what is open
    on them before writing, since another run or a person may have moved money meanwhile.
    Plain rows, not model instances: a run writes up to one match per credit.
    """
    if not decisions:
        return 0, 0
    txn_pks = sorted({d.txn for d in decisions})
    stmt_pks = sorted({a[0] for d in decisions for a in d.allocations})
    txns = {
        pk: _Locked(amount, allocated)
        for pk, amount, allocated in _lock(
            BankTransaction, agency, txn_pks, ["id", "amount", "allocated_amount"]
        )
    }
    stmts = {
        pk: _Locked(settled, allocated, status)
        for pk, settled, allocated, status in _lock(
            PayoutStatement,
            agency,
            stmt_pks,
            ["id", "settled_amount", "allocated_amount", "status"],
        )
    }
    existing = _pairs_of(txn_pks)
    new_matches: list[tuple] = []
    changed_txns: set[int] = set()
    changed_stmts: set[int] = set()
    matched = proposed = 0
    group_suffix = uuid.uuid4().hex[:12]
    for decision in decisions:
        t = txns.get(decision.txn)
        if t is None:
            continue
        if not decision.proposed:
            if sum(a[1] for a in decision.allocations) > t.total - t.allocated:
                continue
            if any(
                a[0] not in stmts
                or stmts[a[0]].total is None
                or a[2] > stmts[a[0]].total - stmts[a[0]].allocated
                for a in decision.allocations
            ):
                continue
        if any((a[0], decision.txn) in existing for a in decision.allocations):
            continue
        group = f"{decision.txn}-{group_suffix}" if decision.proposed else ""
        status = MatchStatus.PROPOSED if decision.proposed else MatchStatus.CONFIRMED
        for spk, amount, st_amount, rate, difference in decision.allocations:
            row = (spk, decision.txn, amount, st_amount, rate, difference)
            new_matches.append((*row, str(decision.rule), decision.confidence, str(status), group))
            existing.add((spk, decision.txn))
            if not decision.proposed:
                s = stmts[spk]
                s.allocated += st_amount
                s.status = _statement_status_after(s.status, s.allocated, s.total)
                t.allocated += amount
                changed_stmts.add(spk)
                changed_txns.add(decision.txn)
        if decision.proposed:
            proposed += 1
        else:
            matched += 1
    _insert_matches(agency, run, new_matches)
    _save_allocations(
        BankTransaction, [(pk, txns[pk].allocated, None) for pk in sorted(changed_txns)]
    )
    _save_allocations(
        PayoutStatement,
        [(pk, stmts[pk].allocated, stmts[pk].status) for pk in sorted(changed_stmts)],
    )
    return matched, proposed


# Writing a run's decisions is most of its time. On PostgreSQL each statement below sends
# its rows as a few arrays (unnest), so the SQL text stays short and is parsed once, instead
# of thousands of placeholders per statement; elsewhere the ORM or a prepared statement.


def _lock(model, agency: Agency, pks: list[int], columns: list[str]) -> list[tuple]:
    """`columns` of the rows `pks` of the agency, locked FOR UPDATE, in pk order."""
    if connection.vendor != "postgresql":
        return list(
            model.objects.select_for_update()
            .filter(agency=agency, pk__in=pks)
            .order_by("pk")
            .values_list(*["pk" if c == "id" else c for c in columns])
        )
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608
            "WHERE agency_id = %s AND id = ANY(%s) ORDER BY id FOR UPDATE",
            [agency.pk, pks],
        )
        return cursor.fetchall()


def _pairs_of(txn_pks: list[int]) -> set[tuple[int, int]]:
    """(statement, transaction) of every match, in any state, of these transactions."""
    if connection.vendor != "postgresql":
        return set(
            Match.objects.filter(transaction_id__in=txn_pks).values_list(
                "statement_id", "transaction_id"
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement_id, transaction_id FROM payouts_match WHERE transaction_id = ANY(%s)",
            [txn_pks],
        )
        return set(cursor.fetchall())


_MATCH_COLUMNS = [
    "statement_id",
    "transaction_id",
    "amount",
    "statement_amount",
    "fx_rate",
    "difference",
    "rule",
    "confidence",
    "status",
    "group",
]
_MATCH_TYPES = [
    "bigint",
    "bigint",
    "numeric",
    "numeric",
    "numeric",
    "numeric",
    "text",
    "numeric",
    "text",
    "text",
]


def _insert_matches(agency: Agency, run: ReconciliationRun | None, rows: list[tuple]) -> None:
    """Insert new matches (rows in the order of _MATCH_COLUMNS) without model instances.
    (COPY would be faster still, but PostgreSQL refuses it under row-level security.)"""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(Match._meta.db_table)
    columns = ["agency_id", "run_id", "created_at", "note", *_MATCH_COLUMNS]
    column_sql = ", ".join(quote(c) for c in columns)
    run_id = run.pk if run is not None else None
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in _MATCH_TYPES)
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) "  # noqa: S608
                f"SELECT %s, %s, %s, '', * FROM unnest({arrays})",
                [agency.pk, run_id, now, *(list(column) for column in zip(*rows, strict=True))],
            )
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({column_sql}) VALUES ({marks})",  # noqa: S608
            [
                (
                    agency.pk,
                    run_id,
                    now,
                    "",
                    *(str(v) if isinstance(v, Decimal) else v for v in row),
                )
                for row in rows
            ],
        )


def _text_decimal(value):
    # SQLite keeps decimals exact as text (what Django's own adapter does too).
    return str(value) if isinstance(value, Decimal) else value


def _save_allocations(model, rows: list[tuple[int, Decimal, str | None]]) -> None:
    """Write new allocated amounts (and statement statuses) of many rows at once."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with_status = rows[0][2] is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, amounts, statuses = (list(column) for column in zip(*rows, strict=True))
            if with_status:
                cursor.execute(
                    f"UPDATE {table} AS t SET allocated_amount = v.allocated, "  # noqa: S608
                    "status = v.status, updated_at = now() "
                    "FROM unnest(%s::bigint[], %s::numeric[], %s::text[]) "
                    "AS v(id, allocated, status) WHERE t.id = v.id AND t.id = ANY(%s)",
                    [ids, amounts, statuses, ids],
                )
            else:
                cursor.execute(
                    f"UPDATE {table} AS t SET allocated_amount = v.allocated "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, allocated) "
                    # ANY(): the planner then reads the rows by primary key, not all of them.
                    "WHERE t.id = v.id AND t.id = ANY(%s)",
                    [ids, amounts, ids],
                )
        elif with_status:
            cursor.executemany(
                f"UPDATE {table} SET allocated_amount = %s, status = %s, "  # noqa: S608
                "updated_at = %s WHERE id = %s",
                [(str(allocated), status, timezone.now(), pk) for pk, allocated, status in rows],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET allocated_amount = %s WHERE id = %s",  # noqa: S608
                [(str(allocated), pk) for pk, allocated, _status in rows],
            )


_REVERSAL_KEYS = ("end_to_end_id", "bank_reference", "remittance_info")


def _reverse_pass(agency: Agency, actor=None) -> int:
    """Link each unprocessed reversal to the credit it takes back and undo that credit's
    allocations. Returns how many reversals were applied.

    The original is the latest credit before the reversal on the same account with the same
    amount and the same end-to-end id, else bank reference, else remittance information.
    """
    fields = ["pk", "bank_account_id", "amount", "booking_date", *_REVERSAL_KEYS]
    reversals = list(
        BankTransaction.objects.for_agency(agency)
        .filter(is_reversal=True, reverses__isnull=True)
        .order_by("pk")
        .values(*fields)
    )
    if not reversals:
        return 0
    # Every credit that could be taken back, in one query; picked in memory.
    candidates: dict[tuple[int, Decimal], list[dict]] = defaultdict(list)
    for c in (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.CREDIT, is_reversal=False, reversed_by__isnull=True)
        .filter(amount__in={r["amount"] for r in reversals})
        .order_by("-booking_date", "-pk")
        .values(*fields)
    ):
        candidates[(c["bank_account_id"], c["amount"])].append(c)
    taken: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for rev in reversals:
        pool = [
            c
            for c in candidates.get((rev["bank_account_id"], rev["amount"]), ())
            if c["booking_date"] <= rev["booking_date"] and c["pk"] not in taken
        ]
        original = next(
            (c for key in _REVERSAL_KEYS if rev[key] for c in pool if c[key] == rev[key]), None
        )
        if original is not None:
            taken.add(original["pk"])
            pairs.append((rev["pk"], original["pk"]))
    if not pairs:
        return 0
    with tenant_transaction(agency.pk):
        # The lock every batch of a run takes: no run matches these credits meanwhile.
        PayoutSettings.objects.select_for_update().filter(agency=agency).first()
        with_matches = set(
            Match.objects.filter(
                transaction_id__in=[o for _r, o in pairs],
                status__in=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED],
            ).values_list("transaction_id", flat=True)
        )
        quiet = [BankTransaction(pk=r, reverses_id=o) for r, o in pairs if o not in with_matches]
        BankTransaction.objects.bulk_update(quiet, ["reverses"], batch_size=BATCH_SIZE)
    for rev_pk, original_pk in pairs:
        if original_pk in with_matches:
            _reverse_one(agency, rev_pk, original_pk, actor)
    return len(pairs)


def _reverse_one(agency: Agency, rev_pk: int, original_pk: int, actor) -> None:
    """Link one reversal to its original and undo the original's matches, atomically."""
    with tenant_transaction(agency.pk):
        PayoutSettings.objects.select_for_update().filter(agency=agency).first()
        original = BankTransaction.objects.select_for_update().get(agency=agency, pk=original_pk)
        BankTransaction.objects.filter(pk=rev_pk).update(reverses=original)
        for match in (
            Match.objects.select_for_update()
            .filter(transaction=original, status__in=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED])
            .order_by("pk")
        ):
            if match.status == MatchStatus.CONFIRMED:
                _undo(match, actor, status=MatchStatus.REVERSED, action="match.reverse")
            else:
                match.status = MatchStatus.REJECTED
                match.note = _("Deposit reversed by the bank.")[:200]
                match.save(update_fields=["status", "note"])


PASSES = ("reference", "amount_date", "batch", "fx")


def reconcile(*, agency: Agency, run: ReconciliationRun | None = None, actor=None) -> RunStats:
    """Run every pass over the agency's open credits and statements (see module docstring).

    Idempotent: a second call over unchanged data creates and changes nothing; after a call
    that was killed half way, another call completes what the first would have done.
    """
    config = Config.for_agency(agency)
    stats = RunStats()
    if run is not None:
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING,
            started_at=timezone.now(),
            current_pass="reversal",  # noqa: S106
            error="",
        )
    stats.reversed = _reverse_pass(agency, actor)

    credits = list(
        _open_credits(agency)
        .order_by("pk")
        .values(
            "pk",
            "amount",
            "allocated_amount",
            "currency",
            "booking_date",
            "remittance_info",
            "end_to_end_id",
        )
    )
    if credits:
        first = min(t["booking_date"] for t in credits) - config.window
        last = max(t["booking_date"] for t in credits) + EARLY
        statements = _load_statements(agency, first, last)
    else:
        statements = {}
    engine = _Engine(agency, config, statements)
    for t in credits:
        t["open"] = t["amount"] - t["allocated_amount"]
        t["tokens"] = reference_tokens(t["remittance_info"], t["end_to_end_id"])
    pairs = Match.objects.filter(agency=agency)
    if len(credits) < 5000:
        pairs = pairs.filter(transaction_id__in=[c["pk"] for c in credits])
    engine.known_pairs = set(pairs.values_list("statement_id", "transaction_id"))
    rules = {
        "reference": engine.by_reference,
        "amount_date": engine.by_amount_date,
        "batch": engine.by_batch,
        "fx": engine.by_fx,
    }
    stats.total = len(credits) * len(PASSES)
    if run is not None:
        ReconciliationRun.objects.filter(pk=run.pk).update(total=stats.total, processed=0)

    decided: set[int] = set()
    for name in PASSES:
        rule = rules[name]
        remaining = [t for t in credits if t["pk"] not in decided]
        stats.processed += len(credits) - len(remaining)  # decided in an earlier pass
        if name == "amount_date":
            engine.count_amount_candidates(remaining)
        elif name == "fx":
            engine.count_fx_candidates(remaining)
        if run is not None:
            ReconciliationRun.objects.filter(pk=run.pk).update(current_pass=name)
        for start in range(0, len(remaining), BATCH_SIZE):
            batch = remaining[start : start + BATCH_SIZE]
            decisions = []
            for t in batch:
                decision = engine.decide(rule, t)
                if decision is not None:
                    engine.apply_in_memory(decision)
                    decisions.append(decision)
                    decided.add(t["pk"])
            stats.processed += len(batch)
            with tenant_transaction(agency.pk):  # row-level security: this agency's rows
                if connection.vendor == "postgresql":
                    # A batch need not wait for its commit to reach the disk: after a crash
                    # of the database the rerun redoes any batch lost (atomicity stays).
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit TO OFF")
                # One run per agency at a time between batches: lock the settings row.
                PayoutSettings.objects.select_for_update().filter(agency=agency).first()
                matched, proposed = _write_batch(agency, run, decisions)
                stats.matched += matched
                stats.ambiguous += proposed
                if run is not None:
                    ReconciliationRun.objects.filter(pk=run.pk).update(
                        processed=stats.processed,
                        matched_count=F("matched_count") + matched,
                        ambiguous_count=F("ambiguous_count") + proposed,
                    )
    stats.unmatched = len(credits) - len(decided)
    return stats


def _totals(rows) -> dict[str, str]:
    # SQLite sums decimals without their scale; quantize so every backend prints 50.00.
    return {r["currency"]: str(quantize(r["total"], r["currency"])) for r in rows if r["total"]}


def summary(agency: Agency) -> dict:
    """Where the agency stands: open amounts per currency, exceptions waiting, unmatched."""
    open_statements = (
        PayoutStatement.objects.for_agency(agency)
        .filter(status__in=MATCHABLE_STATUSES, settled_amount__isnull=False)
        .values("currency")
        .annotate(total=Sum(F("settled_amount") - F("allocated_amount")))
        .order_by("currency")
    )
    open_credits = (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.CREDIT, is_reversal=False, reversed_by__isnull=True)
        .values("currency")
        .annotate(total=Sum(F("amount") - F("allocated_amount")))
        .order_by("currency")
    )
    return {
        "open_statements": _totals(open_statements),
        "open_credits": _totals(open_credits),
        "exceptions": Match.objects.for_agency(agency)
        .filter(status=MatchStatus.PROPOSED)
        .values("group")
        .distinct()
        .count(),
    }


def run_start(*, agency: Agency, actor) -> ReconciliationRun:
    """Create a queued run and enqueue its Celery task once the transaction commits."""
    from .tasks import reconciliation_run as task

    with transaction.atomic():
        run = ReconciliationRun.objects.create(agency=agency, created_by=actor)
        audit_record(agency=agency, actor=actor, action="reconciliation.start", obj=run)
        transaction.on_commit(lambda: task.delay(agency.pk, run.pk))
    return run


def agencies_due(*, busy_for: timedelta = timedelta(hours=6)) -> list[Agency]:
    """Agencies with something new to reconcile: a bank transaction imported since their
    last completed run started, or a statement changed since it finished (or no run yet, with
    open credits); and no run queued or running for less than `busy_for` (older ones were
    abandoned by a worker)."""
    now = timezone.now()
    busy = ReconciliationRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING], created_at__gte=now - busy_for
    ).values("agency_id")
    due = []
    for agency in Agency.objects.exclude(pk__in=busy).order_by("pk"):
        last = (
            ReconciliationRun.objects.filter(agency=agency, status=RunStatus.COMPLETED)
            .order_by("-finished_at")
            .values_list("started_at", "finished_at")
            .first()
        )
        if last is None:
            if _open_credits(agency).exists():
                due.append(agency)
        elif (
            BankTransaction.objects.filter(agency=agency, created_at__gt=last[0]).exists()
            # The run's own allocations change statements before it finishes.
            or PayoutStatement.objects.filter(agency=agency, updated_at__gt=last[1]).exists()
        ):
            due.append(agency)
    return due


def start_due_runs() -> list[ReconciliationRun]:
    """Start a reconciliation run for every agency that has something new (periodic job)."""
    return [run_start(agency=agency, actor=None) for agency in agencies_due()]


def run_execute(*, agency: Agency, run: ReconciliationRun, actor=None) -> ReconciliationRun:
    """Execute a run (the Celery task and the management command call this).

    Safe to call again for a run whose worker died: it starts over from the database, and
    its counts include what the earlier attempt committed.
    """
    try:
        stats = reconcile(agency=agency, run=run, actor=actor)
    except Exception as exc:
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        raise
    with tenant_transaction(agency.pk):
        run = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
        mine = Match.objects.filter(run=run)
        run.status = RunStatus.COMPLETED
        run.finished_at = timezone.now()
        run.current_pass = ""
        run.matched_count = (
            mine.filter(status__in=[MatchStatus.CONFIRMED, MatchStatus.REVERSED])
            .values("transaction_id")
            .distinct()
            .count()
        )
        run.ambiguous_count = mine.exclude(group="").values("group").distinct().count()
        run.unmatched_count = stats.unmatched
        run.processed = run.total = stats.total
        run.summary = {**summary(agency), "reversed": stats.reversed}
        run.save()
        audit_record(
            agency=agency,
            actor=actor,
            actor_label="" if actor else "celery:reconciliation_run",
            action="reconciliation.complete",
            obj=run,
            after={
                "matched": run.matched_count,
                "ambiguous": run.ambiguous_count,
                "unmatched": run.unmatched_count,
                "reversed": stats.reversed,
            },
        )
    return run


# --- Staff decisions on the exceptions queue -------------------------------------------------


def _lock_pair(match: Match) -> tuple[Match, BankTransaction, PayoutStatement]:
    match = Match.objects.select_for_update().get(pk=match.pk)
    txn = BankTransaction.objects.select_for_update().get(pk=match.transaction_id)
    statement = PayoutStatement.objects.select_for_update().get(pk=match.statement_id)
    return match, txn, statement


def _apply(match: Match, txn: BankTransaction, statement: PayoutStatement, sign: int) -> None:
    txn.allocated_amount += sign * match.amount
    statement.allocated_amount += sign * match.statement_amount
    if txn.allocated_amount > txn.amount or txn.allocated_amount < 0:
        raise ValidationError(_("This would allocate more than the deposit's amount."))
    if statement.settled_amount is None or statement.allocated_amount > statement.settled_amount:
        raise ValidationError(_("This would pay the statement more than it is worth."))
    statement.status = _statement_status_after(
        statement.status, statement.allocated_amount, statement.settled_amount
    )
    txn.save(update_fields=["allocated_amount"])
    statement.save(update_fields=["allocated_amount", "status", "updated_at"])


def _undo(match: Match, actor, *, status: str, action: str) -> Match:
    match, txn, statement = _lock_pair(match)
    before = snapshot(match, MATCH_FIELDS)
    if match.status == MatchStatus.CONFIRMED:
        _apply(match, txn, statement, -1)
    match.status = status
    match.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    match.decided_at = timezone.now()
    match.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        agency=match.agency,
        actor=actor,
        action=action,
        obj=match,
        before=before,
        after=snapshot(match, MATCH_FIELDS),
    )
    return match


@transaction.atomic
def match_confirm(*, match: Match, actor) -> Match:
    """Confirm a proposed match: moves the money. Locks the match, transaction, statement.

    Competing proposals that no longer fit (their deposit or statement is now fully
    allocated) are rejected in the same transaction.
    """
    match, txn, statement = _lock_pair(match)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError(_("Only a proposed match can be confirmed."))
    before = snapshot(match, MATCH_FIELDS)
    match.amount = min(match.amount, txn.amount - txn.allocated_amount)
    if statement.currency == txn.currency:
        match.statement_amount = min(match.amount, statement.open_amount)
        match.amount = match.statement_amount
    if match.amount <= 0 or match.statement_amount <= 0:
        raise ValidationError(_("Nothing is left open on this deposit or statement."))
    match.status = MatchStatus.CONFIRMED
    match.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    match.decided_at = timezone.now()
    _apply(match, txn, statement, +1)
    match.save()
    audit_record(
        agency=match.agency,
        actor=actor,
        action="match.confirm",
        obj=match,
        before=before,
        after=snapshot(match, MATCH_FIELDS),
    )
    # Reject competitors that can no longer be confirmed.
    competitors = (
        Match.objects.select_for_update()
        .filter(status=MatchStatus.PROPOSED, agency=match.agency)
        .filter(Q(transaction=txn) | Q(statement=statement))
        .exclude(pk=match.pk)
        .order_by("pk")
    )
    txn.refresh_from_db()
    statement.refresh_from_db()
    for other in competitors:
        full = (other.transaction_id == txn.pk and txn.allocated_amount >= txn.amount) or (
            other.statement_id == statement.pk and statement.open_amount <= 0
        )
        if full:
            _undo(other, actor, status=MatchStatus.REJECTED, action="match.reject")
    return match


@transaction.atomic
def match_reject(*, match: Match, actor) -> Match:
    """Reject a proposed match; the pair is remembered and never proposed again."""
    match = Match.objects.select_for_update().get(pk=match.pk)
    if match.status != MatchStatus.PROPOSED:
        raise ValidationError(_("Only a proposed match can be rejected."))
    return _undo(match, actor, status=MatchStatus.REJECTED, action="match.reject")


@transaction.atomic
def match_unmatch(*, match: Match, actor) -> Match:
    """Undo a confirmed match: the money goes back to open on both sides."""
    match = Match.objects.select_for_update().get(pk=match.pk)
    if match.status != MatchStatus.CONFIRMED:
        raise ValidationError(_("Only a confirmed match can be unmatched."))
    return _undo(match, actor, status=MatchStatus.REJECTED, action="match.unmatch")


@transaction.atomic
def match_manual(
    *,
    statement: PayoutStatement,
    transaction_: BankTransaction,
    actor,
    amount: Decimal | None = None,
    statement_amount: Decimal | None = None,
    note: str = "",
) -> Match:
    """Match a deposit to a statement by hand (confidence 1, rule manual).

    Defaults to as much as is open on both sides (same currency) or the whole open deposit
    against the whole open statement (different currencies, recording the implied rate).
    """
    if statement.agency_id != transaction_.agency_id:
        raise ValidationError(_("The deposit and the statement belong to different agencies."))
    if transaction_.credit_debit != CreditDebit.CREDIT or transaction_.is_reversal:
        raise ValidationError(_("Only a bank credit can pay a statement."))
    txn = BankTransaction.objects.select_for_update().get(pk=transaction_.pk)
    stmt = PayoutStatement.objects.select_for_update().get(pk=statement.pk)
    if stmt.settled_amount is None or stmt.status not in MATCHABLE_STATUSES:
        raise ValidationError(_("Only a settled statement can be matched."))
    open_t, open_s = txn.amount - txn.allocated_amount, stmt.open_amount
    if stmt.currency == txn.currency:
        amount = amount if amount is not None else min(open_t, open_s)
        statement_amount = amount
        rate = None
    else:
        amount = amount if amount is not None else open_t
        statement_amount = statement_amount if statement_amount is not None else open_s
        rate = quantize_rate(amount / statement_amount) if statement_amount else None
    if amount <= 0 or statement_amount <= 0:
        raise ValidationError(_("Nothing is left open on this deposit or statement."))
    if amount > open_t or statement_amount > open_s:
        raise ValidationError(_("The amount is larger than what is open."))
    match = Match.objects.select_for_update().filter(statement=stmt, transaction=txn).first()
    before = snapshot(match, MATCH_FIELDS) if match else None
    if match is not None and match.status == MatchStatus.CONFIRMED:
        raise ValidationError(_("These two are already matched."))
    if match is None:
        match = Match(agency_id=stmt.agency_id, statement=stmt, transaction=txn)
    match.amount, match.statement_amount, match.fx_rate = amount, statement_amount, rate
    match.difference = ZERO
    match.rule, match.confidence = MatchRule.MANUAL, Decimal("1.000")
    match.status = MatchStatus.CONFIRMED
    match.note = (note or "")[:200]
    match.created_by = match.created_by or (
        actor if getattr(actor, "is_authenticated", False) else None
    )
    match.decided_by, match.decided_at = match.created_by, timezone.now()
    match.full_clean(exclude=["group", "run"])
    _apply(match, txn, stmt, +1)
    match.save()
    audit_record(
        agency=stmt.agency,
        actor=actor,
        action="match.manual",
        obj=match,
        before=before,
        after=snapshot(match, MATCH_FIELDS),
    )
    return match

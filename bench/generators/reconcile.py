"""Payout statements and bank credits with a known answer, for the reconciliation benchmark.

`scenario(n, seed)` plans `n` payout statements and about `n` bank transactions, and records
which credit truly pays which statement. The ways a statement gets paid, with their shares:

  exact       one credit, the reference in the remittance information (in several spellings)
  end_to_end  one credit, the reference only in the end-to-end id
  truncated   one credit whose remittance the bank cut short in the middle of the reference
  missing     one credit without any reference: only amount and date tell
  fee         one credit with the reference, short by a transfer fee
  fx          a USD statement paid in EUR at about the reference rate, less a fee; most
              name the reference, some do not
  batched     2-4 statements of one creator paid by one credit; most list the references
  partial     one statement paid in two credits
  unpaid      no credit yet

On top: duplicated deposits (the platform paid twice; the second pays nothing), reversals
(the bank takes a credit back and the platform pays again later), credits that are no
payout at all (brand deals, refunds, interest), and debits. Amounts are whole cents, dates
within a year, everything drawn from one seeded `random.Random`, so a seed always gives the
same data.

`load(agency, plan)` writes it into the database with bulk inserts (no services: this is
test data, built fast); `truth_pairs(plan)` is the answer key as (platform reference,
bank reference) pairs.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

START = dt.date(2024, 1, 1)
DAYS = 360
USD_EUR = Decimal("0.92")
CENT = Decimal("0.01")

SHARES = {
    "exact": 58,
    "end_to_end": 5,
    "truncated": 8,
    "missing": 8,
    "fee": 4,
    "fx": 5,
    "batched": 4,
    "partial": 2,
    "unpaid": 3,
}
PAYERS = ["TikTok Pte. Ltd.", "TikTok Information Technologies UK", "Bytedance Pte Ltd"]
OTHER_CREDITS = [
    "Brand deal invoice INV-{n}",
    "Refund order {n}",
    "Interest Q{q}",
    "Sponsor & Co GmbH campaign {n}",
    "Merch store payout week {q}",
]


@dataclass
class PlannedStatement:
    ref: str
    creator: int
    currency: str
    amount: Decimal
    settled_date: dt.date
    way: str


@dataclass
class PlannedCredit:
    key: str  # goes into bank_reference: unique, so results can be compared by it
    amount: Decimal
    currency: str
    booking_date: dt.date
    remittance: str = ""
    end_to_end_id: str = ""
    counterparty: str = ""
    debit: bool = False
    reversal: bool = False
    pays: tuple[str, ...] = ()  # the statements this credit truly pays
    reversed: bool = False  # taken back by the bank: pays nothing in the end


@dataclass
class Plan:
    statements: list[PlannedStatement] = field(default_factory=list)
    credits: list[PlannedCredit] = field(default_factory=list)
    creators: int = 0

    def describe(self) -> dict[str, int]:
        ways = Counter(s.way for s in self.statements)
        return dict(sorted(ways.items()))


def _cents(rng: random.Random, low: int, high: int) -> Decimal:
    """A log-uniform amount between low and high euros, in whole cents."""
    value = low * (high / low) ** rng.random()
    return (Decimal(int(value * 100)) / 100).quantize(CENT)


def _ref(number: int, settled: dt.date) -> str:
    return f"TT-{settled:%Y-%m}-{number:08d}"


def _spell(rng: random.Random, ref: str) -> str:
    """The reference as payers write it: as is, lower case, or without its dashes."""
    return rng.choice([ref, ref.lower(), ref.replace("-", ""), ref.replace("-", " ", 1)])


def scenario(n: int, *, seed: int = 0) -> Plan:
    """About `n` statements and `n` bank transactions with their true matches."""
    rng = random.Random(seed)
    plan = Plan(creators=max(1, n // 25))
    ways = list(SHARES)
    weights = [SHARES[w] for w in ways]
    counter = 0

    def new_statement(way: str, currency: str = "EUR", **fixed) -> PlannedStatement:
        nonlocal counter
        counter += 1
        settled = fixed.get("settled_date") or START + dt.timedelta(days=rng.randrange(DAYS))
        s = PlannedStatement(
            ref=_ref(counter, settled),
            creator=fixed.get("creator", rng.randrange(plan.creators)),
            currency=currency,
            amount=fixed.get("amount") or _cents(rng, 5, 5000),
            settled_date=settled,
            way=way,
        )
        plan.statements.append(s)
        return s

    def new_credit(amount: Decimal, booked: dt.date, **fields) -> PlannedCredit:
        c = PlannedCredit(
            key=f"BR{len(plan.credits) + 1:08d}",
            amount=amount,
            currency=fields.pop("currency", "EUR"),
            booking_date=booked,
            counterparty=fields.pop("counterparty", rng.choice(PAYERS)),
            **fields,
        )
        plan.credits.append(c)
        return c

    def arrival(s: PlannedStatement) -> dt.date:
        return s.settled_date + dt.timedelta(days=rng.choice((0, 1, 1, 2, 3, 4, 6)))

    while len(plan.statements) < n:
        way = rng.choices(ways, weights)[0]
        if way == "batched":
            size = min(rng.choice((2, 2, 3, 4)), n - len(plan.statements))
            if size < 2:
                way = "exact"
            else:
                creator = rng.randrange(plan.creators)
                settled = START + dt.timedelta(days=rng.randrange(DAYS))
                group = [
                    new_statement("batched", creator=creator, settled_date=settled)
                    for _ in range(size)
                ]
                listed = rng.random() < 0.7
                refs = " ".join(s.ref for s in group)
                new_credit(
                    sum((s.amount for s in group), Decimal(0)),
                    arrival(group[0]),
                    remittance=f"TikTok batch payout {refs}" if listed else "TikTok batch payout",
                    pays=tuple(s.ref for s in group),
                )
                continue
        if way == "fx":
            s = new_statement("fx", currency="USD")
            rate = USD_EUR * (1 + Decimal(rng.uniform(-0.01, 0.01)))
            amount = (s.amount * rate - _cents(rng, 1, 5)).quantize(CENT)
            if amount <= 0:
                amount = (s.amount * USD_EUR).quantize(CENT)
            named = rng.random() < 0.8
            new_credit(
                amount,
                arrival(s),
                remittance=f"Creator payout {_spell(rng, s.ref)}" if named else "Creator payout",
                pays=(s.ref,),
            )
            continue
        s = new_statement(way)
        if way == "unpaid":
            continue
        if way == "exact":
            text = rng.choice(["TikTok payout {r}", "{r} creator rewards", "Payout ref {r} Jan"])
            new_credit(
                s.amount, arrival(s), remittance=text.format(r=_spell(rng, s.ref)), pays=(s.ref,)
            )
        elif way == "end_to_end":
            new_credit(
                s.amount, arrival(s), remittance="TikTok payout", end_to_end_id=s.ref, pays=(s.ref,)
            )
        elif way == "truncated":
            cut = s.ref[: len(s.ref) - rng.randrange(2, 5)]
            new_credit(
                s.amount, arrival(s), remittance=f"CREATOR PROGRAM PAYOUT {cut}", pays=(s.ref,)
            )
        elif way == "missing":
            new_credit(s.amount, arrival(s), remittance="TIKTOK PAYOUT", pays=(s.ref,))
        elif way == "fee":
            fee = min(_cents(rng, 0.5, 15), (s.amount / 60).quantize(CENT))
            if fee < CENT:
                fee = CENT
            new_credit(s.amount - fee, arrival(s), remittance=f"Payout {s.ref}", pays=(s.ref,))
        elif way == "partial":
            first = (s.amount * Decimal(rng.choice(("0.3", "0.4", "0.5")))).quantize(CENT)
            new_credit(first, arrival(s), remittance=f"{s.ref} part 1", pays=(s.ref,))
            new_credit(
                s.amount - first,
                arrival(s) + dt.timedelta(days=2),
                remittance=f"{s.ref} part 2",
                pays=(s.ref,),
            )

    # The platform paid some statements twice: the second credit pays nothing.
    paid_once = [
        c for c in plan.credits if len(c.pays) == 1 and c.remittance and "part" not in c.remittance
    ][: n // 100]
    for c in rng.sample(paid_once, len(paid_once) // 2):
        new_credit(c.amount, c.booking_date, remittance=c.remittance, counterparty=c.counterparty)

    # The bank took some credits back; the platform paid again a week later.
    singles = [c for c in plan.credits if len(c.pays) == 1 and not c.end_to_end_id]
    for c in rng.sample(singles, min(len(singles), n // 200)):
        c.end_to_end_id = f"E2E-{c.key}"
        c.reversed = True
        new_credit(
            c.amount,
            c.booking_date + dt.timedelta(days=2),
            remittance=c.remittance,
            end_to_end_id=c.end_to_end_id,
            counterparty=c.counterparty,
            debit=True,
            reversal=True,
        )
        new_credit(
            c.amount,
            c.booking_date + dt.timedelta(days=7),
            remittance=c.remittance,
            pays=c.pays,
        )

    # Fill up to n transactions: other credits first (a third), then payments out.
    missing = n - len(plan.credits)
    for i in range(max(0, missing)):
        booked = START + dt.timedelta(days=rng.randrange(DAYS))
        text = rng.choice(OTHER_CREDITS).format(n=rng.randrange(10**6), q=rng.randrange(1, 5))
        if i % 3 == 0:
            new_credit(_cents(rng, 5, 5000), booked, remittance=text, counterparty="Other")
        else:
            new_credit(
                _cents(rng, 5, 5000), booked, remittance=text, counterparty="Supplier", debit=True
            )
    rng.shuffle(plan.credits)  # banks book in date order, not in the order we planned
    plan.credits.sort(key=lambda c: c.booking_date)
    # Of two identical deposits, the one booked first pays the statement.
    first: dict[tuple, PlannedCredit] = {}
    for c in plan.credits:
        if c.debit:
            continue
        twin = first.setdefault((c.amount, c.booking_date, c.remittance, c.end_to_end_id), c)
        if twin is not c and not twin.pays and c.pays:
            twin.pays, c.pays = c.pays, ()
    return plan


def truth_pairs(plan: Plan) -> set[tuple[str, str]]:
    """(platform reference, bank reference) of every credit that, in the end, pays a
    statement."""
    return {(ref, c.key) for c in plan.credits if not c.debit and not c.reversed for ref in c.pays}


def load(agency, plan: Plan, *, iban: str = "NL91ABNA0417164300") -> None:
    """Write `plan` into `agency`: creators, statements, one bank account and its
    transactions, and payout settings with the USD/EUR reference rate."""
    import uuid

    from creators.models import Creator
    from payouts.models import (
        BankAccount,
        BankTransaction,
        PayoutSettings,
        PayoutStatement,
        StatementStatus,
    )

    batch = 5000
    PayoutSettings.objects.update_or_create(
        agency=agency, defaults={"fx_reference_rates": {"USD/EUR": str(USD_EUR)}}
    )
    creators = Creator.objects.bulk_create(
        [
            Creator(
                agency=agency,
                display_name=f"Bench creator {i}",
                email=f"bench-{agency.pk}-{i}@example.com",
                country="NL",
            )
            for i in range(plan.creators)
        ],
        batch_size=batch,
    )
    PayoutStatement.objects.bulk_create(
        [
            PayoutStatement(
                agency=agency,
                creator=creators[s.creator],
                source="creativity_program",
                platform_reference=s.ref,
                period_start=s.settled_date.replace(day=1),
                period_end=s.settled_date,
                currency=s.currency,
                estimated_amount=s.amount,
                settled_amount=s.amount,
                status=StatementStatus.SETTLED,
                settled_date=s.settled_date,
            )
            for s in plan.statements
        ],
        batch_size=batch,
    )
    account = BankAccount.objects.create(agency=agency, name="Bench", iban=iban, currency="EUR")
    BankTransaction.objects.bulk_create(
        [
            BankTransaction(
                agency=agency,
                bank_account=account,
                booking_date=c.booking_date,
                value_date=c.booking_date,
                amount=c.amount,
                currency=c.currency,
                credit_debit="debit" if c.debit else "credit",
                counterparty_name=c.counterparty,
                remittance_info=c.remittance,
                end_to_end_id=c.end_to_end_id,
                bank_reference=c.key,
                is_reversal=c.reversal,
                fingerprint=uuid.uuid4().bytes,
            )
            for c in plan.credits
        ],
        batch_size=batch,
    )


def automatic_pairs(agency) -> set[tuple[str, str]]:
    """What reconciliation matched by itself: confirmed matches it made, as pairs."""
    from payouts.models import Match, MatchRule, MatchStatus

    return set(
        Match.objects.filter(agency=agency, status=MatchStatus.CONFIRMED)
        .exclude(rule=MatchRule.MANUAL)
        .values_list("statement__platform_reference", "transaction__bank_reference")
    )

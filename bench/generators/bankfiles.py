"""Real files for the whole reconciliation chain, with the answer key: a roster CSV, a payout
statements CSV, monthly bank statements (CAMT.053, one month as MT940 in ISO-8859-1), an
ECB-style reference-rate CSV, and what truly pays what.

Unlike `bench/generators/reconcile.py` (rows bulk-inserted into the database), everything
here goes through the product's own entry points: `import_roster`, `import_payout_statement`,
`import_fx_rates`, `import_bank_statement` and `reconcile` read these files as a user's would.

    python -m bench.generators.bankfiles OUT_DIR --statements 2000 --seed 11

How statements get paid (share of statements, `SHARES`; each row of the answer key carries
its scenario, and a sub-scenario after a slash, so results can be broken down):

  exact/<wording>    one credit naming the reference the way banks write it: REF:…, /RFB/…,
                     EREF/… in the text, betalingskenmerk …, "Payout … May", lower case,
                     dashes removed, spaces instead of dashes, split across two Ustrd lines,
                     or only in the structured creditor reference (Strd/CdtrRefInf/Ref)
  end_to_end         the reference only as the end-to-end id
  truncated          the bank cut the text mid-reference (2-5 characters missing)
  truncated_shared   as truncated, but two siblings share the prefix and sit within a few
                     euros of the amount: only one matches to the cent (the siblings are paid
                     later with their exact reference: scenario truncated_sibling)
  missing            no reference at all: amount and date only
  fee                the reference, short by a bank fee (0.50-15.00)
  fx/named, fx/unnamed   a USD statement paid in EUR at the ECB rate of the booking date
                     less a bank margin of 0-0.4 % (20 % without the reference)
  batched/listed, batched/unlisted, batched/btch   2-4 statements of one creator settled on
                     one day in one credit: references listed, not listed, or a CAMT batch
                     entry (Btch) whose TxDtls carry each statement's amount and reference
  split              one statement paid in two credits (each names the reference)
  reversed/<form>/<same_file|later_file>   paid, then taken back by the bank, then paid
                     again a week later (the re-payment is the true allocation). Forms:
                     rvslind (CAMT RvslInd=true debit with the original's end-to-end id;
                     MT940 RC), return_code (a debit with its own AcctSvcrRef, no end-to-end
                     id, BkTxCd PMNT/ICDT/RRTN or PMNT/RCDT/RRTN, a text that only contains
                     the reference; MT940 NRTI), return_word (RETURN, STORNO, TERUGBOEKING,
                     R-transactie, RUECKBUCHUNG in front of the original text)
  duplicate          paid twice by the platform: the credit booked first pays
  unpaid             never paid

Money that pays no statement: sponsor credits with the exact amount of an open statement
(missing or unpaid) within days of it (`sponsor_twin/…`), interest credits, bank fee and
interest debits, the agency's payments to creators that name the statement reference (a
debit that is NOT a return), and some entries of each file repeated at the start of the
next (banks resend; the import skips them).

Amounts are whole cents, booking dates TARGET business days, rates a seeded random walk;
one `random.Random(seed)` drives everything, so a seed always gives the same files.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from payouts.statement_columns import COLUMNS

IBAN = "NL91ABNA0417164300"
START = dt.date(2024, 1, 2)
DAYS = 175
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MT940_MONTH = 4  # April is written as MT940 (ISO-8859-1); every other month as CAMT.053

SHARES = {
    "exact": 55,
    "end_to_end": 5,
    "truncated": 5,
    "truncated_shared": 3,
    "missing": 7,
    "fee": 4,
    "fx": 6,
    "batched": 5,
    "split": 2,
    "reversed": 4,
    "duplicate": 1,
    "unpaid": 3,
}
WORDINGS = [
    "ref_colon",
    "rfb",
    "eref_text",
    "betalingskenmerk",
    "payout_month",
    "lower",
    "no_dashes",
    "spaced",
    "split_lines",
    "structured",
]
REVERSAL_FORMS = ["rvslind", "return_code", "return_word"]
RETURN_WORDS = ["RETURN", "STORNO", "TERUGBOEKING", "R-transactie", "RUECKBUCHUNG"]
TIKTOK = [
    ("TikTok Pte. Ltd.", "IE64IRCE92050112345678"),
    ("TikTok Information Technologies UK Ltd", "GB33BUKB20201555555555"),
]
SPONSORS = [
    ("Sponsor & Co GmbH", "DE89370400440532013000"),
    ("Müller Sponsoring GmbH", "DE75512108001245126199"),
    ("Brandly BV", "NL02RABO0123456789"),
]
# TARGET2 closing days in the period: no ECB rate, no booking.
HOLIDAYS = {
    dt.date(2024, 1, 1),
    dt.date(2024, 3, 29),
    dt.date(2024, 4, 1),
    dt.date(2024, 5, 1),
    dt.date(2024, 12, 25),
    dt.date(2024, 12, 26),
}
FX_CURRENCIES = [("USD", "1.0950"), ("JPY", "158.20"), ("CYP", None), ("GBP", "0.8560")]


def business_day(day: dt.date) -> dt.date:
    """`day`, or the next TARGET business day."""
    while day.weekday() >= 5 or day in HOLIDAYS:
        day += dt.timedelta(days=1)
    return day


def add_business_days(day: dt.date, count: int) -> dt.date:
    day = business_day(day)
    for _ in range(count):
        day = business_day(day + dt.timedelta(days=1))
    return day


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Statement:
    ref: str
    creator: int
    currency: str
    amount: Decimal
    settled: dt.date
    scenario: str
    source: str = "creativity_program"


@dataclass
class Entry:
    """One booking on the agency's account (a CAMT Ntry, an MT940 :61:)."""

    asr: str  # the bank's own reference: CAMT AcctSvcrRef, MT940 :61: after //
    booked: dt.date
    amount: Decimal
    scenario: str
    debit: bool = False
    lines: list[str] = field(default_factory=list)  # remittance, one Ustrd element each
    e2e: str = ""
    counterparty: tuple[str, str] = TIKTOK[0]
    code: str = "PMNT/RCDT/ESCT"
    reversal: bool = False  # CAMT RvslInd, MT940 RC/RD
    structured: str = ""  # Strd/CdtrRefInf/Ref
    parts: list[tuple[Decimal, str, str]] = field(default_factory=list)  # Btch: amount, e2e, text
    pays: list[tuple[str, Decimal]] = field(default_factory=list)  # (reference, amount in EUR)
    reversed: bool = False  # taken back by the bank later: pays nothing in the end
    resend: bool = False  # the bank repeats it at the start of the next file


@dataclass
class Plan:
    creators: int
    statements: list[Statement]
    entries: list[Entry]
    usd_rates: dict[dt.date, Decimal]


@dataclass
class BankFiles:
    """What `generate` wrote: the files in import order and the answer key."""

    folder: Path
    roster: Path
    statements: Path
    fx_rates: Path
    bank_files: list[Path]
    key_allocations: Path
    key_credits: Path
    statement_count: int
    entry_count: int
    shares: dict[str, int]


def _amount(rng: random.Random, low: float, high: float) -> Decimal:
    """Log-uniform between low and high, whole cents."""
    return Decimal(int(low * (high / low) ** rng.random() * 100)) / 100


def _reference(number: int, settled: dt.date) -> str:
    return f"TTCR-{settled:%Y%m}-{number:07d}"


def _usd_rates(rng: random.Random, first: dt.date, last: dt.date) -> dict[dt.date, Decimal]:
    rates = {}
    value = 1.095
    day = first
    while day <= last:
        if business_day(day) == day:
            value = min(1.125, max(1.055, value + rng.gauss(0, 0.0035)))
            rates[day] = Decimal(f"{value:.4f}")
        day += dt.timedelta(days=1)
    return rates


def _wording(rng: random.Random, wording: str, ref: str, settled: dt.date) -> tuple[list[str], str]:
    """Remittance lines and structured reference of a payout naming `ref` in `wording`."""
    month = calendar.month_abbr[settled.month]
    if wording == "ref_colon":
        return [f"TIKTOK PTE LTD REF:{ref} CREATOR REWARDS"], ""
    if wording == "rfb":
        return [f"/RFB/{ref}/TXT/Creator payout"], ""
    if wording == "eref_text":
        return [f"EREF/{ref} TikTok Creativity Program"], ""
    if wording == "betalingskenmerk":
        return [f"Betalingskenmerk {ref} uitbetaling TikTok"], ""
    if wording == "payout_month":
        return [f"Payout {ref} {month}"], ""
    if wording == "lower":
        return [f"tiktok payout {ref.lower()}"], ""
    if wording == "no_dashes":
        return [f"CREATOR PAYOUT {ref.replace('-', '')}"], ""
    if wording == "spaced":
        return [f"Creator payout {ref.replace('-', ' ')}"], ""
    if wording == "split_lines":
        cut = rng.randrange(6, len(ref) - 3)
        return [f"TikTok creator payout {ref[:cut]}", f"{ref[cut:]} {month} 2024"], ""
    return ["TikTok creator payout"], ref  # structured


class _Builder:
    def __init__(self, n: int, seed: int):
        self.rng = random.Random(seed)
        self.n = n
        self.creators = max(2, n // 25)
        self.statements: list[Statement] = []
        self.entries: list[Entry] = []
        self.number = 0
        last = START + dt.timedelta(days=DAYS + 45)
        self.usd = _usd_rates(self.rng, START - dt.timedelta(days=20), last)

    # --- helpers ---------------------------------------------------------------------------

    def statement(self, scenario: str, **fixed) -> Statement:
        self.number += 1
        settled = fixed.get("settled") or business_day(
            START + dt.timedelta(days=self.rng.randrange(DAYS))
        )
        s = Statement(
            ref=_reference(self.number, settled),
            creator=fixed.get("creator", self.rng.randrange(self.creators)),
            currency=fixed.get("currency", "EUR"),
            amount=fixed.get("amount") or _amount(self.rng, 5, 5000),
            settled=settled,
            scenario=scenario,
            source=self.rng.choice(["creativity_program"] * 8 + ["creator_fund", "live_gifts"]),
        )
        self.statements.append(s)
        return s

    def entry(self, booked: dt.date, amount: Decimal, scenario: str, **fields) -> Entry:
        e = Entry(
            asr=f"ASR{len(self.entries) + 1:010d}",
            booked=business_day(booked),
            amount=amount,
            scenario=scenario,
            **fields,
        )
        if "counterparty" not in fields and not e.debit:
            e.counterparty = self.rng.choice(TIKTOK)
        self.entries.append(e)
        return e

    def arrival(self, s: Statement) -> dt.date:
        return add_business_days(s.settled, self.rng.choice((0, 1, 1, 2, 2, 3, 4)))

    def e2e(self) -> str:
        return f"TTPAY{self.rng.randrange(10**11):011d}"

    def rate(self, day: dt.date) -> Decimal:
        while day not in self.usd:
            day -= dt.timedelta(days=1)
        return self.usd[day]

    # --- scenarios -------------------------------------------------------------------------

    def paid_exact(self, s: Statement, scenario: str | None = None) -> Entry:
        wording = self.rng.choice(WORDINGS)
        lines, structured = _wording(self.rng, wording, s.ref, s.settled)
        return self.entry(
            self.arrival(s),
            s.amount,
            scenario or f"exact/{wording}",
            lines=lines,
            structured=structured,
            e2e=self.e2e() if self.rng.random() < 0.5 else "",
            pays=[(s.ref, s.amount)],
        )

    def build(self) -> Plan:
        rng = self.rng
        ways = list(SHARES)
        weights = [SHARES[w] for w in ways]
        while len(self.statements) < self.n:
            way = rng.choices(ways, weights)[0]
            getattr(self, f"way_{way}")()
        self.extras()
        self.entries.sort(key=lambda e: (e.booked, e.asr))
        # Of two identical payouts of one statement, the one booked first pays it.
        seen: dict[str, Entry] = {}
        for e in self.entries:
            if e.scenario == "duplicate" and e.pays:
                first = seen.setdefault(e.pays[0][0], e)
                if first is not e:
                    e.pays = []
        return Plan(self.creators, self.statements, self.entries, self.usd)

    def way_exact(self) -> None:
        self.paid_exact(self.statement("exact"))

    def way_end_to_end(self) -> None:
        s = self.statement("end_to_end")
        self.entry(
            self.arrival(s),
            s.amount,
            "end_to_end",
            lines=["TikTok Pte Ltd creator payout"],
            e2e=s.ref,
            pays=[(s.ref, s.amount)],
        )

    def _truncated_text(self, ref: str) -> list[str]:
        cut = ref[: len(ref) - self.rng.randrange(2, 6)]
        return [f"CREATOR PROGRAM PAYOUT 2024 TIKTOK PTE LTD SINGAPORE {cut}"]

    def way_truncated(self) -> None:
        s = self.statement("truncated")
        self.entry(
            self.arrival(s),
            s.amount,
            "truncated",
            lines=self._truncated_text(s.ref),
            pays=[(s.ref, s.amount)],
        )

    def way_truncated_shared(self) -> None:
        # Three statements whose references share all but the last digit (numbers n0, n1,
        # n2 of a block of ten), amounts a few euros apart: the cut credit names the prefix
        # and matches one of them to the cent.
        self.number = (self.number // 10 + 1) * 10 - 1
        settled = business_day(START + dt.timedelta(days=self.rng.randrange(DAYS)))
        base = _amount(self.rng, 50, 3000)
        group = [
            self.statement(
                "truncated_shared" if i == 0 else "truncated_sibling",
                settled=settled,
                amount=base + Decimal(delta),
            )
            for i, delta in enumerate(("0", "-1.50", "2.25"))
        ]
        target = group[0]
        cut = target.ref[:-1]
        self.entry(
            self.arrival(target),
            target.amount,
            "truncated_shared",
            lines=[f"CREATOR PROGRAM PAYOUT 2024 TIKTOK PTE LTD SINGAPORE {cut}"],
            pays=[(target.ref, target.amount)],
        )
        for sibling in group[1:]:
            e = self.paid_exact(sibling, "truncated_sibling")
            e.booked = add_business_days(e.booked, 5)

    def way_missing(self) -> None:
        s = self.statement("missing")
        self.entry(
            self.arrival(s),
            s.amount,
            "missing",
            lines=[self.rng.choice(["TIKTOK PTE LTD", "CREATOR PAYMENTS", "Payout"])],
            pays=[(s.ref, s.amount)],
        )

    def way_fee(self) -> None:
        s = self.statement("fee")
        fee = min(_amount(self.rng, 0.5, 15), cents(s.amount / 50))
        fee = max(fee, CENT)
        self.entry(
            self.arrival(s),
            s.amount - fee,
            "fee",
            lines=[f"Payout {s.ref} less charges {fee}"],
            pays=[(s.ref, s.amount - fee)],
        )

    def way_fx(self) -> None:
        s = self.statement("fx", currency="USD")
        booked = self.arrival(s)
        margin = Decimal(f"{self.rng.uniform(0, 0.004):.5f}")
        eur = cents(s.amount / self.rate(booked) * (1 - margin))
        if eur < CENT:
            eur = CENT
        named = self.rng.random() < 0.8
        ref_text = f"USD {s.amount} REF:{s.ref}" if named else f"USD {s.amount} creator payout"
        self.entry(
            booked,
            eur,
            "fx/named" if named else "fx/unnamed",
            lines=[ref_text],
            pays=[(s.ref, eur)],
        )

    def way_batched(self) -> None:
        size = min(self.rng.choice((2, 2, 3, 4)), max(self.n - len(self.statements), 1))
        if size < 2:
            self.way_exact()
            return
        creator = self.rng.randrange(self.creators)
        settled = business_day(START + dt.timedelta(days=self.rng.randrange(DAYS)))
        group = [self.statement("batched", creator=creator, settled=settled) for _ in range(size)]
        total = sum((s.amount for s in group), Decimal(0))
        kind = self.rng.choices(["listed", "unlisted", "btch"], [6, 2, 2])[0]
        pays = [(s.ref, s.amount) for s in group]
        if kind == "btch":
            parts = [(s.amount, self.e2e(), f"Creator payout {s.ref}") for s in group]
            self.entry(self.arrival(group[0]), total, "batched/btch", parts=parts, pays=pays)
            return
        lines = (
            ["TikTok batch payout " + " ".join(s.ref for s in group)]
            if kind == "listed"
            else ["TikTok batch payout"]
        )
        self.entry(self.arrival(group[0]), total, f"batched/{kind}", lines=lines, pays=pays)

    def way_split(self) -> None:
        s = self.statement("split")
        first = cents(s.amount * Decimal(self.rng.choice(("0.3", "0.4", "0.5"))))
        if first <= 0 or first >= s.amount:
            self.paid_exact(s, "split")
            return
        day = self.arrival(s)
        self.entry(day, first, "split", lines=[f"{s.ref} part 1 of 2"], pays=[(s.ref, first)])
        rest = s.amount - first
        self.entry(
            add_business_days(day, 2),
            rest,
            "split",
            lines=[f"{s.ref} part 2 of 2"],
            pays=[(s.ref, rest)],
        )

    def way_reversed(self) -> None:
        s = self.statement("reversed")
        form = self.rng.choice(REVERSAL_FORMS)
        later = self.rng.random() < 0.5
        booked = self.arrival(s)
        text = [f"TikTok creator payout {s.ref}"]
        original = self.entry(
            booked, s.amount, "reversed", lines=text, e2e=self.e2e(), reversed=True
        )
        if later:
            # In the next month's file: the original has been matched by then.
            first_of_next = (booked.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            taken_back = add_business_days(first_of_next, self.rng.randrange(0, 4))
        else:
            taken_back = add_business_days(booked, 2)
        where = "later_file" if taken_back.month != booked.month else "same_file"
        scenario = f"reversed/{form}/{where}"
        original.scenario = scenario
        fields: dict = {"debit": True, "counterparty": original.counterparty}
        if form == "rvslind":
            fields.update(reversal=True, e2e=original.e2e, lines=list(text))
        elif form == "return_code":
            fields.update(
                code=self.rng.choice(["PMNT/ICDT/RRTN", "PMNT/RCDT/RRTN"]),
                lines=[f"Retour AC04 rekening opgeheven {s.ref} terugboeking"],
            )
        else:
            word = self.rng.choice(RETURN_WORDS)
            fields.update(code="PMNT/ICDT/ESCT", lines=[f"{word} {text[0]}"])
        self.entry(taken_back, s.amount, f"{scenario}/debit", **fields)
        again = add_business_days(taken_back, 5)
        self.entry(
            again,
            s.amount,
            f"{scenario}/repaid",
            lines=[f"TikTok creator payout {s.ref} repayment"],
            e2e=self.e2e(),
            pays=[(s.ref, s.amount)],
        )

    def way_duplicate(self) -> None:
        s = self.statement("duplicate")
        day = self.arrival(s)
        for offset in (0, self.rng.randrange(1, 4)):
            self.entry(
                add_business_days(day, offset),
                s.amount,
                "duplicate",
                lines=[f"TikTok payout {s.ref}"],
                pays=[(s.ref, s.amount)],
            )

    def way_unpaid(self) -> None:
        self.statement("unpaid")

    # --- money that pays no statement ------------------------------------------------------

    def extras(self) -> None:
        rng = self.rng
        n = self.n
        missing = [s for s in self.statements if s.scenario == "missing"]
        unpaid = [s for s in self.statements if s.scenario == "unpaid"]
        for pool, label, count in ((missing, "missing", n // 100), (unpaid, "unpaid", n // 100)):
            for s in rng.sample(pool, min(len(pool), count)):
                name = rng.choice(SPONSORS)
                self.entry(
                    add_business_days(s.settled, rng.randrange(0, 4)),
                    s.amount,
                    f"sponsor_twin/{label}",
                    counterparty=name,
                    lines=[f"Campaign invoice INV-2024-{rng.randrange(10**5):05d}"],
                )
        for _ in range(max(1, n // 400)):
            day = START + dt.timedelta(days=rng.randrange(DAYS))
            self.entry(
                day,
                _amount(rng, 0.05, 40),
                "interest_credit",
                counterparty=("ABN AMRO Bank N.V.", ""),
                code="ACMT/MDOP/INTR",
                lines=[f"Rente Q{(day.month - 1) // 3 + 1} 2024"],
            )
        for _ in range(max(1, n // 100)):
            day = START + dt.timedelta(days=rng.randrange(DAYS))
            self.entry(
                day,
                _amount(rng, 1, 60),
                "bank_debit",
                debit=True,
                counterparty=("ABN AMRO Bank N.V.", ""),
                code=rng.choice(["ACMT/MDOP/CHRG", "ACMT/MDOP/INTR"]),
                lines=[rng.choice(["Kosten zakelijk betalen", "Debetrente", "Bankkosten"])],
            )
        # The agency pays each creator their share, naming the statement: a debit that
        # contains a reference and is no return.
        paid = [s for s in self.statements if s.scenario.startswith(("exact", "missing", "fee"))]
        for s in rng.sample(paid, len(paid) // 6):
            self.entry(
                add_business_days(s.settled, rng.randrange(6, 12)),
                cents(s.amount * Decimal("0.8")),
                "creator_payment",
                debit=True,
                counterparty=(f"Creator {s.creator}", ""),
                code="PMNT/ICDT/ESCT",
                lines=[f"Uitbetaling {s.ref} netto"],
            )
        for e in rng.sample(self.entries, len(self.entries) // 200):
            e.resend = True


# --- writing -----------------------------------------------------------------------------


def _camt_entry(e: Entry, version: int) -> str:
    status = "<Sts><Cd>BOOK</Cd></Sts>" if version >= 8 else "<Sts>BOOK</Sts>"
    booked = (
        f"<DtTm>{e.booked.isoformat()}T09:30:00+0{1 + _summer(e.booked)}:00</DtTm>"
        if int(e.asr[-1]) % 3 == 0
        else f"<Dt>{e.booked.isoformat()}</Dt>"
    )
    domain, family, sub = e.code.split("/")
    out = [
        f'<Ntry><Amt Ccy="EUR">{e.amount:.2f}</Amt>',
        f"<CdtDbtInd>{'DBIT' if e.debit else 'CRDT'}</CdtDbtInd>",
        "<RvslInd>true</RvslInd>" if e.reversal else "",
        status,
        f"<BookgDt>{booked}</BookgDt><ValDt><Dt>{e.booked.isoformat()}</Dt></ValDt>",
        f"<AcctSvcrRef>{e.asr}</AcctSvcrRef>",
        f"<BkTxCd><Domn><Cd>{domain}</Cd><Fmly><Cd>{family}</Cd>"
        f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls>",
    ]
    if e.parts:
        out.append(f"<Btch><NbOfTxs>{len(e.parts)}</NbOfTxs></Btch>")
        for amount, e2e, text in e.parts:
            out.append(_camt_details(e, version, e2e, [text], "", amount))
    else:
        out.append(_camt_details(e, version, e.e2e, e.lines, e.structured, None))
    out.append("</NtryDtls></Ntry>\n")
    return "".join(out)


def _summer(day: dt.date) -> int:
    """Europe/Amsterdam's offset minus one (daylight saving from 31 March to 27 October)."""
    return int(dt.date(2024, 3, 31) <= day < dt.date(2024, 10, 27))


def _camt_details(
    e: Entry, version: int, e2e: str, lines: list[str], structured: str, amount
) -> str:
    out = [f"<TxDtls><Refs><EndToEndId>{escape(e2e or 'NOTPROVIDED')}</EndToEndId></Refs>"]
    if amount is not None:
        out.append(f'<Amt Ccy="EUR">{amount:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd>')
    # The counterparty sits where the money came from; a reversal keeps the original's side.
    role = "Dbtr" if (not e.debit or e.reversal) else "Cdtr"
    name, iban = e.counterparty
    name_xml = f"<Nm>{escape(name)}</Nm>"
    out.append("<RltdPties>")
    out.append(
        f"<{role}><Pty>{name_xml}</Pty></{role}>"
        if version >= 8
        else f"<{role}>{name_xml}</{role}>"
    )
    if iban:
        out.append(f"<{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>")
    out.append("</RltdPties>")
    if lines or structured:
        out.append("<RmtInf>")
        out.extend(f"<Ustrd>{escape(line)}</Ustrd>" for line in lines)
        if structured:
            out.append(
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
                f"<Ref>{escape(structured)}</Ref></CdtrRefInf></Strd>"
            )
        out.append("</RmtInf>")
    out.append("</TxDtls>")
    return "".join(out)


def _balance(code: str, amount: Decimal, day: dt.date) -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{abs(amount):.2f}</Amt>'
        f"<CdtDbtInd>{'CRDT' if amount >= 0 else 'DBIT'}</CdtDbtInd>"
        f"<Dt><Dt>{day.isoformat()}</Dt></Dt></Bal>"
    )


def _signed(e: Entry) -> Decimal:
    return -e.amount if e.debit else e.amount


def write_camt(
    path: Path, entries: list[Entry], *, number: int, opening: Decimal, version: int
) -> Decimal:
    """One CAMT.053 statement of `entries`; returns the closing balance."""
    closing = opening + sum((_signed(e) for e in entries), Decimal(0))
    first, last = entries[0].booked, entries[-1].booked
    created = f"{last.isoformat()}T23:10:00+0{1 + _summer(last)}:00"
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02d}">'
            f"<BkToCstmrStmt><GrpHdr><MsgId>BENCH-{number:04d}</MsgId>"
            f"<CreDtTm>{created}</CreDtTm></GrpHdr>\n"
            f"<Stmt><Id>STMT-2024-{number:04d}</Id><ElctrncSeqNb>{number}</ElctrncSeqNb>"
            f"<CreDtTm>{created}</CreDtTm>"
            f"<Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
            + _balance("OPBD", opening, first)
            + _balance("CLBD", closing, last)
            + "\n"
        )
        for e in entries:
            out.write(_camt_entry(e, version))
        out.write("</Stmt></BkToCstmrStmt></Document>\n")
    return closing


def _mt940_amount(amount: Decimal) -> str:
    return f"{amount:.2f}".replace(".", ",")


def _mt940_text(text: str) -> str:
    # "/" separates the :86: fields of the Dutch format; banks drop it from free text.
    return text.replace("/", " ").strip()


def write_mt940(path: Path, entries: list[Entry], *, number: int, opening: Decimal) -> Decimal:
    """One MT940 statement (Dutch /KEY/value/ :86: fields) in ISO-8859-1; returns the
    closing balance."""
    closing = opening + sum((_signed(e) for e in entries), Decimal(0))
    first, last = entries[0].booked, entries[-1].booked
    lines = [
        f":20:BENCH{number:04d}",
        f":25:{IBAN}",
        f":28C:{number:05d}/001",
        f":60F:{'C' if opening >= 0 else 'D'}{first:%y%m%d}EUR{_mt940_amount(abs(opening))}",
    ]
    for e in entries:
        mark = ("RC" if e.reversal else "D") if e.debit else "C"
        kind = "NRTI" if e.code.endswith("RRTN") else "NTRF"
        lines.append(
            f":61:{e.booked:%y%m%d}{e.booked:%m%d}{mark}{_mt940_amount(e.amount)}"
            f"{kind}NONREF//{e.asr}"
        )
        texts = [t for t in (e.parts and [p[2] for p in e.parts]) or e.lines]
        if e.structured:
            texts.append(e.structured)
        details = ""
        e2e = e.e2e or (e.parts[0][1] if len(e.parts) == 1 else "")
        if e2e:
            details += f"/EREF/{e2e}"
        name, iban = e.counterparty
        if iban:
            details += f"/IBAN/{iban}"
        details += f"/NAME/{_mt940_text(name)}"
        details += f"/REMI/USTD//{_mt940_text(' '.join(texts))}/"
        chunks = [details[i : i + 65] for i in range(0, len(details), 65)]
        lines.append(":86:" + chunks[0])
        lines.extend(chunks[1:])
    lines.append(
        f":62F:{'C' if closing >= 0 else 'D'}{last:%y%m%d}EUR{_mt940_amount(abs(closing))}"
    )
    lines.append("-")
    with path.open("w", encoding="iso-8859-1", newline="\r\n", errors="replace") as out:
        out.write("\n".join(lines) + "\n")
    return closing


def _write_roster(path: Path, creators: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["display_name", "email", "country", "tiktok_handle", "tiktok_followers"])
        for i in range(creators):
            writer.writerow(
                [f"Bench Creator {i}", f"creator{i}@bench.example", "NL", f"benchc{i}", 50000 + i]
            )


def _write_statements(path: Path, statements: list[Statement]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for s in statements:
            period_end = s.settled.replace(day=1) - dt.timedelta(days=1)
            writer.writerow(
                {
                    "platform_reference": s.ref,
                    "creator_handle": f"@benchc{s.creator}",
                    "source": s.source,
                    "period_start": period_end.replace(day=1).isoformat(),
                    "period_end": period_end.isoformat(),
                    "currency": s.currency,
                    "estimated_amount": f"{s.amount:.2f}",
                    "settled_amount": f"{s.amount:.2f}",
                    "status": "settled",
                    "settled_date": s.settled.isoformat(),
                }
            )


def _write_fx(path: Path, rng: random.Random, usd: dict[dt.date, Decimal]) -> None:
    """The ECB's historical CSV layout: newest first, units per euro, N/A for a currency
    without a rate, a trailing comma on every line."""
    others = {code: Decimal(start) for code, start in FX_CURRENCIES if start and code != "USD"}
    rows = []
    for day in sorted(usd):
        cells = []
        for code, start in FX_CURRENCIES:
            if code == "USD":
                cells.append(f"{usd[day]:.4f}")
            elif start is None:
                cells.append("N/A")
            else:
                others[code] *= Decimal(1 + rng.gauss(0, 0.003))
                places = 2 if code == "JPY" else 4
                cells.append(f"{others[code]:.{places}f}")
        rows.append(f"{day.isoformat()},{','.join(cells)},")
    header = "Date," + ",".join(code for code, _start in FX_CURRENCIES) + ","
    path.write_text(header + "\n" + "\n".join(reversed(rows)) + "\n", encoding="utf-8")


def plan(n: int, *, seed: int = 11) -> Plan:
    return _Builder(n, seed).build()


def generate(folder: Path | str, n: int, *, seed: int = 11) -> BankFiles:
    """Write every file for `n` statements into `folder` (created) and return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    p = plan(n, seed=seed)
    rng = random.Random(seed + 1)
    roster = folder / "roster.csv"
    statements = folder / "statements.csv"
    fx_rates = folder / "eurofxref-hist.csv"
    _write_roster(roster, p.creators)
    _write_statements(statements, p.statements)
    _write_fx(fx_rates, rng, p.usd_rates)

    by_month: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for e in p.entries:
        by_month[(e.booked.year, e.booked.month)].append(e)
    bank_files: list[Path] = []
    files_of: dict[str, str] = {}
    balance = Decimal("10000.00")
    resent: list[Entry] = []
    for number, month in enumerate(sorted(by_month), start=1):
        entries = by_month[month]
        # The bank repeats a few entries of the previous file at the start of this one.
        content = [*resent, *entries]
        resent = [e for e in entries if e.resend]
        for e in entries:
            files_of[e.asr] = f"{number:02d}"
        # Resent entries are in the previous file's closing balance already.
        opening = balance - sum((_signed(e) for e in content[: len(content) - len(entries)]), ZERO)
        if month[1] == MT940_MONTH:
            path = folder / f"{number:02d}-{month[0]}-{month[1]:02d}.sta"
            balance = write_mt940(path, content, number=number, opening=opening)
        else:
            path = folder / f"{number:02d}-{month[0]}-{month[1]:02d}.xml"
            version = 2 if number == 1 else 8
            balance = write_camt(path, content, number=number, opening=opening, version=version)
        bank_files.append(path)

    key_allocations = folder / "key_allocations.csv"
    with key_allocations.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["platform_reference", "bank_reference", "amount", "currency", "scenario"])
        for e in p.entries:
            if e.debit or e.reversed:
                continue
            for ref, amount in e.pays:
                writer.writerow([ref, e.asr, f"{amount:.2f}", "EUR", e.scenario])
    key_credits = folder / "key_credits.csv"
    with key_credits.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["bank_reference", "direction", "amount", "scenario", "reversed", "file"])
        for e in p.entries:
            writer.writerow(
                [
                    e.asr,
                    "debit" if e.debit else "credit",
                    f"{e.amount:.2f}",
                    e.scenario,
                    "true" if e.reversed else "false",
                    files_of[e.asr],
                ]
            )
    return BankFiles(
        folder=folder,
        roster=roster,
        statements=statements,
        fx_rates=fx_rates,
        bank_files=bank_files,
        key_allocations=key_allocations,
        key_credits=key_credits,
        statement_count=len(p.statements),
        entry_count=len(p.entries),
        shares=dict(sorted(Counter(s.scenario for s in p.statements).items())),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generators.bankfiles")
    parser.add_argument("folder")
    parser.add_argument("--statements", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    files = generate(args.folder, args.statements, seed=args.seed)
    print(f"{files.statement_count} statements, {files.entry_count} bank entries in {files.folder}")
    for name, count in files.shares.items():
        print(f"  {name:<20} {count}")


if __name__ == "__main__":
    main()

"""Returns and reversals: a debit that gives an earlier credit back undoes that credit's
matches, so its statement reopens and the real re-payment can match.

Banks send them in several forms, and each is recognised:

* flagged: CAMT `<RvslInd>true</RvslInd>`, MT940 `RC` (a reversed credit, booked as a debit);
* coded: a bank transaction code for a return (ISO `…/RRTN`, `…/RPCR`, `…/ARET`; SWIFT
  `RTI`; German GVC 159 / 059);
* worded: a remittance text with a return word (RETURN, STORNO, TERUGBOEKING,
  R-transactie, RUECKBUCHUNG …) that carries the original's reference or text.

The original is a credit on the same account, for the same amount, booked on or before the
return: the one with the same end-to-end id, else the one whose end-to-end id, bank
reference, platform reference or remittance text the return's text contains, else (for a
flagged or coded return only) the single credit of that amount in the fortnight before.
A return that fits no credit, or several equally, becomes an issue in the exceptions queue
(never silently nothing). A debit with a return word but no sign of being ours (no credit of
its amount before it) is an ordinary debit.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from agencies.models import Agency
from core.db_scope import tenant_transaction
from payouts.models import (
    BankTransaction,
    CreditDebit,
    IssueKind,
    Match,
    MatchStatus,
    PayoutSettings,
    PayoutStatement,
    ReconciliationIssue,
)

from .decisions import undo_match
from .locks import lock_agency, lock_matches_of_transaction, lock_money
from .references import ReferenceIndex, normalise_reference

BATCH_SIZE = 2000
LOOKBACK = dt.timedelta(days=180)
# A flagged return without any reference in common still ties to the only credit of its
# amount booked this close before it.
NEAR = dt.timedelta(days=14)
# Identifiers shorter than this prove nothing when found inside another text.
MIN_KEY = 6

_RETURN_WORDS = re.compile(
    r"RETOUR|RETURN|STORN|TERUGBOEK|TERUGGEBOEKT|TERUGSTORT|RTRANSACTIE|R TRANSACTIE"
    r"|RUECKBUCH|RUCKBUCH|RUECKUEBERW|RUCKUBERW|RUECKLASTSCHR|RUCKLASTSCHR|REVERS"
    r"|CHARGEBACK|RUECKGABE|RUCKGABE|ANNULERING|RETOURNERING"
)
_RETURN_CODES = frozenset({"RRTN", "RPCR", "ARET", "RTI", "NRTI", "159", "059"})
_CODE_SPLIT = re.compile(r"[\s/,;:+-]+")
_NO_ID = frozenset({"", "NOTPROVIDED", "NOTAVAILABLE", "NONREF", "NONE"})


def _plain(text: str) -> str:
    """Upper case without accents or punctuation runs (RÜCKBUCHUNG → RUCKBUCHUNG)."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9A-Z]+", " ", text.upper()).strip()


def has_return_word(text: str) -> bool:
    return bool(_RETURN_WORDS.search(_plain(text)))


def has_return_code(code: str) -> bool:
    return any(part.upper() in _RETURN_CODES for part in _CODE_SPLIT.split(code or ""))


def _key(value: str) -> str:
    key = normalise_reference(value)
    return "" if key in _NO_ID or len(key) < MIN_KEY else key


@dataclass(frozen=True, slots=True)
class Tie:
    """A return tied to the credit it gives back, or (original None) left for a person."""

    reversal: int
    original: int | None
    why: str


def _evidence(rev: dict, credit: dict, refs_of: dict[int, set[str]]) -> int:
    """How strongly `rev` names `credit`: 3 same end-to-end id, 2 the return's text carries
    one of the credit's identifiers or references (or a platform reference the return
    names is in the credit's text too), 1 its text; 0 nothing."""
    rev_id = _key(rev["end_to_end_id"])
    if rev_id and rev_id == _key(credit["end_to_end_id"]):
        return 3
    text = normalise_reference(f"{rev['remittance_info']} {rev['end_to_end_id']}")
    if not text:
        return 0
    identifiers = [_key(credit["end_to_end_id"]), _key(credit["bank_reference"])]
    identifiers.extend(refs_of.get(credit["pk"], ()))
    if any(key and key in text for key in identifiers):
        return 2
    named = rev.get("references", ())
    if named:
        credit_text = normalise_reference(f"{credit['remittance_info']} {credit['end_to_end_id']}")
        if any(ref in credit_text for ref in named):
            return 2
    original_text = normalise_reference(credit["remittance_info"])
    if len(original_text) >= MIN_KEY and original_text in text:
        return 1
    return 0


def tie_returns(returns: list[dict], credits: list[dict], refs_of: dict[int, set[str]]):
    """Pure: tie each return to one credit (see the module docstring). `returns` in booking
    order; `credits` every candidate credit; `refs_of` platform references per credit."""
    pools: dict[tuple[int, Decimal], list[dict]] = defaultdict(list)
    for c in credits:
        pools[(c["bank_account_id"], c["amount"])].append(c)
    taken: set[int] = set()
    ties: list[Tie] = []
    for rev in returns:
        pool = [
            c
            for c in pools.get((rev["bank_account_id"], rev["amount"]), ())
            if c["pk"] not in taken
            and rev["booking_date"] - LOOKBACK <= c["booking_date"] <= rev["booking_date"]
        ]
        strong = rev["is_reversal"] or has_return_code(rev["transaction_code"])
        scored = [(_evidence(rev, c, refs_of), c) for c in pool]
        best = max((score for score, _c in scored), default=0)
        chosen = [c for score, c in scored if score == best and score > 0]
        if not chosen and strong:
            chosen = [c for c in pool if rev["booking_date"] - c["booking_date"] <= NEAR]
        if len(chosen) == 1:
            taken.add(chosen[0]["pk"])
            ties.append(Tie(rev["pk"], chosen[0]["pk"], "tied"))
        elif chosen:
            ties.append(Tie(rev["pk"], None, "several"))
        elif strong or pool:
            ties.append(Tie(rev["pk"], None, "none"))
    return ties


_FIELDS = [
    "pk",
    "bank_account_id",
    "amount",
    "booking_date",
    "end_to_end_id",
    "bank_reference",
    "remittance_info",
    "transaction_code",
    "is_reversal",
]


def _returns(agency: Agency) -> list[dict]:
    """Debits not yet tied to a credit nor raised as an issue that look like returns."""
    raised = ReconciliationIssue.objects.filter(
        transaction=OuterRef("pk"), kind=IssueKind.UNLINKED_RETURN
    )
    rows = (
        BankTransaction.objects.for_agency(agency)
        .filter(credit_debit=CreditDebit.DEBIT, reverses__isnull=True)
        .exclude(Exists(raised))
        .order_by("booking_date", "pk")
        .values(*_FIELDS)
    )
    return [
        r
        for r in rows
        if r["is_reversal"]
        or has_return_code(r["transaction_code"])
        or has_return_word(r["remittance_info"])
    ]


def agency_references(agency: Agency) -> ReferenceIndex:
    """Every platform reference of the agency's statements, searchable in bank text."""
    return ReferenceIndex(
        normalise_reference(ref)
        for ref in PayoutStatement.objects.for_agency(agency).values_list(
            "platform_reference", flat=True
        )
    )


def _platform_references(agency: Agency, credit_pks: list[int]) -> dict[int, set[str]]:
    """The platform references of the statements each credit pays (confirmed matches)."""
    refs: dict[int, set[str]] = defaultdict(set)
    for txn, ref in (
        Match.objects.for_agency(agency)
        .filter(transaction_id__in=credit_pks)
        # Only money that moved: a proposal names every plausible statement, not the one paid.
        .filter(status=MatchStatus.CONFIRMED)
        .values_list("transaction_id", "statement__platform_reference")
    ):
        key = normalise_reference(ref)
        if len(key) >= MIN_KEY:
            refs[txn].add(key)
    return refs


def reverse_pass(
    agency: Agency, *, actor=None, run=None, references: ReferenceIndex | None = None
) -> int:
    """Tie every new return to its credit and undo that credit's matches (audited, with the
    reason); raise an issue for each return that fits no credit or several. Returns how many
    returns were tied."""
    returns = _returns(agency)
    if not returns:
        return 0
    amounts = {r["amount"] for r in returns}
    credits = list(
        BankTransaction.objects.for_agency(agency)
        .filter(
            credit_debit=CreditDebit.CREDIT,
            is_reversal=False,
            reversed_by__isnull=True,
            amount__in=amounts,
        )
        .order_by("booking_date", "pk")
        .values(*_FIELDS)
    )
    refs_of = _platform_references(agency, [c["pk"] for c in credits])
    # The platform references each return names, whatever its wording: a return in the
    # same file as its original (nothing matched yet) is tied by them.
    index = references or agency_references(agency)
    for rev in returns:
        found = index.find(rev["remittance_info"], rev["end_to_end_id"])
        rev["references"] = {r for r in found.whole | found.cut if len(r) >= MIN_KEY}
    ties = tie_returns(returns, credits, refs_of)
    tied = [t for t in ties if t.original is not None]
    by_pk = {r["pk"]: r for r in returns}
    with tenant_transaction(agency.pk):
        # The lock every batch of a run takes: no run matches these credits meanwhile.
        PayoutSettings.objects.select_for_update().filter(agency=agency).first()
        with_matches = set(
            Match.objects.filter(
                transaction_id__in=[t.original for t in tied],
                status__in=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED],
            ).values_list("transaction_id", flat=True)
        )
        quiet = [
            BankTransaction(pk=t.reversal, reverses_id=t.original, is_reversal=True)
            for t in tied
            if t.original not in with_matches
        ]
        BankTransaction.objects.bulk_update(
            quiet, ["reverses", "is_reversal"], batch_size=BATCH_SIZE
        )
        ReconciliationIssue.objects.bulk_create(
            [
                ReconciliationIssue(
                    agency=agency,
                    kind=IssueKind.UNLINKED_RETURN,
                    transaction_id=t.reversal,
                    run=run,
                )
                for t in ties
                if t.original is None
            ],
            batch_size=BATCH_SIZE,
        )
    for tie in tied:
        if tie.original in with_matches:
            _reverse_one(agency, by_pk[tie.reversal], tie.original, actor)
    return len(tied)


def _reverse_one(agency: Agency, rev: dict, original_pk: int, actor) -> None:
    """Link one return to its original and undo the original's matches, atomically."""
    reason = _("Deposit returned by the bank on %(date)s (%(reference)s).") % {
        "date": rev["booking_date"].isoformat(),
        "reference": rev["bank_reference"] or rev["remittance_info"][:60] or rev["pk"],
    }
    with tenant_transaction(agency.pk):
        # The one lock order (locks.py): settings, both transactions, statements, matches.
        lock_agency(agency.pk)
        lock_money(agency_id=agency.pk, transactions=[rev["pk"], original_pk], statements=[])
        original, matches = lock_matches_of_transaction(
            original_pk,
            agency_id=agency.pk,
            statuses=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED],
        )
        BankTransaction.objects.filter(pk=rev["pk"]).update(reverses=original, is_reversal=True)
        for match in matches:
            if match.status == MatchStatus.CONFIRMED:
                undo_match(
                    match, actor, status=MatchStatus.REVERSED, action="match.reverse", note=reason
                )
            else:
                match.status = MatchStatus.REJECTED
                match.note = _("Deposit reversed by the bank.")[:200]
                match.save(update_fields=["status", "note"])

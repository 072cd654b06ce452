"""Exclusivity conflicts between contracts: pure comparison of the terms.

Two exclusivity clauses conflict when they share a creator (checked by the caller), name the
same category (ignoring case, accents and surrounding spaces), cover at least one common
country (a worldwide clause covers every country) and their windows overlap. Both window
ends are inclusive dates, so windows that touch (one ends on the day the other starts)
share that day and DO conflict; the next day is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .checklist import fold


@dataclass(frozen=True)
class ExclusivityTerms:
    category: str
    worldwide: bool
    territory: frozenset[str]
    start: date
    end: date

    @classmethod
    def of(cls, contract) -> ExclusivityTerms | None:
        """The contract's terms, or None when it has no (complete) exclusivity clause."""
        if not (contract.exclusivity_category and contract.exclusivity_start):
            return None
        if not contract.exclusivity_end:
            return None
        return cls(
            category=contract.exclusivity_category,
            worldwide=contract.exclusivity_worldwide,
            territory=frozenset(contract.territory_codes),
            start=contract.exclusivity_start,
            end=contract.exclusivity_end,
        )


def same_category(a: str, b: str) -> bool:
    return " ".join(fold(a).split()) == " ".join(fold(b).split())


def territories_overlap(a: ExclusivityTerms, b: ExclusivityTerms) -> bool:
    if a.worldwide or b.worldwide:
        return True
    return bool(a.territory & b.territory)


def windows_overlap(a: ExclusivityTerms, b: ExclusivityTerms) -> bool:
    # Inclusive ends: [1 Mar, 31 Mar] and [31 Mar, 30 Apr] share 31 March.
    return a.start <= b.end and b.start <= a.end


def terms_conflict(a: ExclusivityTerms, b: ExclusivityTerms) -> bool:
    return (
        same_category(a.category, b.category)
        and territories_overlap(a, b)
        and (windows_overlap(a, b))
    )


def shared_countries(a: ExclusivityTerms, b: ExclusivityTerms) -> list[str]:
    """The countries both cover, or ['*'] when both are worldwide."""
    if a.worldwide and b.worldwide:
        return ["*"]
    if a.worldwide:
        return sorted(b.territory)
    if b.worldwide:
        return sorted(a.territory)
    return sorted(a.territory & b.territory)

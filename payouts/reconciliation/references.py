"""Platform references in what banks write.

Banks wrap, cut and respell references: `REF:TTCR-2024-0001`, `/RFB/TTCR20240001`,
`EREF/ttcr 2024 0001`, `betalingskenmerk TTCR-2024-0001`, a reference broken over two
`:86:` lines, or cut short at the end of a 140-character field. So references are compared
normalised (upper case, letters and digits only), searched as substrings of the whole
normalised text (an Aho-Corasick automaton over every open statement's reference: one pass
per text whatever the number of statements), and, when none is found whole, looked up by
the longest tail of the text (or of one of its words) that starts a reference.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import ahocorasick

_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_SEPARATORS = re.compile(r"[^0-9A-Z]+")
_ALNUM = re.compile(r"[0-9A-Za-z]")
# Words of a remittance for the truncated look-up: banks separate fields with these.
_WORD_SPLIT = re.compile(r"[\s/:;,+()\[\]{}|=<>?'\"]+")
# Shorter references are only taken as whole words: a short code inside an IBAN or an
# amount is a coincidence, not a reference.
MIN_SUBSTRING = 6
# A cut reference must keep at least this many characters to be looked up as a prefix.
MIN_PREFIX = 10
MAX_PREFIX_MATCHES = 200


def normalise_reference(text: str) -> str:
    return _NON_ALNUM.sub("", (text or "").upper())


@dataclass(frozen=True, slots=True)
class Found:
    """References found in one transaction's text: `whole` found complete (`clean` when
    nothing but separators surrounds them in the bank's text), `cut` the references that
    start with a tail the bank cut short."""

    whole: frozenset[str]
    clean: frozenset[str]
    cut: frozenset[str]


def _same_class(a: str, b: str) -> bool:
    return (a.isdigit() and b.isdigit()) or (a.isalpha() and b.isalpha())


class ReferenceIndex:
    """Every known (normalised) reference, searchable in bank text."""

    def __init__(self, references: Iterable[str]) -> None:
        refs = {r for r in references if r}
        self.refs = frozenset(refs)
        self.sorted = sorted(refs)
        self.longest = max((len(r) for r in refs), default=0)
        self.automaton = ahocorasick.Automaton()
        for ref in refs:
            if len(ref) >= MIN_SUBSTRING:
                self.automaton.add_word(ref, ref)
        self.searchable = len(self.automaton) > 0
        self.short = any(len(r) < MIN_SUBSTRING for r in refs)
        if self.searchable:
            self.automaton.make_automaton()

    def find(self, *texts: str) -> Found:
        whole: set[str] = set()
        clean: set[str] = set()
        for text in texts:
            if text:
                self._find_whole(text, whole, clean)
        cut: set[str] = set()
        if not whole:
            for text in texts:
                cut.update(self._find_cut(text or ""))
        return Found(frozenset(whole), frozenset(clean), frozenset(cut))

    def _find_whole(self, text: str, whole: set[str], clean: set[str]) -> None:
        upper = text.upper()
        # The runs of letters and digits: joined, the normalised text; their starts tell
        # whether a reference found there touches its neighbour in the bank's text.
        runs = _SEPARATORS.split(upper)
        norm = "".join(runs)
        if self.short:
            for word in _WORD_SPLIT.split(upper):
                short = _NON_ALNUM.sub("", word)
                if short and len(short) < MIN_SUBSTRING and short in self.refs:
                    whole.add(short)
                    clean.add(short)
        if not self.searchable or len(norm) < MIN_SUBSTRING:
            return
        spans = [(end - len(ref) + 1, end, ref) for end, ref in self.automaton.iter(norm)]
        if not spans:
            return
        if len(spans) > 1:
            # The longest wins where two found references overlap (TT-1001 inside TT-10012).
            spans.sort(key=lambda span: (span[0], -(span[1] - span[0])))
            kept: list[tuple[int, int, str]] = []
            for start, end, ref in spans:
                if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _r in kept):
                    continue
                kept.append((start, end, ref))
            spans = kept
        starts = None
        last = len(norm) - 1
        for start, end, ref in spans:
            whole.add(ref)
            # Clean unless a letter touches a letter (or a digit a digit) across the edge
            # with no separator between them in the bank's text: the edge is inside a run.
            glued_before = start > 0 and _same_class(norm[start], norm[start - 1])
            glued_after = end < last and _same_class(norm[end], norm[end + 1])
            if glued_before or glued_after:
                if starts is None:
                    starts = set(itertools.accumulate(map(len, runs), initial=0))
                if (glued_before and start not in starts) or (
                    glued_after and end + 1 not in starts
                ):
                    continue
            clean.add(ref)

    def _prefixed(self, tail: str) -> list[str]:
        start = bisect.bisect_left(self.sorted, tail)
        stop = bisect.bisect_left(self.sorted, tail + "\x7f", lo=start)
        if stop - start > MAX_PREFIX_MATCHES:
            return []
        return [r for r in self.sorted[start:stop] if r != tail]

    def _find_cut(self, text: str) -> set[str]:
        """References starting with the longest tail (at least MIN_PREFIX characters) of the
        text or of one of its words: the bank cut the reference short there."""
        norm = normalise_reference(text)
        stop = len(norm) - MIN_PREFIX + 1
        tails = [norm[i:] for i in range(max(0, len(norm) - self.longest), max(0, stop))]
        for word in _WORD_SPLIT.split(text):
            word = normalise_reference(word)
            if len(word) >= MIN_PREFIX:
                stop = len(word) - MIN_PREFIX + 1
                tails.extend(word[i:] for i in range(max(0, len(word) - self.longest), stop))
        best: set[str] = set()
        best_length = 0
        for tail in tails:
            if len(tail) < MIN_PREFIX or len(tail) < best_length:
                continue
            found = self._prefixed(tail)
            if found:
                if len(tail) > best_length:
                    best, best_length = set(), len(tail)
                best.update(found)
        return best


# An amount quoted with its currency in bank text: "USD 250.00", "USD250,00", "/OCMT/USD1.250,00/".
_QUOTED = re.compile(
    r"(?<![A-Z])(USD|EUR|GBP|CAD|AUD|CHF|JPY|SEK|NOK|DKK|PLN)\s?"
    r"(\d{1,3}(?:[.,' ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?![\d.,]?\d)"
)

_CURRENCY = re.compile(r"USD|EUR|GBP|CAD|AUD|CHF|JPY|SEK|NOK|DKK|PLN")


def quoted_amounts(*texts: str) -> frozenset[tuple[str, Decimal]]:
    """(currency, amount) of every amount the texts quote with its currency code."""
    found = set()
    for text in texts:
        upper = (text or "").upper()
        if not _CURRENCY.search(upper):  # most texts quote nothing: skip the long pattern
            continue
        for currency, number in _QUOTED.findall(upper):
            amount = _parse_number(number)
            if amount is not None:
                found.add((currency, amount))
    return frozenset(found)


def _parse_number(number: str) -> Decimal | None:
    """1,234.56 / 1.234,56 / 1 234,56 / 250,00 / 250 as a Decimal: the last separator
    followed by one or two digits is the decimal one."""
    match = re.search(r"[.,](\d{1,2})$", number)
    whole, cents = (number[: match.start()], match.group(1)) if match else (number, "0")
    digits = re.sub(r"\D", "", whole)
    if not digits:
        return None
    return Decimal(f"{int(digits)}.{cents.ljust(2, '0')}")

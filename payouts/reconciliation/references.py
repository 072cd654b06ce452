"""Platform references in what banks write: normalised, and found in free text."""

from __future__ import annotations

import itertools
import re

_NON_ALNUM = re.compile(r"[^0-9A-Z]")


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

"""Small field rules the statement formats share: text decoding, whitespace, IBANs, currencies.

Encoding decision: bank files carry no reliable charset. We try UTF-8 first (a BOM is
dropped), then Windows-1252 (what German and Dutch banks export when it is not UTF-8), and
finally Latin-1, which cannot fail. A caller that knows better (a per-bank-account setting)
passes `encoding=` explicitly. The chosen encoding is reported as a warning when it is not
UTF-8, so a garbled name can be traced back.
"""

from __future__ import annotations

import codecs
import re
from functools import cache

from babel.numbers import list_currencies
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
BIC_SHAPE = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_NOT_PROVIDED = frozenset({"NOTPROVIDED", "NONREF"})


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes to text and the encoding used (see the module docstring for the order)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    candidates = [encoding] if encoding else ["utf-8", "cp1252", "latin-1"]
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            continue
        except LookupError as exc:  # an unknown encoding name is a programming error
            raise ValueError(f"unknown encoding {name!r}") from exc
    return data.decode(candidates[-1], errors="replace"), candidates[-1]


def clean(text: str | None) -> str | None:
    """Collapse runs of whitespace (bank lines are padded and wrapped); None when empty."""
    if not text:
        return None
    return " ".join(text.split()) or None


def reference(text: str | None, placeholders: frozenset[str] = _NOT_PROVIDED) -> str | None:
    """A reference, or None for the placeholders banks write when there is none."""
    text = clean(text)
    if text is None or text.upper() in placeholders:
        return None
    return text


def iban_or_none(text: str | None) -> str | None:
    """The IBAN in `text` (spaces removed, upper-cased) if it has the shape of one.

    Used for fields the format defines as an account/IBAN, so only the shape is checked;
    checking the account against the agency's own is the import service's job.
    """
    if not text:
        return None
    compact = text.replace(" ", "").upper()
    return compact if IBAN_SHAPE.fullmatch(compact) else None


def valid_iban(text: str) -> bool:
    """True when `text` is an IBAN with correct check digits (for guessing in free text)."""
    if not IBAN_SHAPE.fullmatch(text):
        return False
    try:
        IBAN(text)
    except SchwiftyException:
        return False
    return True


def bic_or_none(text: str | None) -> str | None:
    if not text:
        return None
    compact = text.replace(" ", "").upper()
    return compact if BIC_SHAPE.fullmatch(compact) else None


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """An ISO 4217 code, current or historic (old statements still say DEM or NLG)."""
    return code in _currencies()

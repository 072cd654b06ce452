"""Small field rules the statement formats share: text decoding, whitespace, IBANs, currencies,
and whether a statement's own account identification names a given account.

Encoding decision: bank files carry no reliable charset. A byte order mark decides first
(UTF-8, UTF-16 or UTF-32); text whose every other byte is zero is UTF-16 without a mark
(what Windows tools call "Unicode"). Otherwise we try UTF-8, then Windows-1252 (what German
and Dutch banks export when it is not UTF-8), and finally Latin-1, which cannot fail. A
caller that knows better (a per-bank-account setting) passes `encoding=` explicitly; a byte
order mark or UTF-16's zero bytes still win over it. The chosen encoding is reported as a
warning when it is not UTF-8 or UTF-16, so a garbled name can be traced back.
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


_BOMS = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF = 4096
# Files that are surely not a text statement, by their first bytes.
_BINARY_SIGNATURES = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP/XLSX"),
    (b"\xd0\xcf\x11\xe0", "XLS/DOC"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"\x1f\x8b", "GZIP"),
    (b"7z\xbc\xaf", "7-Zip"),
    (b"Rar!", "RAR"),
)


def sniff_encoding(head: bytes) -> tuple[str, int] | None:
    """(codec, length of its byte order mark) when the first bytes show a Unicode encoding:
    a byte order mark, or UTF-16 without one (ASCII text then has a zero byte in every other
    position). None when they do not (then it is UTF-8 or an 8-bit code page, or binary).
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    sample = head[:_SNIFF]
    pairs = len(sample) // 2
    if not pairs:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd * 2 >= pairs and even * 10 <= pairs:
        return "utf-16-le", 0
    if even * 2 >= pairs and odd * 10 <= pairs:
        return "utf-16-be", 0
    return None


def binary_kind(head: bytes) -> str | None:
    """What a file that is not text is ("PDF", "ZIP/XLSX" …, "binary"), else None.

    Zero bytes that are not UTF-16 text mean binary data; text formats never contain them.
    """
    for signature, kind in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return kind
    if sniff_encoding(head) is None and b"\x00" in head[:_SNIFF]:
        return "binary"
    return None


def unicode_head(head: bytes) -> bytes:
    """The first bytes re-encoded as UTF-8 when they are UTF-16/32 (for format sniffing)."""
    found = sniff_encoding(head)
    if found is None:
        return head.removeprefix(codecs.BOM_UTF8)
    codec, bom = found
    width = 4 if codec.startswith("utf-32") else 2
    body = head[bom:]
    body = body[: len(body) - len(body) % width]
    return body.decode(codec, errors="replace").encode("utf-8")


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes to text and the encoding used (see the module docstring for the order)."""
    found = sniff_encoding(data)
    if found is not None:
        codec, bom = found
        return data[bom:].decode(codec, errors="replace"), codec[:6]  # "utf-16-le" → "utf-16"
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


def account_iban(identification: str | None) -> str | None:
    """The IBAN inside a statement's account identification, if there is one.

    "NL81ASNB0708271685", "DE89…EUR", "UBRTHUHB/HU12…/HUF", "NL91 ABNA 0417 1643 00".
    """
    candidates = []
    for part in (identification or "").split("/"):
        part = part.strip().replace(" ", "").upper()
        if is_currency(part[-3:]):
            candidates.append(part[:-3])
        candidates.append(part)
    # Check digits decide whether "…EUR" is a currency after the IBAN; else the shape does.
    valid = next((c for c in candidates if valid_iban(c)), None)
    return valid or next((c for c in candidates if iban_or_none(c)), None)


def _significant(code: str) -> str:
    return code.lstrip("0")


def account_matches(identification: str, iban: str) -> bool:
    """Whether a statement's own account identification names the account with `iban`.

    An IBAN in the identification is compared with the IBAN. Otherwise the identification is
    a national account number, perhaps after a bank code or BIC and before a currency
    ("12345678/1020304050", "ABNANL2A/0417164300", "1291.99.348EUR", "0417164300"): its
    account number is compared with the account number inside the IBAN (schwifty's
    account_code, or the whole BBAN), digits without leading zeros and separators; a
    numeric bank code with the IBAN's bank code; a BIC's first four letters with an IBAN
    bank code made of letters (NL, GB). An identification without an account number in it
    names some other account.
    """
    own = iban.replace(" ", "").upper()
    found = account_iban(identification)
    if found is not None:
        return found == own
    try:
        parsed = IBAN(own)
    except SchwiftyException:
        return False
    parts = [
        part.replace(" ", "").upper()
        for part in identification.split("/")
        if part.strip() and not is_currency(part.strip().upper())
    ]
    if not parts:
        return False
    number = parts[-1]
    if is_currency(number[-3:]) and any(ch.isdigit() for ch in number[:-3]):
        number = number[:-3]  # Rabobank: "1291.99.348EUR"
    number = _significant(re.sub(r"[^A-Z0-9]", "", number))
    if not number or not any(ch.isdigit() for ch in number):
        return False
    account = _significant(parsed.account_code)
    bank_code = parsed.bank_code
    if number not in (account, _significant(parsed.bban)):
        return False
    if len(parts) < 2:
        return True
    bank = re.sub(r"[^A-Z0-9]", "", parts[-2])
    if bank.isdigit() and bank_code.isdigit():
        return _significant(bank) == _significant(bank_code)
    if bic_or_none(bank) and bank_code.isalpha():
        return bank[:4] == bank_code
    return True

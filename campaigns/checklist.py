"""The disclosure checklist matcher: pure functions, no database.

A caption passes when it contains the disclosure text and every required #hashtag and
@mention. Matching ignores case and accents ("Betaald partnerschap" = "BETAALD PARTNERSCHÁP"),
and tags match whole tokens only: "#ad" is not found in "#adventure", nor in "bad#ad", and
"@brand" is not found in "@brandnew".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex

# A tag starts at a "#" or "@" that does not follow a word character or another sign, so
# "bad#ad" and "##ad" do not hold "#ad". Handles may contain dots (TikTok, Instagram).
# A letter whose composed form still carries a combining mark (upper-case "ΐ" is "Ϊ" plus an
# acute) continues the tag: \p{M} with the regex module, which the standard re lacks.
_HASHTAG = regex.compile(r"(?<![\w#@])#([\w\p{M}]+)")
_MENTION = regex.compile(r"(?<![\w#@])@([\w\p{M}.]*[\w\p{M}])")
_SPLIT = re.compile(r"[\s,;]+")


def fold(text: str) -> str:
    """Lower-case without accents: casefold, NFKD, drop combining marks, casefold again.

    Casefolding first keeps case pairs equal whose upper case spells a mark as a letter
    (Greek small alpha with psili and ypogegrammeni upper-cases to two letters)."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def normalize_tag(raw: str, sign: str) -> str:
    """'Ad' / '#Ad' -> '#Ad' (display form kept; comparison folds it)."""
    tag = raw.strip().lstrip("#@").strip()
    return f"{sign}{tag}" if tag else ""


def parse_tags(text: str | Iterable[str], sign: str) -> list[str]:
    """Tags typed as '#ad #sponsored, ad' -> ['#ad', '#sponsored'], without duplicates."""
    items = _SPLIT.split(text) if isinstance(text, str) else list(text)
    seen: set[str] = set()
    tags: list[str] = []
    for item in items:
        tag = normalize_tag(item, sign)
        if tag and fold(tag) not in seen:
            seen.add(fold(tag))
            tags.append(tag)
    return tags


def caption_tags(caption: str) -> tuple[set[str], set[str]]:
    """The folded hashtags and mentions present in a caption (without their sign).

    Tokens are cut from the composed (NFC) caption, where an accented letter is one word
    character, and only then folded: folding can turn a letter into a letter plus a sign
    ("Ŀ" -> "l·") that would otherwise end the token early."""
    composed = unicodedata.normalize("NFC", caption or "")
    hashtags = {fold(t) for t in _HASHTAG.findall(composed)}
    mentions = {fold(m) for m in _MENTION.findall(composed)}
    return hashtags, mentions


def contains_phrase(caption: str, phrase: str) -> bool:
    """Whether `phrase` occurs as whole words (any whitespace between them) in `caption`."""
    words = fold(phrase).split()
    if not words:
        return True
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, fold(caption)) is not None


@dataclass(frozen=True)
class Item:
    """One checklist item as a caption meets it: ticked when present."""

    item: str  # in the checklist's own spelling: "Paid partnership", "#ad", "@brand"
    kind: str  # "disclosure", "hashtag" or "mention"
    present: bool


def checklist_items(
    caption: str,
    *,
    disclosure_text: str,
    hashtags: Iterable[str] = (),
    mentions: Iterable[str] = (),
) -> list[Item]:
    """Every item of the checklist, each ticked or not for this caption."""
    items: list[Item] = []
    if disclosure_text.strip():
        items.append(
            Item(disclosure_text.strip(), "disclosure", contains_phrase(caption, disclosure_text))
        )
    present_tags, present_mentions = caption_tags(caption)
    for tag in hashtags:
        tag = normalize_tag(tag, "#")
        if tag:
            found = fold(unicodedata.normalize("NFC", tag[1:])) in present_tags
            items.append(Item(tag, "hashtag", found))
    for mention in mentions:
        mention = normalize_tag(mention, "@")
        if mention:
            found = fold(unicodedata.normalize("NFC", mention[1:])) in present_mentions
            items.append(Item(mention, "mention", found))
    return items


def missing_items(
    caption: str,
    *,
    disclosure_text: str,
    hashtags: Iterable[str] = (),
    mentions: Iterable[str] = (),
) -> list[str]:
    """What the caption lacks, in the checklist's own spelling; empty when it passes."""
    items = checklist_items(
        caption, disclosure_text=disclosure_text, hashtags=hashtags, mentions=mentions
    )
    return [i.item for i in items if not i.present]

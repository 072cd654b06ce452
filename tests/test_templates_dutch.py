"""Every page reads in Dutch: no English left on screen beyond names and data.

`test_translations.py` checks the catalogue against the source; this test checks what people
see. It seeds the demo, then opens every GET page of the URL matrix (tests/url_cases/*) as a
demo login of a role allowed there, plus the sign-in, account and error pages, with Dutch as
the language. From each page it takes the visible text: text nodes outside script/style, the
<title>, and the attributes a user sees or hears (placeholder, title, alt, aria-label, the
label of a submit button).

A piece of visible text is English left behind when
- it is one of the source strings (a msgid, as `makemessages` extracts it now) whose Dutch
  translation differs from the English or does not exist yet: a whole text node equal to the
  msgid, or a literal run of two or more words of it (the parts between placeholders and
  tags) inside a text node; or
- it was never marked for translation: a text node with two or more distinct English
  function words ("the", "your", "with" …) that is not data from the database.

Names and data are excluded: a text node equal to a text stored in the database (creator names,
campaign titles, comment bodies, bank descriptions; not the audit log, whose object names the
app writes), and literal text in <code>/<pre>/<kbd>/<samp> (file columns, commands) or a
<textarea> (what someone typed). The few remaining exceptions are in ALLOWED, each with its
reason.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, AuditLog, Membership
from agencies.roles import Role
from creators.models import Creator

from .url_matrix import CASES

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
# Everything but these is app source (new apps are picked up without editing this list).
NOT_SOURCE = {"tests", "bench", "static", "staticfiles", "media", "locale", "docs", "var"}
CATALOGUE = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
DUTCH = {"HTTP_ACCEPT_LANGUAGE": "nl"}

# Visible strings that are English on purpose, each with its reason.
ALLOWED: dict[str, str] = {
    "Talentdesk": "the product's name",
    "TikTok": "a platform's name",
    "Instagram": "a platform's name",
    "YouTube": "a platform's name",
    "TikTok Creator Fund": "the platform program's own name",
    "Creator Fund": "the platform program's own name",
    "Creativity Program": "the platform program's own name",
    "TikTok Creativity Program": "the platform program's own name",
    "CSV": "file format",
    "XLSX": "file format",
    "PDF": "file format",
    "CAMT.053": "bank file format",
    "MT940": "bank file format",
    "IBAN": "bank term used in Dutch as well",
    "BIC": "bank term used in Dutch as well",
    "API": "technical term used in Dutch as well",
    "Authorization: Token …": "an HTTP header, typed as is",
    "EN": "language code in the language switcher",
    "NL": "language code in the language switcher",
}

# English words that do not occur in Dutch text (so "is", "of", "we" and "in" are not here).
ENGLISH_MARKERS = frozenset(
    [
        "the",
        "and",
        "your",
        "with",
        "this",
        "yet",
        "have",
        "has",
        "was",
        "were",
        "will",
        "from",
        "are",
        "been",
        "which",
        "that",
        "there",
        "their",
        "you",
        "our",
        "for",
        "to",
        "on",
        "no",
        "not",
        "nothing",
        "please",
        "only",
        "each",
        "every",
        "who",
        "what",
        "when",
        "where",
        "why",
        "how",
        "into",
        "than",
        "then",
        "these",
        "those",
        "would",
        "could",
        "should",
        "must",
        "about",
        "after",
        "before",
    ]
)
_WORD = re.compile(r"[A-Za-zÀ-ÿ']+")
_PLACEHOLDER = re.compile(r"%\([^)]*\)[sdfr]|%[sdfr]|\{[a-z_0-9]*\}")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")

# Pages that answer with a file or a fragment meant for another page, not a screen.
NOT_SCREENS = ("api:",)


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# --- the English source strings ---------------------------------------------------------


def _extract_source_strings(tmp: Path) -> list[polib.POEntry]:
    """The msgids `makemessages -l nl` finds in the source now (run on a copy of the tree,
    as tests/test_translations.py does, so the real catalogue is never touched)."""
    tree = tmp / "src"
    for source in ROOT.iterdir():
        is_app = (source / "__init__.py").exists() or source.name == "templates"
        if is_app and not source.name.startswith(".") and source.name not in NOT_SOURCE:
            shutil.copytree(
                source,
                tree / source.name,
                ignore=shutil.ignore_patterns("migrations", "__pycache__"),
            )
    shutil.copy(ROOT / "manage.py", tree / "manage.py")
    (tree / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "-v", "0", "--no-location"],
        cwd=tree,
        check=True,
        env={"DEBUG": "true", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
    )
    entries: list[polib.POEntry] = []
    for path in tree.rglob("nl/LC_MESSAGES/django.po"):
        entries.extend(polib.pofile(str(path)))
    return entries


class EnglishStrings:
    """Source strings whose Dutch is not the same words, and a matcher for visible text."""

    def __init__(self, source: list[polib.POEntry], catalogue: polib.POFile):
        same_in_dutch = {
            e.msgid
            for e in catalogue
            if e.translated() and not e.msgid_plural and _norm(e.msgstr) == _norm(e.msgid)
        }
        self.whole: set[str] = set()
        self.fragments: set[str] = set()
        for entry in source:
            for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
                if msgid in same_in_dutch or msgid in ALLOWED:
                    continue
                literal = _norm(_TAG.sub(" \x00 ", _PLACEHOLDER.sub("\x00", msgid)))
                if "\x00" not in literal and _WORD.search(literal):
                    self.whole.add(literal)
                for part in literal.split("\x00"):
                    part = part.strip(" .,:;()·-\u2013\u2014")
                    if len(_WORD.findall(part)) >= 2 and part not in ALLOWED:
                        self.fragments.add(part)
        self._fragments_by_first_word: dict[str, list[str]] = defaultdict(list)
        for part in self.fragments:
            self._fragments_by_first_word[_WORD.findall(part)[0].lower()].append(part)
        self._seen: dict[str, str | None] = {}

    def english_in(self, text: str) -> str | None:
        """The source string this visible text still shows in English, if any."""
        if text not in self._seen:
            self._seen[text] = self._match(text)
        return self._seen[text]

    def _match(self, text: str) -> str | None:
        if text in self.whole:
            return text
        for word in {w.lower() for w in _WORD.findall(text)}:
            for part in self._fragments_by_first_word.get(word, ()):
                if re.search(rf"(?<![\w]){re.escape(part)}(?![\w])", text):
                    return part
        return None


# --- visible text -----------------------------------------------------------------------


class VisibleText(HTMLParser):
    """Text a user sees or hears: text nodes outside script/style/template, the title, and
    the placeholder/title/alt/aria-label attributes and submit-button labels."""

    # Literal text: file columns and commands (<code>, <pre>…) stay as the file or shell
    # needs them, and a <textarea> holds what someone typed.
    SKIP = frozenset({"script", "style", "template", "code", "kbd", "samp", "pre", "textarea"})
    ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")
    VOID = frozenset(
        [
            "area",
            "base",
            "br",
            "col",
            "embed",
            "hr",
            "img",
            "input",
            "link",
            "meta",
            "source",
            "track",
            "wbr",
        ]
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("type") != "hidden":
            for name in self.ATTRIBUTES:
                if values.get(name):
                    self.texts.append(values[name])
            if (
                tag == "input"
                and values.get("type") in ("submit", "button")
                and values.get("value")
            ):
                self.texts.append(values["value"])
        if tag not in self.VOID:
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.SKIP.intersection(self._stack):
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return [t for t in (_norm(x) for x in parser.texts) if _WORD.search(t)]


# Quoted text is what someone wrote (a matched keyword, a file name), in curly or straight
# double quotes or curly single quotes.
_QUOTED = re.compile('[\u2018\u201c"][^\u2019\u201d"]*[\u2019\u201d"]')


def _unmarked_english(text: str) -> bool:
    words = {w.lower() for w in _WORD.findall(_QUOTED.sub(" ", text))}
    return len(words & ENGLISH_MARKERS) >= 2


def _database_texts() -> set[str]:
    """Every text stored in the database (names, titles, comment bodies, bank descriptions…):
    what pages show as data. The audit log is left out: its object names are written by the
    app and must read in the user's language."""
    values: set[str] = set()
    for model in apps.get_models():
        if model is AuditLog:
            continue
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        if fields:
            for row in model._default_manager.values_list(*fields):
                values.update(_norm(str(v)) for v in row if v)
    return values


def _without(text: str, data: set[str]) -> str:
    """The text with every database value in it cut out ("@tom.h: <comment body>" -> "@: "),
    for text that mixes data with a few words of the page."""
    for value in sorted((v for v in data if len(v) > 3 and v in text), key=len, reverse=True):
        text = text.replace(value, " ")
    return text


# --- the pages --------------------------------------------------------------------------


DEMO_LOGIN = {
    Role.OWNER: "owner@northstar.test",
    Role.MANAGER: "manager@northstar.test",
    Role.FINANCE: "finance@northstar.test",
    Role.COMMUNITY_MANAGER: "community@northstar.test",
    Role.CREATOR: "creator@northstar.test",
}
# Who opens a page allowed to several roles: the one with the fullest view first.
ROLE_ORDER = [Role.OWNER, Role.MANAGER, Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR]


def _pages(agency: Agency):
    """(label, client, url) for every GET screen of the matrix, as a demo login."""
    clients: dict[str, Client] = {}
    for role, email in DEMO_LOGIN.items():
        user = Membership.objects.get(agency=agency, user__email=email).user
        client = Client(raise_request_exception=False, **DUTCH)
        client.force_login(user)
        clients[role] = client
    portal_creator = Creator.objects.get(agency=agency, user__email=DEMO_LOGIN[Role.CREATOR])
    staff_creator = Creator.objects.filter(agency=agency, user__isnull=True).order_by("pk").first()
    for case in CASES:
        if case.method != "get" or case.name.startswith(NOT_SCREENS):
            continue
        role = next(r for r in ROLE_ORDER if r in case.allowed)
        creator = portal_creator if role == Role.CREATOR else staff_creator
        kwargs = case.kwargs(agency, creator)
        url = reverse(case.name, kwargs={"agency_slug": agency.slug, **kwargs})
        yield case.id + (" (htmx)" if case.extra else ""), clients[role], url, case.extra
    anonymous = Client(raise_request_exception=False, **DUTCH)
    yield "sign in", anonymous, reverse("account_login"), {}
    yield "password reset", anonymous, reverse("account_reset_password"), {}
    yield "not found", anonymous, "/no-such-page/", {}
    owner = clients[Role.OWNER]
    yield "change password", owner, reverse("account_change_password"), {}
    yield "two-factor", owner, reverse("mfa_index"), {}
    yield "home", owner, reverse("home"), {}


def _screen(client: Client, url: str, extra: dict):
    response = client.get(url, follow=True, **extra)
    if "text/html" not in response.get("Content-Type", ""):
        return None
    return response


def test_every_page_reads_in_dutch(tmp_path):
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    agency = Agency.objects.get(slug="northstar")
    english = EnglishStrings(_extract_source_strings(tmp_path), polib.pofile(str(CATALOGUE)))
    # The pages first: their URL cases create rows (a dispute, a failed bank import) whose
    # texts are data like the demo's.
    pages = list(_pages(agency))
    data = _database_texts()

    left: dict[str, set[str]] = defaultdict(set)
    broken: list[str] = []
    screens = 0
    for label, client, url, extra in pages:
        response = _screen(client, url, extra)
        if response is None:
            continue
        if response.status_code >= 500:
            broken.append(f"{label} {url}: {response.status_code}")
            continue
        screens += 1
        for text in visible_texts(response.content.decode()):
            if text in ALLOWED or text in data:
                continue
            found = english.english_in(text)
            if found and found != text and found not in _without(text, data):
                found = None  # the English words are part of a name or other data
            if found:
                left[label].add(f"{found!r}" if found == text else f"{found!r} in {text!r}")
            elif _unmarked_english(text) and _unmarked_english(_without(text, data)):
                left[label].add(f"{text!r} (not marked for translation)")

    assert screens > 60, f"only {screens} pages rendered; the crawl lost its way"
    report = "\n".join(
        f"{label}:\n  " + "\n  ".join(sorted(strings)) for label, strings in sorted(left.items())
    )
    assert not broken, "pages that failed to render: " + "; ".join(broken) + "\n" + report
    assert not left, f"English left on {len(left)} Dutch pages:\n{report}"


# --- the detector itself (these run un-marked: the check must be able to fail) -----------


def _catalogue(**pairs: str) -> polib.POFile:
    po = polib.POFile()
    for msgid, msgstr in pairs.items():
        po.append(polib.POEntry(msgid=msgid.replace("_", " "), msgstr=msgstr))
    return po


def test_visible_text_skips_scripts_and_literal_code_but_keeps_labels():
    html = (
        '<title>Page · Talentdesk</title><script>var x = "the code";</script>'
        '<p>Hello <code>amount</code></p><input placeholder="Search creators">'
        '<input type="hidden" value="secret">'
        '<button aria-label="Close the menu"><svg></svg></button>'
    )
    assert visible_texts(html) == [
        "Page · Talentdesk",
        "Hello",
        "Search creators",
        "Close the menu",
    ]


def test_a_source_string_shown_in_english_is_found_whole_or_inside_a_sentence():
    source = [polib.POEntry(msgid=m) for m in ("Sign in", "Paid to you: %(amount)s", "Status")]
    english = EnglishStrings(source, _catalogue(Sign_in="Inloggen", Status="Status"))

    assert english.english_in("Sign in") == "Sign in"
    assert english.english_in("Paid to you: € 12,00") == "Paid to you"
    assert english.english_in("Inloggen") is None
    # Dutch that is the same word as the English is not a gap.
    assert english.english_in("Status") is None


def test_unmarked_english_is_told_from_dutch():
    assert _unmarked_english("Nothing here yet: add your first creator")
    assert not _unmarked_english("Nog niets hier: voeg je eerste creator toe")
    assert not _unmarked_english("Valt onder \u2018find where you live\u2019")

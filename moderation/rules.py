"""Policy rules: their JSON shape, validation, defaults, and the compiled matcher (pure).

A policy version stores its rules as JSON. `validate_rules` turns user input into the
normalised form or raises `ValidationError` naming the offending entry; `compile_rules`
turns stored rules into matchers, cached per version because versions never change.
Regular expressions are bounded: at most 20 per category, 200 characters each, compiled
up front, and matched with a timeout against at most `MAX_TEXT` characters.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ACTIONS = ("remove", "hide", "escalate", "allow")
# Where a matching category sends the message besides its action ("" = nowhere; an
# "escalate" category without one goes to human review).
ESCALATION_LEVELS = ("", "human_review", "account_manager", "legal_pr")
# What happens to a message with an intent: an automated reply (comments) or the DM opt-in
# sequence (DMs), or a case for the creator's account manager and no automation at all.
ROUTES = ("reply", "account_manager")
MAX_TEXT = 4000
MAX_PATTERN_LENGTH = 200
MAX_PATTERNS = 20
MAX_KEYWORDS = 300
PATTERN_TIMEOUT_S = 0.05
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
URL_HOST_RE = re.compile(
    r"(?:https?://|www\.)([^\s/:?#]+)|\b([a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})\b"
)


# A token bucket per creator account: every inbound comment takes a token, tokens come back
# at `refill_per_minute` up to `capacity`. An empty bucket means the comment volume spikes:
# automated replies on that account pause and their comments go to a person instead.
DEFAULT_SPIKE_GUARD = {"enabled": True, "capacity": 300, "refill_per_minute": 20}

# Thank the top commenters of a rewarded video once its average watch time reaches the
# threshold (moderation/thanks.py; asked for by the rewards app). Off unless switched on.
DEFAULT_THANK_COMMENTERS = {
    "enabled": False,
    "top_n": 3,
    "min_avg_watch_seconds": 15,
    "reply": {
        "en": "Thank you for watching and for your comment!",
        "nl": "Dank je wel voor het kijken en voor je reactie!",
    },
}


def default_rules() -> dict[str, Any]:
    """The starting point of a new policy: safe, conservative, English and Dutch."""
    return {
        "categories": [
            # Threats come first: the first matching category decides, and a threat that
            # also insults ("… you idiot") must reach Legal / PR, not just be hidden.
            {
                "name": "threats",
                "action": "hide",
                "escalate_to": "legal_pr",
                "keywords": [
                    "i'll hurt you",
                    "i will hurt you",
                    "gonna hurt you",
                    "going to hurt you",
                    "i'll kill you",
                    "i will kill you",
                    "gonna kill you",
                    "going to kill you",
                    "want to kill you",
                    "wanna kill you",
                    "find where you live",
                    "know where you live",
                    "i'll find you",
                    "i will find you",
                    "you're dead",
                    "you are dead",
                    "watch your back",
                    "beat you up",
                    "shoot you",
                    "stab you",
                    "burn your house",
                    "slit your throat",
                    "break your legs",
                    "ik maak je af",
                    "ik vermoord je",
                    "ik ga je vermoorden",
                    "ik weet waar je woont",
                    "we weten waar je woont",
                    "ik kom je halen",
                    "ik ga je pijn doen",
                    "ik doe je pijn",
                    "ik sla je",
                    "ik steek je neer",
                    "ik schiet je",
                    "je bent dood",
                    "je gaat eraan",
                    "ik maak je kapot",
                ],
                "patterns": [],
                "domains": [],
            },
            {
                "name": "legal_threat",
                "action": "escalate",
                "escalate_to": "legal_pr",
                "keywords": [
                    "my lawyer",
                    "my lawyers",
                    "my attorney",
                    "sue you",
                    "i'll sue",
                    "i will sue",
                    "suing you",
                    "lawsuit",
                    "legal action",
                    "legal steps",
                    "cease and desist",
                    "see you in court",
                    "defamation",
                    "libel",
                    "slander",
                    "mijn advocaat",
                    "naar de advocaat",
                    "naar een advocaat",
                    "mijn jurist",
                    "juridische stappen",
                    "aanklagen",
                    "klaag je aan",
                    "klaag jullie aan",
                    "voor de rechter",
                    "naar de rechter",
                    "sommatie",
                    "ingebrekestelling",
                    "smaad",
                    "laster",
                ],
                "patterns": [],
                "domains": [],
            },
            {
                "name": "self_harm",
                "action": "escalate",
                "keywords": [
                    "kill myself",
                    "suicide",
                    "zelfmoord",
                    "self harm",
                    "zelfbeschadiging",
                ],
                "patterns": [],
                "domains": [],
            },
            {
                "name": "hate",
                "action": "remove",
                "keywords": ["nazi", "subhuman", "untermensch"],
                "patterns": [],
                "domains": [],
            },
            {
                "name": "harassment",
                "action": "hide",
                "keywords": ["idiot", "loser", "kill yourself", "kys", "sukkel", "debiel"],
                "patterns": [],
                "domains": [],
            },
            {
                "name": "scam",
                "action": "remove",
                "keywords": ["free crypto", "double your money", "gratis bitcoin"],
                "patterns": [r"\b(?:dm|message) me (?:for|to) (?:earn|make) \$?\d+"],
                "domains": ["bit.ly", "tinyurl.com", "crypto-giveaway.example"],
            },
            {
                "name": "spam",
                "action": "hide",
                "keywords": ["follow for follow", "f4f", "sub4sub", "check my profile"],
                "patterns": [],
                "domains": [],
            },
            {
                "name": "profanity",
                "action": "hide",
                "keywords": ["fuck", "shit", "kut", "kanker", "tering"],
                "patterns": [],
                "domains": [],
            },
        ],
        "tone": "Friendly, short, first name basis; never promise prices in public replies.",
        "intents": [
            # Before "price": a brand asking what a post costs is a deal for the creator's
            # account manager, not a lead for the automated DM sequence.
            {
                "name": "brand_inquiry",
                "route": "account_manager",
                "triggers": [
                    "your rates",
                    "your rate",
                    "rate card",
                    "sponsored post",
                    "sponsored video",
                    "paid partnership",
                    "brand deal",
                    "media kit",
                    "how much do you charge",
                    "how much for a post",
                    "what do you charge",
                    "je tarieven",
                    "jullie tarieven",
                    "uw tarieven",
                    "tarief per post",
                    "wat kost een post",
                    "wat kost een video",
                    "wat vraag je voor",
                    "gesponsorde post",
                    "betaalde samenwerking",
                    "mediakit",
                    "willen graag samenwerken",
                    "willen we graag samenwerken",
                ],
                "reply": {},
                "promotional": False,
            },
            {
                "name": "price",
                "triggers": ["price", "how much", "cost", "prijs", "hoeveel", "kost", "kosten"],
                "reply": {
                    "en": "Thanks for asking! Send us a DM and we'll share the details.",
                    "nl": "Bedankt voor je vraag! Stuur ons een DM, dan delen we de details.",
                },
                "promotional": True,
            },
            {
                "name": "link",
                "triggers": ["link", "where to buy", "waar te koop", "waar koop"],
                "reply": {
                    "en": "The link is in our bio!",
                    "nl": "De link staat in onze bio!",
                },
                "promotional": True,
            },
            {
                "name": "info",
                "triggers": ["info", "more information", "meer informatie", "details"],
                "reply": {
                    "en": "Happy to help, check the link in our bio or send us a DM.",
                    "nl": "Graag! Kijk via de link in onze bio of stuur ons een DM.",
                },
                "promotional": True,
            },
            {
                "name": "collaboration",
                "triggers": [
                    "collab",
                    "collaboration",
                    "partnership",
                    "samenwerking",
                    "samenwerken",
                ],
                "reply": {
                    "en": "We'd love to hear more! Please DM us with your proposal.",
                    "nl": "Leuk! Stuur ons een DM met je voorstel.",
                },
                "promotional": False,
            },
        ],
        "dm_sequence": {
            "enabled": True,
            "ask_name": {
                "en": "Hi! Thanks for reaching out. What's your name?",
                "nl": "Hoi! Bedankt voor je bericht. Hoe heet je?",
            },
            "ask_consent": {
                "en": "Nice to meet you! May we e-mail you about this? Reply YES to agree.",
                "nl": "Leuk! Mogen we je hierover e-mailen? Antwoord JA als dat goed is.",
            },
            "ask_email": {
                "en": "Great! What is your e-mail address?",
                "nl": "Top! Wat is je e-mailadres?",
            },
            "ask_email_again": {
                "en": "That does not look like an e-mail address. Could you send it once more?",
                "nl": "Dat lijkt geen e-mailadres. Wil je het nog een keer sturen?",
            },
            "handoff": {
                "en": "Thanks! A member of our team will get back to you personally.",
                "nl": "Dank je! Iemand van ons team neemt persoonlijk contact met je op.",
            },
            "follow_up": {
                "en": "Hi again! Did our e-mail reach you? Reply here if you have any questions.",
                "nl": "Hoi! Is onze e-mail aangekomen? Antwoord hier als je nog vragen hebt.",
            },
            "consent_words": ["YES", "JA"],
            "opt_out_words": ["STOP", "AFMELDEN", "UNSUBSCRIBE"],
        },
        "limits": {
            "dms_per_person_per_7_days": 5,
            "replies_per_account_per_hour": 30,
            "replies_per_account_per_day": 200,
        },
        "delay": {"min_minutes": 10, "max_minutes": 60},
        "sentiment_threshold": -0.3,
        "spike_guard": dict(DEFAULT_SPIKE_GUARD),
        "thank_commenters": {**DEFAULT_THANK_COMMENTERS},
    }


def spike_guard(rules: dict[str, Any]) -> dict[str, Any]:
    """The spike-guard settings of stored rules (versions saved before it existed get the
    default)."""
    return rules.get("spike_guard") or DEFAULT_SPIKE_GUARD


def thank_commenters(rules: dict[str, Any]) -> dict[str, Any]:
    """The thank-top-commenters settings of stored rules (older versions: switched off)."""
    return rules.get("thank_commenters") or DEFAULT_THANK_COMMENTERS


# --- validation ---------------------------------------------------------------------------


def _strings(value: Any, where: str, *, limit: int, max_len: int = 200) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
        raise ValidationError(_("%(where)s must be a list of texts.") % {"where": where})
    cleaned = [v.strip() for v in value if v.strip()]
    if len(cleaned) > limit:
        raise ValidationError(
            _("%(where)s has more than %(limit)d entries.") % {"where": where, "limit": limit}
        )
    for v in cleaned:
        if len(v) > max_len:
            raise ValidationError(
                _("%(where)s: “%(value)s…” is longer than %(max)d characters.")
                % {"where": where, "value": v[:20], "max": max_len}
            )
    return cleaned


def validate_pattern(pattern: str, where: str) -> str:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValidationError(
            _("%(where)s: a pattern may be at most %(max)d characters.")
            % {"where": where, "max": MAX_PATTERN_LENGTH}
        )
    # Nested quantifiers such as (a+)+ are the classic catastrophic-backtracking shape.
    if re.search(r"\([^()]*[+*}][^()]*\)[+*{]", pattern):
        raise ValidationError(
            _("%(where)s: “%(p)s” nests repetition inside repetition; simplify it.")
            % {"where": where, "p": pattern}
        )
    try:
        regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        raise ValidationError(
            _("%(where)s: “%(p)s” is not a valid pattern (%(err)s).")
            % {"where": where, "p": pattern, "err": exc}
        ) from None
    return pattern


def _templates(value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict) or not value.get("en", "").strip():
        raise ValidationError(_("%(where)s needs at least an English text.") % {"where": where})
    out = {}
    for lang, text in value.items():
        if lang not in ("en", "nl") or not isinstance(text, str):
            raise ValidationError(
                _("%(where)s: texts are given per language, en or nl.") % {"where": where}
            )
        if len(text) > 1000:
            raise ValidationError(_("%(where)s is longer than 1000 characters.") % {"where": where})
        if text.strip():
            out[lang] = text.strip()
    return out


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError(
            _("%(where)s must be a whole number from %(lo)d to %(hi)d.")
            % {"where": where, "lo": lo, "hi": hi}
        )
    return value


def validate_rules(data: Any) -> dict[str, Any]:
    """Normalised rules, or `ValidationError` whose message names the entry at fault."""
    if not isinstance(data, dict):
        raise ValidationError(_("The rules must be an object."))
    base = default_rules()
    categories = []
    seen: set[str] = set()
    raw_categories = data.get("categories", [])
    if not isinstance(raw_categories, list):
        raise ValidationError(_("categories must be a list."))
    for i, cat in enumerate(raw_categories):
        if not isinstance(cat, dict):
            raise ValidationError(_("categories[%(i)d] must be an object.") % {"i": i})
        name = str(cat.get("name", "")).strip().lower()
        where = f"categories[{name or i}]"
        if not NAME_RE.match(name) or name in seen:
            raise ValidationError(
                _("%(where)s needs a unique name of lower-case letters, digits and _.")
                % {"where": where}
            )
        seen.add(name)
        if cat.get("action") not in ACTIONS:
            raise ValidationError(
                _("%(where)s: action must be one of %(actions)s.")
                % {"where": where, "actions": ", ".join(ACTIONS)}
            )
        domains = [d.lower() for d in _strings(cat.get("domains"), f"{where}.domains", limit=100)]
        for d in domains:
            if not DOMAIN_RE.match(d):
                raise ValidationError(
                    _("%(where)s: “%(d)s” is not a domain name.") % {"where": where, "d": d}
                )
        patterns = _strings(
            cat.get("patterns"), f"{where}.patterns", limit=MAX_PATTERNS, max_len=10_000
        )
        escalate_to = cat.get("escalate_to") or ""
        if escalate_to not in ESCALATION_LEVELS:
            raise ValidationError(
                _("%(where)s: escalate_to must be one of %(levels)s.")
                % {"where": where, "levels": ", ".join(filter(None, ESCALATION_LEVELS))}
            )
        categories.append(
            {
                "name": name,
                "action": cat["action"],
                "escalate_to": escalate_to,
                "keywords": _strings(cat.get("keywords"), f"{where}.keywords", limit=MAX_KEYWORDS),
                "patterns": [validate_pattern(p, f"{where}.patterns") for p in patterns],
                "domains": domains,
            }
        )
    intents = []
    seen = set()
    raw_intents = data.get("intents", [])
    if not isinstance(raw_intents, list):
        raise ValidationError(_("intents must be a list."))
    for i, intent in enumerate(raw_intents):
        if not isinstance(intent, dict):
            raise ValidationError(_("intents[%(i)d] must be an object.") % {"i": i})
        name = str(intent.get("name", "")).strip().lower()
        where = f"intents[{name or i}]"
        if not NAME_RE.match(name) or name in seen:
            raise ValidationError(
                _("%(where)s needs a unique name of lower-case letters, digits and _.")
                % {"where": where}
            )
        seen.add(name)
        triggers = _strings(intent.get("triggers"), f"{where}.triggers", limit=100)
        if not triggers:
            raise ValidationError(_("%(where)s needs at least one trigger.") % {"where": where})
        route = intent.get("route") or "reply"
        if route not in ROUTES:
            raise ValidationError(
                _("%(where)s: route must be one of %(routes)s.")
                % {"where": where, "routes": ", ".join(ROUTES)}
            )
        reply = intent.get("reply")
        # Only an intent answered by the automation needs a reply text.
        if route == "reply" or reply not in (None, "", {}):
            reply = _templates(reply, f"{where}.reply")
        else:
            reply = {}
        intents.append(
            {
                "name": name,
                "route": route,
                "triggers": triggers,
                "reply": reply,
                "promotional": bool(intent.get("promotional", True)),
            }
        )
    seq = data.get("dm_sequence", base["dm_sequence"])
    if not isinstance(seq, dict):
        raise ValidationError(_("dm_sequence must be an object."))
    dm_sequence = {
        "enabled": bool(seq.get("enabled", False)),
        "ask_name": _templates(
            seq.get("ask_name", base["dm_sequence"]["ask_name"]), "dm_sequence.ask_name"
        ),
        "ask_consent": _templates(
            seq.get("ask_consent", base["dm_sequence"]["ask_consent"]), "dm_sequence.ask_consent"
        ),
        "handoff": _templates(
            seq.get("handoff", base["dm_sequence"]["handoff"]), "dm_sequence.handoff"
        ),
        # Versions saved before the e-mail step existed get the default texts.
        **{
            key: _templates(seq.get(key) or base["dm_sequence"][key], f"dm_sequence.{key}")
            for key in ("ask_email", "ask_email_again", "follow_up")
        },
        "consent_words": [
            w.upper()
            for w in _strings(
                seq.get("consent_words", ["YES", "JA"]), "dm_sequence.consent_words", limit=10
            )
        ]
        or ["YES", "JA"],
        "opt_out_words": [
            w.upper()
            for w in _strings(
                seq.get("opt_out_words", base["dm_sequence"]["opt_out_words"]),
                "dm_sequence.opt_out_words",
                limit=10,
            )
        ],
    }
    limits = data.get("limits", base["limits"])
    if not isinstance(limits, dict):
        raise ValidationError(_("limits must be an object."))
    defaults = base["limits"]
    limits = {
        key: _int(limits.get(key, defaults[key]), f"limits.{key}", 0, 10_000) for key in defaults
    }
    delay = data.get("delay", base["delay"])
    if not isinstance(delay, dict):
        raise ValidationError(_("delay must be an object."))
    low = _int(delay.get("min_minutes", 10), "delay.min_minutes", 0, 24 * 60)
    high = _int(delay.get("max_minutes", 60), "delay.max_minutes", 0, 24 * 60)
    if low > high:
        raise ValidationError(_("delay.min_minutes must not exceed delay.max_minutes."))
    threshold = data.get("sentiment_threshold", base["sentiment_threshold"])
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, (int, float))
        or not -1 <= threshold <= 1
    ):
        raise ValidationError(_("sentiment_threshold must be a number from -1 to 1."))
    guard = data.get("spike_guard", base["spike_guard"])
    if not isinstance(guard, dict):
        raise ValidationError(_("spike_guard must be an object."))
    guard = {
        "enabled": bool(guard.get("enabled", True)),
        "capacity": _int(
            guard.get("capacity", DEFAULT_SPIKE_GUARD["capacity"]),
            "spike_guard.capacity",
            1,
            100_000,
        ),
        "refill_per_minute": _int(
            guard.get("refill_per_minute", DEFAULT_SPIKE_GUARD["refill_per_minute"]),
            "spike_guard.refill_per_minute",
            1,
            100_000,
        ),
    }
    thanks = data.get("thank_commenters") or DEFAULT_THANK_COMMENTERS
    if not isinstance(thanks, dict):
        raise ValidationError(_("thank_commenters must be an object."))
    thanks = {
        "enabled": bool(thanks.get("enabled", False)),
        "top_n": _int(thanks.get("top_n", 3), "thank_commenters.top_n", 1, 20),
        "min_avg_watch_seconds": _int(
            thanks.get("min_avg_watch_seconds", 15),
            "thank_commenters.min_avg_watch_seconds",
            1,
            3600,
        ),
        "reply": _templates(
            thanks.get("reply") or DEFAULT_THANK_COMMENTERS["reply"], "thank_commenters.reply"
        ),
    }
    tone = data.get("tone", "")
    if not isinstance(tone, str) or len(tone) > 2000:
        raise ValidationError(_("tone must be a text of at most 2000 characters."))
    return {
        "categories": categories,
        "tone": tone.strip(),
        "intents": intents,
        "dm_sequence": dm_sequence,
        "limits": limits,
        "delay": {"min_minutes": low, "max_minutes": high},
        "sentiment_threshold": float(threshold),
        "spike_guard": guard,
        "thank_commenters": thanks,
    }


# --- matching -----------------------------------------------------------------------------


def fold(text: str) -> str:
    """Text as keywords are matched against it: accents stripped, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_SEPARATOR = re.compile(r"([\W_]+)")
_RUN = re.compile(r"(.)\1*", re.DOTALL)


def _phrase_pattern(phrase: str) -> str:
    """A keyword as a pattern that tolerates what people type around it.

    Words may be separated by any run of spaces or punctuation ("hurt. you"), an apostrophe
    may be left out ("ill hurt you"), and a letter may be stretched ("hurrrrt", "kiiilll"):
    a single letter matches itself or three and more of it, a double letter two or more.
    So "loser" matches "looooser" but not "looser", which is a different word.
    """
    out = []
    for part in _SEPARATOR.split(fold(phrase).strip()):
        if not part:
            continue
        if _SEPARATOR.fullmatch(part):
            out.append(r"[\W_]*" if set(part) <= {"'", "\u2019", "`"} else r"[\W_]+")
            continue
        for run in _RUN.finditer(part):
            char, length = run.group(1), len(run.group(0))
            if not char.isalpha():
                out.append(re.escape(run.group(0)))
            elif length == 1:
                out.append(f"{re.escape(char)}(?:{re.escape(char)}{{2,}})?")
            else:
                out.append(f"{re.escape(char)}{{{length},}}")
    return "".join(out)


def _phrase_regex(phrases: list[str]) -> re.Pattern | None:
    patterns = [p for p in (_phrase_pattern(phrase) for phrase in phrases) if p]
    if not patterns:
        return None
    alternatives = "|".join(sorted(patterns, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


@dataclass(frozen=True)
class CompiledCategory:
    name: str
    action: str
    keywords: re.Pattern | None
    patterns: tuple[Any, ...]
    domains: frozenset[str]
    escalate_to: str = ""


@dataclass(frozen=True)
class CompiledIntent:
    name: str
    triggers: re.Pattern
    reply: dict[str, str]
    promotional: bool
    route: str = "reply"


@dataclass(frozen=True)
class CompiledRules:
    categories: tuple[CompiledCategory, ...]
    intents: tuple[CompiledIntent, ...]
    raw: dict[str, Any]


@dataclass
class Classification:
    """What the policy's matchers found. Reasons are codes with their details (see
    moderation/explain.py, which turns them into sentences in the reader's language)."""

    category: str = ""
    action: str = "allow"
    escalate_to: str = ""
    intent: str = ""
    route: str = ""
    reasons: list[dict[str, Any]] = field(default_factory=list)


@functools.lru_cache(maxsize=512)
def _compile_cached(version_key: str, frozen: str) -> CompiledRules:

    rules = json.loads(frozen)
    return compile_rules_uncached(rules)


def compile_rules(rules: dict[str, Any], version_key: str | None = None) -> CompiledRules:
    """Compiled matchers; cached under `version_key` (policy versions are immutable)."""
    if version_key is None:
        return compile_rules_uncached(rules)

    return _compile_cached(version_key, json.dumps(rules, sort_keys=True))


def compile_rules_uncached(rules: dict[str, Any]) -> CompiledRules:
    categories = tuple(
        CompiledCategory(
            name=c["name"],
            action=c["action"],
            keywords=_phrase_regex(c.get("keywords", [])),
            patterns=tuple(regex.compile(p, regex.IGNORECASE) for p in c.get("patterns", [])),
            domains=frozenset(c.get("domains", [])),
            escalate_to=c.get("escalate_to", ""),
        )
        for c in rules.get("categories", [])
    )
    intents = tuple(
        CompiledIntent(
            name=i["name"],
            triggers=_phrase_regex(i["triggers"]),  # type: ignore[arg-type]
            reply=i["reply"],
            promotional=i.get("promotional", True),
            route=i.get("route", "reply"),
        )
        for i in rules.get("intents", [])
        if i.get("triggers")
    )
    return CompiledRules(categories, intents, rules)


def hosts_in(text: str) -> set[str]:
    return {(a or b).lower().rstrip(".") for a, b in URL_HOST_RE.findall(text.lower())}


def _domain_hit(hosts: set[str], domains: frozenset[str]) -> str:
    for host in hosts:
        for domain in domains:
            if host == domain or host.endswith("." + domain):
                return host
    return ""


def classify(text: str, compiled: CompiledRules) -> Classification:
    """The first matching category (in policy order) decides; every match is a reason."""
    text = text[:MAX_TEXT]
    folded = fold(text)
    result = Classification()
    hosts = hosts_in(text) if any(c.domains for c in compiled.categories) else set()
    for cat in compiled.categories:
        reason: dict[str, Any] | None = None
        if cat.keywords is not None and (m := cat.keywords.search(folded)):
            reason = {"code": "keyword", "category": cat.name, "match": m.group(0)}
        elif cat.domains and (host := _domain_hit(hosts, cat.domains)):
            reason = {"code": "domain", "category": cat.name, "host": host}
        else:
            for pattern in cat.patterns:
                try:
                    hit = pattern.search(text, timeout=PATTERN_TIMEOUT_S)
                except TimeoutError:
                    result.reasons.append({"code": "pattern_timeout", "category": cat.name})
                    continue
                if hit:
                    reason = {"code": "pattern", "category": cat.name, "match": hit.group(0)}
                    break
        if reason:
            result.reasons.append(reason)
            if not result.category:
                result.category, result.action = cat.name, cat.action
                result.escalate_to = cat.escalate_to
    for intent in compiled.intents:
        if m := intent.triggers.search(folded):
            result.intent, result.route = intent.name, intent.route
            result.reasons.append({"code": "intent", "intent": intent.name, "match": m.group(0)})
            break
    return result

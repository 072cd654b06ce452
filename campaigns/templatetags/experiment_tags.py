"""How an A/B experiment reads on the campaign page and in the sponsor report: variant names
without "A (A)" when nobody named them, and p-values as people write them ("p < 0.001", not
"p = 0.0000"), in the active language."""

from __future__ import annotations

from babel.numbers import format_decimal
from django import template
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

register = template.Library()
_LOCALES = {"nl": "nl_NL", "en": "en"}


def _locale() -> str:
    language = (get_language() or "en").lower()
    return _LOCALES.get(language.split("-")[0], to_locale(language))


@register.simple_tag
def variant_name(experiment, letter: str) -> str:
    """ "Variant A" when the label is just the letter (the default), else "Bowl first (A)"."""
    letter = letter.upper()
    label = (getattr(experiment, f"variant_{letter.lower()}_label", "") or "").strip()
    if not label or label.upper() == letter:
        return _("Variant %(letter)s") % {"letter": letter}
    return f"{label} ({letter})"


@register.filter
def p_value(value) -> str:
    """0.00002 -> "p < 0.001"; 0.0312 -> "p = 0.031" (nl: "p = 0,031"); None -> ""."""
    if value is None or value == "":
        return ""
    value = float(value)
    if value < 0.001:
        return "p < " + format_decimal(0.001, format="0.000", locale=_locale())
    return "p = " + format_decimal(round(value, 3), format="0.000", locale=_locale())

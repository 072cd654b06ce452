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


def _signed(value: float, places: str) -> str:
    return format_decimal(
        round(value, 6), format=f"+#,##0{places};-#,##0{places}", locale=_locale()
    )


@register.filter
def points(fraction) -> str:
    """A difference of two rates in percentage points: 0.0123 -> "+1.23 pp"; None -> ""."""
    if fraction is None or fraction == "":
        return ""
    return _("%(value)s pp") % {"value": _signed(float(fraction) * 100, ".00")}


@register.filter
def signed_percent(fraction) -> str:
    """A relative change: 0.25 -> "+25.0%" (nl "+25,0%"); None -> ""."""
    if fraction is None or fraction == "":
        return ""
    return f"{_signed(float(fraction) * 100, '.0')}%"

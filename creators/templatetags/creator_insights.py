"""Template filters for the insight pages: tier names, money ranges and inline charts."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale

from core import formatting
from creators.models import EligibilityStatus, Program, Tier

register = template.Library()


def _locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def tier_label(value: str | None) -> str:
    """'mid' -> 'Mid' (translated); empty -> ''."""
    if not value:
        return ""
    try:
        return str(Tier(value).label)
    except ValueError:
        return value


@register.filter
def program_label(value: str) -> str:
    try:
        return str(Program(value).label)
    except ValueError:
        return value


@register.filter
def status_badge(status: str) -> str:
    """The badge class of an eligibility status."""
    return {
        EligibilityStatus.ELIGIBLE: "badge-ok",
        EligibilityStatus.CLOSE: "badge-warn",
    }.get(status, "badge-bad")


@register.simple_tag
def money(amount, currency: str = "USD") -> str:
    return formatting.money(amount, currency)


@register.simple_tag
def money_range(low, high, currency: str = "USD") -> str:
    """'$1.20 to $4.80' joined by an en dash; an open top: '$2,500.00+'."""
    if low is None:
        return "—"
    if high is None:
        return f"{money(low, currency)}+"
    if Decimal(low) == Decimal(high):
        return money(low, currency)
    return f"{money(low, currency)} \u2013 {money(high, currency)}"


@register.filter
def svg(markup: str):
    """Inline one of `core.charts`' SVG strings (built from escaped text only)."""
    return mark_safe(markup)  # noqa: S308 - the chart functions escape every label and value

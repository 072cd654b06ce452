from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import template
from django.utils.safestring import mark_safe

from core import formatting

register = template.Library()


def _locale() -> str:
    return formatting.current_locale()


@register.filter
def percent(fraction) -> str:
    """0.0523 -> '5.23%'; None -> '—'."""
    if fraction is None or fraction == "":
        return "—"
    return f"{format_decimal(Decimal(fraction) * 100, format='#,##0.00', locale=_locale())}%"


@register.filter
def pct(value) -> str:
    """A value already in percent: 42.5 -> '42.50%'."""
    if value is None or value == "":
        return "—"
    return f"{format_decimal(Decimal(value), format='#,##0.00', locale=_locale())}%"


@register.simple_tag
def money(amount, currency: str) -> str:
    return formatting.money(amount, currency)


@register.filter
def number(value) -> str:
    return formatting.number(value)


@register.filter
def label(choices: dict, value) -> str:
    """The display label of a choice: `{{ kinds|label:row.kind }}`; the value itself when
    it is not one of `choices`."""
    return choices.get(value, value)


@register.filter
def svg(markup: str):
    """Inline one of core.charts' SVG strings (built from escaped text only)."""
    return mark_safe(markup)  # noqa: S308 - charts escape every label and value


@register.filter
def is_overdue(deliverable, today) -> bool:
    return deliverable.is_overdue(today)

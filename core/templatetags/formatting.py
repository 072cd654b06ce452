"""Template side of `core.formatting`: `{% load formatting %}` then
`{{ amount|money:currency }}` or `{% money amount currency %}`, `{{ n|number }}`,
`{{ d|date_short }}`, `{{ d|date_long }}`, `{{ dt|datetime_short }}`, `{{ dt|datetime_long }}`,
`{{ dt|time_short }}`."""

from __future__ import annotations

from django import template

from core import formatting

register = template.Library()


@register.filter(name="money")
def money_filter(amount, currency) -> str:
    return formatting.money(amount, currency)


@register.simple_tag(name="money")
def money_tag(amount, currency) -> str:
    return formatting.money(amount, currency)


@register.filter
def number(value, decimals=None) -> str:
    return formatting.number(value, None if decimals is None else int(decimals))


register.filter("date_short", formatting.date_short)
register.filter("date_long", formatting.date_long)
register.filter("datetime_short", formatting.datetime_short)
register.filter("datetime_long", formatting.datetime_long)
register.filter("time_short", formatting.time_short)

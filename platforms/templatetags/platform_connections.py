"""`{% platform_connections_banner creator %}`: on the creator's page, one line for each linked
account whose grant needs a person (reconnect soon or now, or a scope not granted)."""

from __future__ import annotations

from django import template

from platforms.selectors import accounts_of_creator

register = template.Library()


@register.inclusion_tag("platforms/_creator_banner.html", takes_context=True)
def platform_connections_banner(context, creator) -> dict:
    # One query: the creator's accounts (their grants are judged in Python).
    views = accounts_of_creator(agency=context["current_agency"], creator=creator)
    return {
        "creator": creator,
        "attention": [v for v in views if v.needs_attention],
        "current_agency": context["current_agency"],
    }

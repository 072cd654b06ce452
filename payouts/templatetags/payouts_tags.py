"""Template filters for payouts pages."""

from __future__ import annotations

from django import template

from payouts.reconciliation.explain import reason_sentences

register = template.Library()


@register.filter
def match_reasons(codes) -> list[str]:
    """Why reconciliation paired a deposit and a statement, as sentences."""
    return reason_sentences(codes)

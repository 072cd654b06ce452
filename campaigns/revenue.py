"""A campaign's revenue from apps above campaigns, through a hook: campaigns never imports
them. Payouts registers a provider in its AppConfig.ready() that sums the statement line
items tagged with the campaign's code; another app could add its own.

A provider takes the campaign and returns `RevenueFigure`s, one per currency and state
(settled or still an estimate); amounts in different currencies are never added up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.module_loading import import_string

from .models import Campaign


@dataclass(frozen=True)
class RevenueFigure:
    source: str  # what the money is, in the reader's language ("Platform payouts")
    currency: str
    amount: Decimal
    items: int  # how many line items it sums
    estimated: bool  # from statements the platform has not settled yet


RevenueProvider = Callable[[Campaign], list[RevenueFigure]]
# Dotted paths, imported when a revenue is first asked for: registering at start-up must not
# import the provider's module (payouts' selectors cost 35 ms of every command's start).
_providers: list[str] = []


def register_revenue_provider(path: str) -> None:
    """Add the provider `path` names (once: registering the same one again changes nothing)."""
    if path not in _providers:
        _providers.append(path)


def campaign_revenue(campaign: Campaign) -> list[RevenueFigure]:
    """Every registered provider's figures for `campaign`, settled first, by currency."""
    providers: list[RevenueProvider] = [import_string(path) for path in _providers]
    figures = [figure for provider in providers for figure in provider(campaign)]
    return sorted(figures, key=lambda f: (f.estimated, f.source, f.currency))

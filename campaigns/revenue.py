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

from .models import Campaign


@dataclass(frozen=True)
class RevenueFigure:
    source: str  # what the money is, in the reader's language ("Platform payouts")
    currency: str
    amount: Decimal
    items: int  # how many line items it sums
    estimated: bool  # from statements the platform has not settled yet


RevenueProvider = Callable[[Campaign], list[RevenueFigure]]
_providers: list[RevenueProvider] = []


def register_revenue_provider(provider: RevenueProvider) -> None:
    """Add a provider (once: registering the same one again changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)


def campaign_revenue(campaign: Campaign) -> list[RevenueFigure]:
    """Every registered provider's figures for `campaign`, settled first, by currency."""
    figures = [figure for provider in _providers for figure in provider(campaign)]
    return sorted(figures, key=lambda f: (f.estimated, f.source, f.currency))

"""The campaign the campaign benchmarks seed: a drinks sponsor and one EUR campaign for it
(bench/campaigns.py for the dashboard, bench/reports.py for the sponsor report)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal


def sponsored_campaign(
    agency, *, brand: str, name: str, code: str, start: dt.date, end: dt.date, budget: Decimal
):
    """A sponsor (`brand`, a drinks brand) and its campaign in euros with a 14-day attribution
    window, written straight to the tables (no audit rows, no default checklist)."""
    # Lazily, as in the benchmarks themselves: bench/reports.py imports this module in its
    # render process before that process has set Django up.
    from campaigns.models import Campaign, Sponsor

    sponsor = Sponsor.objects.create(agency=agency, brand=brand, category="drinks")
    return Campaign.objects.create(
        agency=agency,
        sponsor=sponsor,
        name=name,
        code=code,
        start_date=start,
        end_date=end,
        budget=budget,
        currency="EUR",
        attribution_window_days=14,
    )

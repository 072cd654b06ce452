"""Money and its rounding rule live in `core.money` (every layer formats and rounds amounts);
these names stay importable from here for the payouts code that already uses them."""

from __future__ import annotations

from core.money import (
    RATE_PLACES,
    minor_exponent,
    minor_unit,
    parse_amount,
    quantize,
    quantize_rate,
)

__all__ = [
    "RATE_PLACES",
    "minor_exponent",
    "minor_unit",
    "parse_amount",
    "quantize",
    "quantize_rate",
]

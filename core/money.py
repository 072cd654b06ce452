"""Money: a `Decimal` beside an ISO 4217 currency code, and one rounding rule.

Rounding is commercial half-up (ROUND_HALF_UP), to the currency's minor unit: it is what
platform statements and bank statements print, so a recomputed amount (commission, FX
conversion) agrees with the paper to the cent. Bankers' rounding would disagree with the
statement on every x.xx5 amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Minor-unit exponents that differ from 2 (ISO 4217).
_EXPONENTS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}
RATE_PLACES = Decimal("0.00000001")  # implied FX rates are kept to 8 places


def minor_exponent(currency: str) -> int:
    """How many decimals `currency` has: 2 for EUR, 0 for JPY, 3 for KWD."""
    return _EXPONENTS.get(currency.upper(), 2)


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of `currency`, e.g. Decimal("0.01") for EUR."""
    return Decimal(1).scaleb(-_EXPONENTS.get(currency.upper(), 2))


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    """`amount` rounded half-up to the minor unit of `currency`."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {amount!r}")
    return value.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def quantize_rate(rate: Decimal) -> Decimal:
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def parse_amount(text: str, currency: str) -> Decimal:
    """A user-typed amount ("1234.50", "1,234.50", "1234,50") as an exact Decimal.

    Refuses more decimals than the currency has instead of rounding silently.
    """
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in raw and "." in raw:
        # The later separator is the decimal one: 1.234,50 or 1,234.50.
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
    elif "," in raw:
        raw = raw.replace(",", ".")
    try:
        if not raw.isascii():  # Decimal() reads any script's digits
            raise InvalidOperation
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    if value != quantize(value, currency):
        raise ValueError(f"{text!r} has more decimals than {currency} allows")
    return quantize(value, currency)

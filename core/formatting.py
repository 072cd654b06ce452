"""One way to show money, numbers, dates and times: in the active language, in the active
time zone.

Pages run with the agency's time zone active (`agency_view` and the API base activate it) and
the reader's language; e-mails and PDFs wrap their rendering in `translation.override` and
`timezone.override` so the same functions give the same text there.

Money is rounded with the one rounding rule (`core.money.quantize`) before Babel writes it,
so a page never shows an amount the ledger does not hold, and a float never reaches it.
Each language has one short and one long style for dates and for date-times; they are
spelled out (day, month name, year) so 11/01/2026 can never mean two days.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from django.utils import timezone
from django.utils.translation import get_language, to_locale

from .money import quantize

EMPTY = "—"

# The Babel locale of each site language: Dutch as written in the Netherlands.
_LOCALES = {"nl": "nl_NL", "en": "en"}

DATE_SHORT = "d MMM y"  # 7 Dec 2026 / 7 dec 2026
DATE_LONG = "EEEE d MMMM y"  # Monday 7 December 2026 / maandag 7 december 2026
TIME = "HH:mm"


def current_locale() -> str:
    """The Babel locale of the active language (nl -> nl_NL)."""
    language = (get_language() or "en").lower()
    return _LOCALES.get(language.split("-")[0], to_locale(language))


def money(amount: Decimal | int | str | None, currency: str | None) -> str:
    """`Decimal("12000")`, "EUR" -> "€ 12.000,00" (nl) or "€12,000.00" (en).

    Always the currency's minor unit (two decimals for EUR, none for JPY), rounded half-up by
    `core.money.quantize`. A float is refused: it has already lost the cents.
    """
    if amount is None or amount == "" or not currency:
        return EMPTY
    if isinstance(amount, float):
        raise TypeError("money() takes a Decimal, an int or a string, never a float")
    value = quantize(amount, currency)
    return format_currency(value, currency.upper(), locale=current_locale())


def number(value: Decimal | int | float | None, decimals: int | None = None) -> str:
    """A count or measure with the language's grouping: 12345 -> "12.345" (nl), "12,345" (en).

    `decimals` fixes the places; without it up to three are shown, as the value needs."""
    if value is None or value == "":
        return EMPTY
    if decimals is None:
        return format_decimal(Decimal(str(value)), locale=current_locale())
    places = "." + "0" * decimals if decimals else ""
    return format_decimal(Decimal(str(value)), format=f"#,##0{places}", locale=current_locale())


def _local(value: datetime.datetime) -> datetime.datetime:
    """An aware datetime in the active time zone (naive ones are taken as UTC)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return timezone.localtime(value)


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    """A datetime's calendar day where the reader is (late evening UTC is tomorrow in Auckland)."""
    if isinstance(value, datetime.datetime):
        return _local(value).date()
    return value


def date_short(value: datetime.date | datetime.datetime | None) -> str:
    """7 Dec 2026 (en) / 7 dec 2026 (nl)."""
    if not value:
        return EMPTY
    return format_date(_as_date(value), DATE_SHORT, locale=current_locale())


def date_long(value: datetime.date | datetime.datetime | None) -> str:
    """Monday 7 December 2026 (en) / maandag 7 december 2026 (nl)."""
    if not value:
        return EMPTY
    return format_date(_as_date(value), DATE_LONG, locale=current_locale())


def datetime_short(value: datetime.datetime | None) -> str:
    """7 Dec 2026, 18:26 in the active time zone."""
    if not value:
        return EMPTY
    if not isinstance(value, datetime.datetime):
        return date_short(value)
    local = _local(value)
    return format_datetime(
        local, f"{DATE_SHORT}, {TIME}", tzinfo=local.tzinfo, locale=current_locale()
    )


def datetime_long(value: datetime.datetime | None) -> str:
    """Monday 7 December 2026, 18:26 CET: the long date, the time and the zone's abbreviation."""
    if not value:
        return EMPTY
    if not isinstance(value, datetime.datetime):
        return date_long(value)
    local = _local(value)
    text = format_datetime(
        local, f"{DATE_LONG}, {TIME}", tzinfo=local.tzinfo, locale=current_locale()
    )
    # Python's abbreviation ("CET", "NZDT", "+03"): Babel's depends on the locale ("+0100" in en).
    return f"{text} {local.tzname()}"


def time_short(value: datetime.datetime | datetime.time | None) -> str:
    """18:26 in the active time zone."""
    if not value:
        return EMPTY
    if isinstance(value, datetime.datetime):
        value = _local(value)
    return value.strftime("%H:%M")


def month_short(value: datetime.date | None) -> str:
    """Dec 2026 (en) / dec 2026 (nl): a month as a sparkline or chart names it."""
    if not value:
        return EMPTY
    return format_date(_as_date(value), "MMM y", locale=current_locale())

"""Country codes from untrusted text, through django-countries.

django-countries reads any text for which `str.isdigit()` is true as an ISO numeric code with
`int()`, which raises ValueError (a 500) for "²", digits of another script or more than
4,300 digits. Everything that turns a person's text into a country goes through here.
"""

from __future__ import annotations

from django_countries import countries
from django_countries.serializer_fields import CountryField as _CountryField


def _unreadable_number(text: str) -> bool:
    # ISO 3166-1 numeric codes are at most three ASCII digits.
    return text.isdigit() and not (text.isascii() and len(text) <= 3)


def country_alpha2(value: str) -> str:
    """The alpha-2 code for an alpha-2, alpha-3 or numeric code, else ""."""
    text = str(value).strip()
    return "" if _unreadable_number(text) else countries.alpha2(text)


def country_name(value: str) -> str:
    """The country's name for any of its codes, else ""."""
    code = country_alpha2(value)
    return str(countries.name(code)) if code else ""


class CountryField(_CountryField):
    """django-countries' serializer field, refusing what its look-up cannot read."""

    def to_internal_value(self, data):
        if isinstance(data, str) and _unreadable_number(data.strip().upper()):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)

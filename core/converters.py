"""Path converters: `<id:pk>` for the id of a row in a URL.

Django's `<int:…>` takes any number of digits, and a 23-digit id reached the database as a
number no bigint column holds (SQLite raises OverflowError in the lookup, a 500). Eighteen
digits cover every id a bigint can hold short of its last 8 quintillion; more is a 404.
"""

from __future__ import annotations

# SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"] tells the OpenAPI schema the same.
MAX_DIGITS = 18


class IdConverter:
    regex = f"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return str(value)

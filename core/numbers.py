"""Numbers typed by people are written with the ASCII digits 0-9.

Python's `int()` and `Decimal()` read any Unicode digit, so 100 in Arabic-Indic digits
(U+0661 U+0660 U+0660) or full-width ones passed every number field of a form or serializer
as 100: an amount no one typed as such, that no export or bank file agrees with.
`install()` (run once, by `core.apps.CoreConfig.ready`) makes the number fields of Django
forms refuse any text that is not plain ASCII before converting it, with one message;
`core.api_numbers` does the same for DRF's when DRF is loaded. Every number field is covered
that way, including those built for model forms, model serializers and django-filter, which a
subclass would miss. File parsers check their own digits (`is_ascii_digits`, `re.ASCII`).
"""

from __future__ import annotations

import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOT_ASCII = _("Write numbers with the digits 0 to 9.")


def is_ascii_text(value: object) -> bool:
    """False for text holding anything beyond ASCII (a number is then refused)."""
    return not isinstance(value, str) or value.isascii()


def is_ascii_digits(text: str) -> bool:
    """`text.isdigit()` for the digits 0-9 only (isdigit also accepts other scripts' digits
    and "²")."""
    return text.isascii() and text.isdigit()


def ascii_int(text: str | None, *, max_digits: int = 18) -> int | None:
    """A query parameter such as `?level=2` as an int, or None unless it is 1 to `max_digits`
    ASCII digits (int() refuses more than 4,300 digits with a ValueError)."""
    if text and len(text) <= max_digits and is_ascii_digits(text):
        return int(text)
    return None


def _guard_form_field(cls: type[forms.Field]) -> None:
    convert = cls.__dict__["to_python"]

    @functools.wraps(convert)
    def to_python(self, value):
        if not is_ascii_text(value):
            raise ValidationError(NOT_ASCII, code="invalid")
        return convert(self, value)

    to_python.ascii_only = True
    cls.to_python = to_python


FORM_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def install() -> None:
    """Guard the number fields of Django forms (idempotent)."""
    for cls in FORM_FIELDS:
        if not getattr(cls.__dict__["to_python"], "ascii_only", False):
            _guard_form_field(cls)

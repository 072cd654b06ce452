"""Which characters untrusted text may hold.

Control characters have no business in a form field or a query parameter and some break
things further down: PostgreSQL refuses a NUL in text (a DataError, so a 500, on a plain
search), terminals and CSV readers act on the others. Tab, line feed and carriage return
stay allowed in form fields and JSON text (a textarea sends them); nothing of the kind in a
query parameter or a URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

# C0 controls, DEL and C1 controls (Unicode category Cc); lone surrogates cannot be encoded
# for the database at all.
_IN_PARAMETER = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class ControlCharacterError(ValueError):
    """Text holds a character it may not; the message names where, in a sentence."""


def has_control_character(value: str, *, multiline: bool) -> bool:
    """Whether `value` holds a forbidden character (`multiline` allows tab, LF and CR)."""
    return (_IN_TEXT if multiline else _IN_PARAMETER).search(value) is not None


def _shown(name: str) -> str:
    # The name itself may be the bad part; never echo control characters back.
    return name if not has_control_character(name, multiline=False) and len(name) <= 60 else "?"


def check_parameters(items: Iterable[tuple[str, str]], *, multiline: bool) -> None:
    """Raise `ControlCharacterError` for the first (name, value) pair holding one."""
    for name, value in items:
        if has_control_character(name, multiline=False) or has_control_character(
            value, multiline=multiline
        ):
            raise ControlCharacterError(
                _(
                    "“%(name)s” contains a control character (such as a NUL byte), which is "
                    "not allowed. Remove it and try again."
                )
                % {"name": _shown(name)}
            )

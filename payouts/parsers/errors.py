"""The one error a statement parser raises, and the warnings it may collect.

Both name where in the file the problem is: a line (MT940, OFX, CSV) or an XML element path
(CAMT.053). Messages are English templates marked for translation, so the parsers need no
Django settings; a view renders them in the user's language with `error.render(gettext)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MAX_VALUE_CHARS = 60


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it (no Django needed here).

    Modules import it as `_`, which makemessages extracts like any other `_()` call.
    """
    return message


_ = gettext_noop


def shorten(value: Any) -> str:
    """A value from the file, cut short so a huge bad field cannot flood the message."""
    text = str(value)
    if len(text) > _MAX_VALUE_CHARS:
        return text[: _MAX_VALUE_CHARS - 1] + "…"
    return text


def _format(translated: str, original: str, params: dict[str, Any]) -> str:
    """`translated % params`, falling back to the English text if a translation is broken."""
    if not params:
        return translated
    try:
        return translated % params
    except (KeyError, ValueError, TypeError):
        return original % params


class _Located:
    """A message template plus where it happened: a line (and CSV column) or an element."""

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        element: str | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        self.template = message
        self.line = line
        self.element = element
        self.column = column
        self.params = {key: shorten(value) for key, value in params.items()}

    def render(self, translate: Callable[[str], str] = str) -> str:
        """The full message; pass `gettext` to get it in the user's language."""
        text = _format(translate(self.template), self.template, self.params)
        where = {"line": self.line, "element": self.element, "column": self.column}
        if self.element is not None:
            prefix = (
                _("Element %(element)s (line %(line)s)") if self.line else _("Element %(element)s")
            )
        elif self.line is not None:
            prefix = _("Line %(line)s, column '%(column)s'") if self.column else _("Line %(line)s")
        else:
            return text
        return f"{_format(translate(prefix), prefix, where)}: {text}"

    def __str__(self) -> str:
        return self.render()


class StatementParseError(_Located, ValueError):
    """The file cannot be imported; nothing from it may be saved.

    `str(error)` reads e.g. "Line 14: field :61: has an invalid amount '12,3,4'" or
    "Element /Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt (line 57): missing Ccy attribute".
    """

    def __init__(
        self,
        message: str,
        *,
        line: int | None = None,
        element: str | None = None,
        column: str | None = None,
        **params: Any,
    ) -> None:
        _Located.__init__(self, message, line=line, element=element, column=column, **params)
        ValueError.__init__(self, self.render())

    def __str__(self) -> str:
        return self.render()


class StatementWarning(_Located):
    """Something odd that did not stop the import (e.g. balances that do not add up)."""

    def __repr__(self) -> str:
        return f"StatementWarning({self.render()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StatementWarning) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))

"""The one JSON reader for request bodies: the API (DRF's parser), the webhook and forms.

orjson parses without recursing in Python (a body of 100,000 `[` was a RecursionError, a 500,
through the standard library) and refuses what the database could not store anyway: lone
surrogates, NaN and infinities. On top of it: a nesting limit far below what the code that
handles the data afterwards (serializers, `json.dumps` into a JSONField) can recurse through,
and text without control characters (core/input_text.py).
"""

from __future__ import annotations

from typing import Any

import orjson
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, get_encoding
from rest_framework.renderers import JSONRenderer

from .input_text import has_control_character

# No document of the API nests deeper than a handful of levels (policy rules are the deepest).
MAX_DEPTH = 64


class JSONInputError(ValueError):
    """The body is not JSON we accept; the message says why, in a sentence."""


def parse_json(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse untrusted JSON or raise `JSONInputError` (never RecursionError)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth limit" in str(exc):
            raise JSONInputError(_too_deep(max_depth)) from None
        raise JSONInputError(_("Not valid JSON: %(e)s.") % {"e": exc}) from None
    _check(value, max_depth)
    return value


def _too_deep(max_depth: int) -> str:
    return _("The JSON is nested deeper than %(n)d levels.") % {"n": max_depth}


def _check(data: Any, max_depth: int) -> None:
    # An explicit stack: the depth is only known to be bounded once this walk is done.
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if has_control_character(value, multiline=True):
                raise JSONInputError(
                    _(
                        "The JSON text contains a control character (such as a NUL byte), "
                        "which is not allowed."
                    )
                )
        elif isinstance(value, (list, dict)):
            if depth >= max_depth:
                raise JSONInputError(_too_deep(max_depth))
            if isinstance(value, dict):
                stack.extend((key, depth) for key in value)
                value = value.values()
            stack.extend((item, depth + 1) for item in value)


class JSONParser(BaseParser):
    """DRF's parser for `application/json`, through `parse_json`; refusals are a 400."""

    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        data = stream.read() if stream is not None else b""
        try:
            if encoding.replace("-", "").lower() != "utf8":
                data = data.decode(encoding)
            return parse_json(data)
        except UnicodeDecodeError:
            raise ParseError(
                _("The body is not valid %(charset)s text.") % {"charset": encoding}
            ) from None
        except JSONInputError as exc:
            raise ParseError(str(exc)) from None

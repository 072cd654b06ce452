"""The ASCII-digits guard of `core.numbers` for DRF's number fields.

Kept apart so that starting the project (every command, `migrate` included) does not import DRF
(about 0.15 s with the `requests` it pulls in): `agencies.api_auth`, which DRF imports with its
settings before any API view exists, installs it.
"""

from __future__ import annotations

import functools

from rest_framework import serializers

from .numbers import NOT_ASCII, is_ascii_text

SERIALIZER_FIELDS = (serializers.IntegerField, serializers.DecimalField, serializers.FloatField)


def guard_serializer_field(cls: type[serializers.Field]) -> None:
    convert = cls.__dict__["to_internal_value"]

    @functools.wraps(convert)
    def to_internal_value(self, data):
        if not is_ascii_text(data):
            raise serializers.ValidationError(NOT_ASCII, code="invalid")
        return convert(self, data)

    to_internal_value.ascii_only = True
    cls.to_internal_value = to_internal_value


def install() -> None:
    """Guard the number fields of DRF (idempotent)."""
    for cls in SERIALIZER_FIELDS:
        if not getattr(cls.__dict__["to_internal_value"], "ascii_only", False):
            guard_serializer_field(cls)

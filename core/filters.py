"""Filters shared by the apps' FilterSets (django-filter)."""

from __future__ import annotations

import django_filters
from django import forms

# The largest id a bigint column holds.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number from 1 to the largest bigint.

    NumberFilter reads decimals, so "?run=1e30" reached the foreign-key lookup as a number
    no column can hold (SQLite raises OverflowError, a 500); out of range is a form error.
    """

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

"""Pagination helpers shared by pages and API lists."""

from __future__ import annotations

from django.core.paginator import Paginator


class CountedPaginator(Paginator):
    """A paginator told its number of rows (e.g. a cached count of an unfiltered list), so
    it does not count them again; without `count` it counts as Django's does."""

    def __init__(self, *args, count: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property

"""What management commands about one agency share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError

from .models import Agency
from .rls import session_scope


@contextmanager
def agency_command_scope(slug: str) -> Iterator[Agency]:
    """The agency a command's `--agency` names (one clear line if there is none), with
    everything the command does inside the block scoped to it (row-level security,
    agencies/rls.py), however many transactions that takes."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise CommandError(f"No agency with slug {slug!r}.")
    with session_scope(agency.pk):
        yield agency

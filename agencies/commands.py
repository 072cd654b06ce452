"""What management commands about one agency share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from django.core.management.base import CommandError

from core.db_scope import session_scope

from .models import Agency


@contextmanager
def agency_command_scope(slug: str) -> Iterator[Agency]:
    """The agency a command's `--agency` names (one clear line if there is none), with
    everything the command does inside the block scoped to it (row-level security,
    core/db_scope.py), however many transactions that takes."""
    agency = Agency.objects.filter(slug=slug).first()
    if agency is None:
        raise CommandError(f"No agency with slug {slug!r}.")
    with session_scope(agency.pk):
        yield agency


def add_agency_day_arguments(parser) -> None:
    """`--agency <slug>` (required) and `--date YYYY-MM-DD` (the agency's today if left out),
    for the commands that run one agency's part of a daily beat task."""
    parser.add_argument("--agency", required=True)
    parser.add_argument(
        "--date", help="Treat this day as today (YYYY-MM-DD); default: the agency's today."
    )


def command_day(text: str | None) -> date | None:
    """`--date` as a date (None when it was left out), or one clear line."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {text!r}.") from None

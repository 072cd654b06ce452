"""`manage.py import_roster --agency <slug> <roster.csv>`: the roster import page's import
from the command line (same parser, limits and service: every row or none)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from creators.roster_csv import CellError, parse_roster_csv
from creators.roster_import import RosterImportError, roster_import


def _where(error: CellError) -> str:
    if error.row == 0:
        return "The file"
    return f"Row {error.row}" + (f", column {error.column}" if error.column else "")


class Command(BaseCommand):
    help = (
        "Import a roster CSV into an agency, as the roster import page does (columns: see "
        "the page's template file). Rows are matched to creators by e-mail."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("file")

    def handle(self, *args, agency: str, file: str, **options):
        with agency_command_scope(agency) as agency_obj:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
            parsed = parse_roster_csv(
                data, max_bytes=settings.CSV_IMPORT_MAX_BYTES, max_rows=settings.CSV_IMPORT_MAX_ROWS
            )
            try:
                summary = roster_import(
                    agency=agency_obj, actor=None, parsed=parsed, filename=path.name
                )
            except RosterImportError as exc:
                first = exc.errors[0]
                raise CommandError(
                    f"{len(exc.errors)} problem(s), nothing imported; first: "
                    f"{_where(first)}: {first.message}"
                ) from None
            self.stdout.write(
                f"{summary.created} created, {summary.updated} updated, "
                f"{summary.unchanged} unchanged."
            )
            if parsed.ignored_columns:
                self.stdout.write(f"Ignored columns: {', '.join(parsed.ignored_columns)}.")

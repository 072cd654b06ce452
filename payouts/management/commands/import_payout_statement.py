"""`manage.py import_payout_statement --agency <slug> [<statements.csv>] [--lines <lines.csv>]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agencies.commands import agency_command_scope
from payouts.line_import import statement_lines_import
from payouts.statement_import import StatementImportError, statement_import


def _read(file: str) -> bytes:
    path = Path(file)
    if not path.is_file():
        raise CommandError(f"No such file: {file}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None


class Command(BaseCommand):
    help = (
        "Import payout statements from CSV, and/or their line items from a lines CSV "
        "(columns: see payouts/statement_import.py and payouts/line_import.py). With both, "
        "the statements come first, and nothing is imported if either file has a problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("file", nargs="?", help="payout statements CSV")
        parser.add_argument("--lines", metavar="FILE", help="line items CSV")

    def handle(self, *args, agency: str, file: str | None, lines: str | None, **options):
        with agency_command_scope(agency) as agency_obj:
            if not file and not lines:
                raise CommandError("Give a statements file, --lines FILE, or both.")
            statements_data = _read(file) if file else None
            lines_data = _read(lines) if lines else None
            summaries: list[str] = []
            current = file
            try:
                with transaction.atomic():
                    if statements_data is not None:
                        result = statement_import(
                            agency=agency_obj, actor=None, data=statements_data
                        )
                        summaries.append(
                            f"{result.created} created, {result.updated} updated, "
                            f"{result.unchanged} unchanged."
                        )
                    if lines_data is not None:
                        current = lines
                        found = statement_lines_import(
                            agency=agency_obj, actor=None, data=lines_data
                        )
                        summaries.append(
                            f"Lines: {found.replaced} statements replaced ({found.lines} lines), "
                            f"{found.unchanged} unchanged."
                        )
                        summaries += [f"Warning: {warning}" for warning in found.warnings]
            except StatementImportError as exc:
                # With two files, say which one the problem is in.
                where = f"{current}: " if file and lines else ""
                raise CommandError(
                    f"{where}{len(exc.errors)} problem(s), nothing imported; first: {exc.errors[0]}"
                ) from None
            self.stdout.write("\n".join(summaries))

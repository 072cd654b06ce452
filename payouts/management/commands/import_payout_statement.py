"""`manage.py import_payout_statement --agency <slug> <file.csv>`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payouts.statement_import import StatementImportError, statement_import

from ._common import agency_from


class Command(BaseCommand):
    help = "Import payout statements from CSV (columns: see payouts/statement_import.py)."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("file")

    def handle(self, *args, agency: str, file: str, **options):
        agency_obj = agency_from(agency)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
        try:
            result = statement_import(agency=agency_obj, actor=None, data=data)
        except StatementImportError as exc:
            raise CommandError(
                f"{len(exc.errors)} problem(s), nothing imported; first: {exc.errors[0]}"
            ) from None
        self.stdout.write(
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged."
        )

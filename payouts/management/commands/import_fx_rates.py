"""`manage.py import_fx_rates FILE`: store the ECB's euro reference rates.

FILE is one of the ECB's published files (eurofxref-hist.csv or .zip, eurofxref.csv,
eurofxref-daily.xml, eurofxref-hist.xml, eurofxref-hist-90d.xml). The rates are public data
shared by every agency, so there is no --agency.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from payouts.fx import MAX_FILE_BYTES, RateFileError, reference_rates_import


class Command(BaseCommand):
    help = "Import the ECB's euro reference rates from one of its CSV, XML or zip files."

    def add_arguments(self, parser):
        parser.add_argument("file", help="eurofxref-hist.csv, eurofxref-daily.xml, … or a .zip")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror or exc}") from None
        try:
            summary = reference_rates_import(data=data, file_name=path.name, actor=None)
        except RateFileError as exc:
            raise CommandError(f"{path.name}: {exc}".splitlines()[0]) from None
        self.stdout.write(
            f"{path.name}: {summary.days} days ({summary.first} to {summary.last}), "
            f"{summary.currencies} currencies: {summary.new} new, {summary.changed} changed, "
            f"{summary.unchanged} unchanged."
        )

"""`manage.py export_reconciliation --agency <slug> --out <file.csv|file.xlsx> [--from --to]`."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.spreadsheets import csv_lines
from payouts.exports import STAFF_COLUMNS, report_rows, table, to_xlsx

from ._common import agency_from


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2025-01-31, not {value!r}.") from None


class Command(BaseCommand):
    help = "Write the reconciliation report of an agency as CSV or XLSX (by the file suffix)."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="agency slug")
        parser.add_argument("--out", required=True, help="a .csv or .xlsx file to write")
        parser.add_argument("--from", dest="period_from", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="period_to", help="YYYY-MM-DD")

    def handle(self, *args, agency, out, period_from, period_to, **options):
        agency_obj = agency_from(agency)
        start, end = _date(period_from, "--from"), _date(period_to, "--to")
        if start and end and start > end:
            raise CommandError("--from must not be after --to.")
        path = Path(out)
        suffix = path.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise CommandError("--out must end in .csv or .xlsx.")
        if not path.parent.is_dir():
            raise CommandError(f"No such directory: {path.parent}")
        rows = report_rows(agency_obj, period_from=start, period_to=end)
        count = 0

        def counted():
            nonlocal count
            for row in rows:
                count += 1
                yield row

        # Write next to the target and rename at the end: a failure leaves no partial file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                if suffix == ".csv":
                    for line in csv_lines(STAFF_COLUMNS, table(counted(), STAFF_COLUMNS)):
                        handle.write(line.encode("utf-8"))
                else:
                    handle.write(to_xlsx(counted(), STAFF_COLUMNS))
            os.replace(tmp, path)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from None
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.stdout.write(f"Wrote {count} statements to {path}.")

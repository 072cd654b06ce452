"""`manage.py export_reconciliation --agency <slug> --out <file.csv|file.xlsx> [--from --to]`.

Two reports:
- by default one row per statement (the staff report of the statements page);
- with `--matches` one row per allocation, confirmed or proposed (not rejected or reversed):
  which platform reference took how much of which bank transaction, by which rule. The
  bank reference is the bank's own reference of the transaction (CAMT `AcctSvcrRef`, MT940
  `:61:` after `//`). Used to check reconciliation against an answer key (bench/).

`--from`/`--to` select statements by period, or with `--matches` deposits by booking date.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from agencies.models import Agency
from core.spreadsheets import csv_lines
from payouts.exports import STAFF_COLUMNS, report_rows, table, to_xlsx
from payouts.models import Match, MatchStatus

MATCH_COLUMNS = ["platform_reference", "bank_reference", "amount", "currency", "rule", "status"]
CHUNK_SIZE = 2000


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date like 2025-01-31, not {value!r}.") from None


def allocation_rows(
    agency: Agency, *, booked_from: dt.date | None = None, booked_to: dt.date | None = None
) -> Iterator[dict]:
    """One dict per confirmed or proposed match of the agency, oldest first, read in chunks
    (a server-side cursor on PostgreSQL), so 100,000 allocations never sit in memory."""
    qs = Match.objects.for_agency(agency).filter(
        status__in=[MatchStatus.CONFIRMED, MatchStatus.PROPOSED]
    )
    if booked_from:
        qs = qs.filter(transaction__booking_date__gte=booked_from)
    if booked_to:
        qs = qs.filter(transaction__booking_date__lte=booked_to)
    values = qs.order_by("pk").values_list(
        "statement__platform_reference",
        "transaction__bank_reference",
        "amount",
        "transaction__currency",
        "rule",
        "status",
    )
    for row in values.iterator(chunk_size=CHUNK_SIZE):
        yield dict(zip(MATCH_COLUMNS, row, strict=True))


class Command(BaseCommand):
    help = (
        "Write the reconciliation report of an agency as CSV or XLSX (by the file suffix): "
        "one row per statement, or with --matches one row per allocation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="agency slug")
        parser.add_argument("--out", required=True, help="a .csv or .xlsx file to write")
        parser.add_argument("--from", dest="period_from", help="YYYY-MM-DD")
        parser.add_argument("--to", dest="period_to", help="YYYY-MM-DD")
        parser.add_argument(
            "--matches",
            action="store_true",
            help="one row per allocation (confirmed or proposed) instead of per statement",
        )

    def handle(self, *args, agency, out, period_from, period_to, matches=False, **options):
        with agency_command_scope(agency) as agency_obj:
            start, end = _date(period_from, "--from"), _date(period_to, "--to")
            if start and end and start > end:
                raise CommandError("--from must not be after --to.")
            path = Path(out)
            suffix = path.suffix.lower()
            if suffix not in (".csv", ".xlsx"):
                raise CommandError("--out must end in .csv or .xlsx.")
            if not path.parent.is_dir():
                raise CommandError(f"No such directory: {path.parent}")
            if matches:
                rows = allocation_rows(agency_obj, booked_from=start, booked_to=end)
                columns, what = MATCH_COLUMNS, "allocations"
            else:
                rows = report_rows(agency_obj, period_from=start, period_to=end)
                columns, what = STAFF_COLUMNS, "statements"
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
                        for line in csv_lines(columns, table(counted(), columns)):
                            handle.write(line.encode("utf-8"))
                    else:
                        handle.write(to_xlsx(counted(), columns))
                os.replace(tmp, path)
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from None
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            self.stdout.write(f"Wrote {count} {what} to {path}.")

"""`manage.py application_reminders --agency <slug> [--date YYYY-MM-DD]`: mail the account
managers whose rejected creators may apply to a program again (what the beat task does for
every agency), once per rejection."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from creators.applications import application_reminders_send


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Remind account managers (the owners for creators without one) that a rejected "
        "creator may apply to a program again. Each rejection is reminded once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument(
            "--date", help="Treat this day as today (YYYY-MM-DD); default: the agency's today."
        )

    def handle(self, *args, agency: str, date: str | None = None, **options):
        today = _day(date) if date else None
        with agency_command_scope(agency) as agency_obj:
            summary = application_reminders_send(agency=agency_obj, today=today)
        self.stdout.write(
            f"{agency_obj.slug}: {summary.due} application(s) may re-apply, "
            f"{summary.mailed} reminder(s) mailed."
        )

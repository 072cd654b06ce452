"""`manage.py crisis_drill_reminders --agency <slug> [--date YYYY-MM-DD]`: remind the owners
when the agency's last crisis drill is more than a quarter old (what the beat task does for
every agency), at most once per calendar quarter."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from crisis.services import drill_reminders_send


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Remind the owners when the last crisis drill is more than a quarter old. "
        "Each agency is reminded at most once per calendar quarter."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument(
            "--date", help="Treat this day as today (YYYY-MM-DD); default: the agency's today."
        )

    def handle(self, *args, agency: str, date: str | None = None, **options):
        today = _day(date) if date else None
        with agency_command_scope(agency) as agency_obj:
            summary = drill_reminders_send(agency=agency_obj, today=today)
        last = summary.last_drill.isoformat() if summary.last_drill else "none"
        if not summary.due:
            state = "not due"
        elif summary.notified:
            state = f"{summary.notified} owner(s) reminded"
        else:
            state = "due, reminded already this quarter (or no owner)"
        self.stdout.write(f"{agency_obj.slug}: last drill {last}; {state}.")

"""`manage.py crisis_drill_reminders --agency <slug> [--date YYYY-MM-DD]`: remind the owners
when the agency's last crisis drill is more than a quarter old (what the beat task does for
every agency), at most once per calendar quarter."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from agencies.commands import add_agency_day_arguments, agency_command_scope, command_day
from crisis.services import drill_reminders_send


class Command(BaseCommand):
    help = (
        "Remind the owners when the last crisis drill is more than a quarter old. "
        "Each agency is reminded at most once per calendar quarter."
    )

    def add_arguments(self, parser):
        add_agency_day_arguments(parser)

    def handle(self, *args, agency: str, date: str | None = None, **options):
        today = command_day(date)
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

"""`manage.py application_reminders --agency <slug> [--date YYYY-MM-DD]`: mail the account
managers whose rejected creators may apply to a program again (what the beat task does for
every agency), once per rejection."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from agencies.commands import add_agency_day_arguments, agency_command_scope, command_day
from creators.applications import application_reminders_send


class Command(BaseCommand):
    help = (
        "Remind account managers (the owners for creators without one) that a rejected "
        "creator may apply to a program again. Each rejection is reminded once."
    )

    def add_arguments(self, parser):
        add_agency_day_arguments(parser)

    def handle(self, *args, agency: str, date: str | None = None, **options):
        today = command_day(date)
        with agency_command_scope(agency) as agency_obj:
            summary = application_reminders_send(agency=agency_obj, today=today)
        self.stdout.write(
            f"{agency_obj.slug}: {summary.due} application(s) may re-apply, "
            f"{summary.mailed} reminder(s) mailed."
        )

"""`manage.py send_digests --agency <slug> [--dry-run]`: this week's digest to each member of
the agency who wants it and has not had it this week (what the beat task does on Mondays)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from agencies.commands import agency_command_scope
from cockpit.digest import digests_send


class Command(BaseCommand):
    help = (
        "Mail this week's digest to each member of the agency who wants it and has not had "
        "it this week. --dry-run lists who would get one and sends nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, agency: str, dry_run: bool = False, **options):
        with agency_command_scope(agency) as agency_obj:
            run = digests_send(agency=agency_obj, dry_run=dry_run)
        verb = "would be sent" if dry_run else "sent"
        self.stdout.write(
            f"{agency_obj.slug}, week of {run.week.isoformat()}: {len(run.sent)} digest(s) {verb}, "
            f"{len(run.opted_out)} opted out, {len(run.already_sent)} already sent this week."
        )
        for email in run.sent:
            self.stdout.write(f"  {email}")

"""`manage.py reconcile --agency <slug>`: run reconciliation now and print the summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from agencies.commands import agency_command_scope
from payouts.models import ReconciliationRun
from payouts.reconciliation import run_execute


class Command(BaseCommand):
    help = "Match the agency's open bank credits to its open payout statements."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="agency slug")

    def handle(self, *args, agency: str, **options):
        with agency_command_scope(agency) as agency_obj:
            run = ReconciliationRun.objects.create(agency=agency_obj)
            run = run_execute(agency=agency_obj, run=run)
            summary = run.summary
            self.stdout.write(
                f"Run #{run.pk}: {run.matched_count} matched, {run.ambiguous_count} ambiguous "
                f"(to the exceptions queue), {run.unmatched_count} unmatched, "
                f"{summary.get('reversed', 0)} reversals applied."
            )
            for label, key in (
                ("Open statements", "open_statements"),
                ("Open credits", "open_credits"),
            ):
                amounts = ", ".join(f"{v} {k}" for k, v in summary.get(key, {}).items()) or "none"
                self.stdout.write(f"{label}: {amounts}")

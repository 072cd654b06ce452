"""`manage.py rewards_evaluate [--agency <slug>]`: evaluate the bonus rules now and print
what was awarded (every agency when no slug is given)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from agencies.commands import agency_command_scope
from agencies.models import Agency
from agencies.tasking import each_agency
from rewards.evaluation import EvaluationSummary, rewards_evaluate


class Command(BaseCommand):
    help = "Award the campaign bonuses whose KPI passed its threshold inside the window."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="agency slug (default: every agency)")

    def handle(self, *args, agency: str | None = None, **options):
        if agency:
            with agency_command_scope(agency) as agency_obj:
                self._report(agency_obj, rewards_evaluate(agency=agency_obj))
            return
        for agency_id in each_agency():
            agency_obj = Agency.objects.get(pk=agency_id)
            self._report(agency_obj, rewards_evaluate(agency=agency_obj))

    def _report(self, agency: Agency, summary: EvaluationSummary) -> None:
        awarded = ", ".join(f"{v} {k}" for k, v in summary.awarded.items()) or "nothing"
        self.stdout.write(
            f"{agency.slug}: {summary.pools} pools, {summary.rules} rules, "
            f"{summary.assets_checked} assets checked; {len(summary.awards)} new awards "
            f"({awarded}); {summary.pool_exhausted} passed with the pool spent; "
            f"{summary.thank_replies} thank-you replies on {summary.thanked_videos} videos."
        )

"""`manage.py sponsor_report --agency <slug> --campaign <code> --out <file.pdf>`: render a
campaign's sponsor report to a file now (the web app queues it to a worker instead)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from campaigns.models import Campaign, ReportLanguage
from reports.pdf import render_report_pdf
from reports.selectors import sponsor_report_data


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--{name} must be a date like 2024-03-01, not {value!r}.") from None


class Command(BaseCommand):
    help = "Render a campaign's sponsor report (PDF) to a file."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="agency slug")
        parser.add_argument("--campaign", required=True, help="campaign code, e.g. SPRING-24")
        parser.add_argument("--out", required=True, help="path of the PDF to write")
        parser.add_argument("--language", default="en", choices=ReportLanguage.values)
        parser.add_argument("--from", dest="start", help="first day (default: campaign start)")
        parser.add_argument("--until", dest="end", help="last day (default: campaign end)")

    def handle(self, *args, agency, campaign, out, language, start, end, **options):
        with agency_command_scope(agency) as agency_obj:
            campaign_obj = (
                Campaign.objects.for_agency(agency_obj)
                .select_related("sponsor")
                .filter(code=campaign)
            ).first()
            if campaign_obj is None:
                raise CommandError(f"No campaign {campaign!r} in agency {agency!r}.")
            period_start, period_end = _date(start, "from"), _date(end, "until")
            if period_start and period_end and period_start > period_end:
                raise CommandError("--from must not be after --until.")
            path = Path(out)
            if not path.parent.is_dir():
                raise CommandError(f"Directory {str(path.parent)!r} does not exist.")
            data = sponsor_report_data(
                campaign=campaign_obj,
                period_start=period_start,
                period_end=period_end,
                language=language,
            )
            pdf = render_report_pdf(data, language=language)
            path.write_bytes(pdf)
            total = data.dashboard.total
            self.stdout.write(
                f"Wrote {path} ({len(pdf):,} bytes, {language}): {campaign_obj.code} "
                f"{data.period_start:%Y-%m-%d} to {data.period_end:%Y-%m-%d}, "
                f"{len(data.dashboard.creators)} creators, {total.deliverables} deliverables, "
                f"{total.views:,} views."
            )

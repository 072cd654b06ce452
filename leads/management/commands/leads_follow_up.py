"""`manage.py leads_follow_up --agency <slug> [--now ISO-TIME]`: schedule the follow-up DM of
every lead whose opt-in is 24 hours old (what the beat task does for every agency), only
with consent and inside the DM caps; a rerun schedules nothing twice."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.commands import agency_command_scope
from leads.services import lead_follow_ups_send


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"--now must be a time as YYYY-MM-DDTHH:MM[+HH:MM], not {text!r}."
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.utc)


class Command(BaseCommand):
    help = (
        "Schedule the follow-up DM of each lead 24 to 48 hours after its opt-in, with "
        "consent and inside the DM limits. Each lead is followed up at most once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--now", help="Treat this moment as now (ISO 8601; default: now).")

    def handle(self, *args, agency: str, now: str | None = None, **options):
        moment = _moment(now) if now else None
        with agency_command_scope(agency) as agency_obj:
            summary = lead_follow_ups_send(agency=agency_obj, now=moment)
        self.stdout.write(
            f"{agency_obj.slug}: {summary.scheduled} follow-up(s) scheduled, "
            f"{summary.suppressed} suppressed, {summary.missed} missed (window passed)."
        )

"""`manage.py platform_accounts --agency <slug>`: the agency's linked platform accounts, the
state of each grant and when each was last synced."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from agencies.commands import agency_command_scope
from platforms.selectors import account_view, accounts_of_agency


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "never"


class Command(BaseCommand):
    help = "List an agency's linked platform accounts: status, token state, last sync."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)

    def handle(self, *args, agency: str, **options):
        with agency_command_scope(agency) as agency_obj:
            timezone.activate(agency_obj.tzinfo)
            rows = [account_view(a) for a in accounts_of_agency(agency=agency_obj)]
        if not rows:
            self.stdout.write(f"{agency_obj.slug}: no platform accounts.")
            return
        self.stdout.write(f"{agency_obj.slug}: {len(rows)} platform account(s)")
        for view in rows:
            account = view.account
            summary = account.last_sync_summary or {}
            counts = ", ".join(f"{k} {v}" for k, v in summary.items() if isinstance(v, int))
            missing = (
                f"; missing scopes: {', '.join(view.missing_scopes)}" if view.missing_scopes else ""
            )
            self.stdout.write(
                f"  #{account.pk} {account.platform} @{account.handle or account.external_id} "
                f"({account.creator.display_name}) | {account.status} | token: "
                f"{view.token_state} | last sync: {_when(account.last_synced_at)}"
                f"{f' ({counts})' if counts else ''}{missing}"
            )

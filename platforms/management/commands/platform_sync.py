"""`manage.py platform_sync --agency SLUG [--account ID]`: pull linked accounts now and deliver
the agency's due actions, then print what was done."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from moderation.outbox import send_due_actions
from platforms.delivery import outbox_deliver_due
from platforms.models import AccountStatus, PlatformAccount
from platforms.sync import SyncSummary, account_sync


class Command(BaseCommand):
    help = (
        "Pull the agency's linked platform accounts now (videos, figures, comments) and "
        "deliver its due replies, DMs, hides and removes; prints a summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="the agency's slug")
        parser.add_argument("--account", help="only this linked account (its id)")

    def handle(self, *args, **options):
        raw = options["account"]
        if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
            raise CommandError(f"--account must be an account id (a number), not {raw!r}.")
        with agency_command_scope(options["agency"]) as agency:
            accounts = PlatformAccount.objects.select_related("agency", "social_account").filter(
                agency=agency
            )
            if raw is not None:
                accounts = accounts.filter(pk=int(raw))
                if not accounts.exists():
                    raise CommandError(f"No platform account {raw} in agency {agency.slug}.")
            else:
                accounts = accounts.filter(status=AccountStatus.LINKED)
            total = SyncSummary()
            accounts = list(accounts.order_by("pk"))
            for account in accounts:
                summary = account_sync(account=account, force_videos=True)
                total.add(summary)
                line = (
                    f"@{account.handle}: {summary.videos} videos ({summary.videos_new} new), "
                    f"{summary.snapshots} snapshots, {summary.comments_new} new comments"
                )
                self.stdout.write(line + (f" - {summary.error}" if summary.error else ""))
            scheduled = send_due_actions(agency_id=agency.pk)
            report = outbox_deliver_due(agency_id=agency.pk)
        self.stdout.write(
            f"Pulled {total.videos} videos, {total.snapshots} snapshots and "
            f"{total.comments_new} comments from {len(accounts)} accounts; delivered "
            f"{report.delivered} actions ({scheduled} due replies and DMs released; "
            f"{report.retrying} to retry, {report.failed} failed, {report.held} held, "
            f"{report.manual} for a person to post)."
        )

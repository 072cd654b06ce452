"""`manage.py rotate_platform_tokens`: re-encrypt every stored platform token under the first
key of PLATFORM_TOKEN_KEYS. Rotation: put the new key first, run this, then drop the old key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from agencies.models import Agency
from platforms.crypto import TokenKeyMissing, TokenUnreadable
from platforms.services import platform_tokens_rotate


class Command(BaseCommand):
    help = "Re-encrypt stored platform tokens under the first PLATFORM_TOKEN_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="Only this agency (default: every agency).")

    def handle(self, *args, agency: str | None = None, **options):
        slugs = (
            [agency]
            if agency
            else list(Agency.objects.order_by("slug").values_list("slug", flat=True))
        )
        total = 0
        for slug in slugs:
            # Each agency under its own scope (row-level security), one transaction each.
            with agency_command_scope(slug) as agency_obj:
                try:
                    rotated = platform_tokens_rotate(agency=agency_obj)
                except (TokenKeyMissing, TokenUnreadable) as exc:
                    raise CommandError(f"{slug}: {exc}") from exc
            total += rotated
            if rotated:
                self.stdout.write(f"{slug}: {rotated} account(s) re-encrypted.")
        self.stdout.write(f"{total} account(s) re-encrypted under the first key.")

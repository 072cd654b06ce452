"""`manage.py dispute_evidence --agency <slug> --dispute <id> --campaign <code> [--output
pack.zip]`: build a dispute's evidence pack now (the page and the API queue the same build as
a Celery task), attach it to the dispute and optionally copy the ZIP to a local file."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencies.commands import agency_command_scope
from payouts.evidence import evidence_pack_build, evidence_pack_request
from payouts.models import Dispute, EvidencePackStatus


class Command(BaseCommand):
    help = (
        "Gather a dispute's evidence by campaign code (comment/DM transcripts with the replies "
        "sent, conversion timestamps, the statement's lines, contract clauses, the brief) into "
        "a ZIP attached to the dispute."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True)
        parser.add_argument("--dispute", required=True, type=int, help="The dispute's id.")
        parser.add_argument("--campaign", required=True, help="The campaign code.")
        parser.add_argument("--output", help="Also copy the ZIP to this file.")

    def handle(self, *args, agency: str, dispute: int, campaign: str, output=None, **options):
        target = Path(output) if output else None
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"No such folder: {target.parent}")
        with agency_command_scope(agency) as agency_obj:
            found = Dispute.objects.filter(agency=agency_obj, pk=dispute).first()
            if found is None:
                raise CommandError(f"No dispute {dispute} in {agency_obj.slug}.")
            try:
                pack = evidence_pack_request(dispute=found, actor=None, campaign_code=campaign)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            pack = evidence_pack_build(agency=agency_obj, pack_id=pack.pk)
            pack.refresh_from_db()
            if pack.status != EvidencePackStatus.READY:
                raise CommandError(f"The pack could not be built: {pack.error}")
            if target is not None:
                with pack.file.open("rb") as source, target.open("wb") as copy:
                    shutil.copyfileobj(source, copy)
        counts = pack.counts
        self.stdout.write(
            f"Evidence pack {pack.pk} for dispute {dispute} ({pack.campaign_code}): "
            f"{counts['messages']} messages, {counts['replies']} replies sent, "
            f"{counts['conversions']} conversions, {counts['lines']} statement lines; "
            f"stored as {pack.file.name}" + (f", copied to {target}" if target else "") + "."
        )

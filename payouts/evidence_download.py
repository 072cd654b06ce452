"""A dispute's evidence pack leaving the app: the ZIP of a ready pack as a private (never
cached) attachment. The staff page and the API both answer this way."""

from __future__ import annotations

from django.http import FileResponse, Http404

from agencies.models import Agency
from agencies.tenancy import get_for_agency
from core.downloads import private_file_response

from .models import DisputeEvidencePack, EvidencePackStatus


def evidence_pack_response(agency: Agency, pk: int) -> FileResponse:
    """The agency's pack `pk` as its ZIP; 404 for another agency's pack, an unknown one, and
    one that is not ready (still building, failed, or without a file)."""
    pack = get_for_agency(DisputeEvidencePack, agency, pk=pk)
    if pack.status != EvidencePackStatus.READY or not pack.file:
        raise Http404
    return private_file_response(
        pack.file.open("rb"),
        filename=f"dispute-{pack.dispute_id}-{pack.campaign_code.lower()}-evidence.zip",
        content_type="application/zip",
    )

"""The agency's logo on its own pages: served by the app (`agencies:logo`, tenant-checked,
never cached) from whatever storage holds it, never as a MEDIA_URL or bucket address. The
URL ends in the stored file's name, so a replaced logo gets a new address."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.urls import reverse

# The settings form accepts PNG and JPEG only (agencies/forms.py); a stored name need not
# carry an extension, so the type comes from the file's first bytes.
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def logo_file_name(agency) -> str:
    """The last part of the logo's stored name ("" without a logo)."""
    return PurePosixPath(agency.logo.name).name if agency.logo else ""


def logo_url(agency) -> str:
    """The app's address of the agency's current logo ("" without one)."""
    name = logo_file_name(agency)
    if not name:
        return ""
    return reverse("agencies:logo", kwargs={"agency_slug": agency.slug, "name": name})


def logo_content_type(head: bytes) -> str:
    """The image type of a stored logo from its first bytes."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return "application/octet-stream"

"""The lead list as CSV or XLSX, formula-safe: every text cell goes through
`core.spreadsheets` (CSV) or `core.xlsx` (a quoted string cell), so a name such as
"=HYPERLINK(…)" stays text in a spreadsheet. Times are in the agency's timezone."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.http import HttpResponse, StreamingHttpResponse

from core.downloads import private_download
from core.spreadsheets import csv_streaming_response
from core.xlsx import XLSX_TYPE, workbook_bytes

from .models import Lead

COLUMNS = [
    "lead_id",
    "name",
    "email",
    "handle",
    "platform",
    "creator",
    "campaign_code",
    "deliverable_id",
    "conversion_id",
    "language",
    "opted_in_at",
    "consented_at",
    "email_given_at",
    "follow_up",
]


def _local(value: datetime | None, tz) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else ""


def rows(leads: Iterable[Lead], *, tz) -> Iterator[list]:
    for lead in leads:
        yield [
            lead.pk,
            lead.name,
            lead.email,
            lead.contact.handle,
            lead.contact.platform,
            lead.creator.display_name if lead.creator else "",
            lead.campaign.code if lead.campaign else "",
            lead.deliverable_id or "",
            lead.conversion_id or "",
            lead.language,
            _local(lead.opted_in_at, tz),
            _local(lead.consented_at, tz),
            _local(lead.captured_at, tz),
            lead.follow_up,
        ]


def csv_response(leads: Iterable[Lead], *, filename: str, tz) -> StreamingHttpResponse:
    return csv_streaming_response(filename, COLUMNS, rows(leads, tz=tz))


def to_xlsx(leads: Iterable[Lead], *, tz) -> bytes:
    """A one-sheet workbook through the project's formula-safe writer (core/xlsx.py): text
    cells are quoted strings, never formulas; ids are numbers."""
    return workbook_bytes("Leads", COLUMNS, rows(leads, tz=tz))


def xlsx_response(leads: Iterable[Lead], *, filename: str, tz) -> HttpResponse:
    response = HttpResponse(to_xlsx(leads, tz=tz), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return private_download(response)

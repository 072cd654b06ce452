"""Every file the app hands out (CSV and XLSX exports, contract and report PDFs, the sponsor's
shared report) carries an agency's or a person's data: no browser, proxy or shared cache may
keep a copy. Download views build their response here, or pass it through
`private_download`; tests/agencies/test_downloads.py checks every download URL and that no
view builds a file response anywhere else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import IO, TypeVar

from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers

Response = TypeVar("Response", bound=HttpResponseBase)


def private_download(response: Response) -> Response:
    """Mark `response` as private and never stored: `Cache-Control: no-store` (with
    no-cache, must-revalidate, private, max-age=0) and an `Expires` in the past."""
    add_never_cache_headers(response)
    return response


def private_file_response(
    file: IO[bytes], *, filename: str, content_type: str, as_attachment: bool = True
) -> FileResponse:
    """An attachment (or, for an image a page shows, inline content) streamed from `file`
    (opened in binary mode, e.g. through the storage API), never cached."""
    return private_download(
        FileResponse(
            file, as_attachment=as_attachment, filename=filename, content_type=content_type
        )
    )


def private_download_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """`view` (someone else's, e.g. allauth's recovery codes file) with its response never
    cached."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return private_download(view(request, *args, **kwargs))

    return wrapper

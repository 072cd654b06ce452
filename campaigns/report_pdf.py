"""Render a sponsor report to PDF with WeasyPrint.

The template names its resources with two private schemes, `static:<path>` (the app's own
static files) and `media:agency-logos/<file>` (the agency's logo); the URL fetcher serves
those and refuses everything else (http, file, data, ...), so a report can never make the
worker read an arbitrary file or call out to the network.
"""

from __future__ import annotations

import functools
import gc
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from creators.models import Platform

from .models import DeliverableKind
from .reports import SponsorReportData

LOGO_PREFIX = "agency-logos/"


class RefusedURL(ValueError):
    pass


def _inside(root: Path, relative: str) -> Path:
    """`root / relative`, refusing anything that would leave `root` (.., absolute, links)."""
    root = root.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise RefusedURL(relative)
    return path


def resolve_report_url(url: str) -> Path:
    """The file behind an allowed report URL; RefusedURL for any other URL."""
    scheme, _, rest = url.partition(":")
    rest = rest.split("?", 1)[0].split("#", 1)[0].lstrip("/")
    if scheme == "static" and rest:
        try:
            found = finders.find(rest)
        except SuspiciousFileOperation as error:
            raise RefusedURL(url) from error
        if found:
            return _inside(Path(found).parent, Path(found).name)
        return _inside(Path(settings.STATIC_ROOT), rest)
    if scheme == "media" and rest.startswith(LOGO_PREFIX):
        return _inside(Path(settings.MEDIA_ROOT), rest)
    raise RefusedURL(url)


class ReportURLFetcher(URLFetcher):
    def __init__(self, **kwargs):
        super().__init__(allowed_protocols=("static", "media"), **kwargs)

    def fetch(self, url, headers=None):
        path = resolve_report_url(url)
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
        )


def render_report_html(data: SponsorReportData, *, language: str) -> str:
    logo = data.agency.logo.name if data.agency.logo else ""
    context = {
        "r": data,
        "d": data.dashboard,
        "campaign": data.campaign,
        "agency": data.agency,
        "logo_url": f"media:{logo}" if logo.startswith(LOGO_PREFIX) else "",
        "language": language,
        "kinds": dict(DeliverableKind.choices),
        "platforms": dict(Platform.choices),
    }
    # Dates (posted, approved, generated) are the agency's days, not the worker's UTC ones.
    with translation.override(language), timezone.override(data.agency.tzinfo):
        return render_to_string("campaigns/report/report.html", context)


@functools.cache
def _font_config() -> FontConfiguration:
    # One per process: the reports use the system's sans-serif and no @font-face, so a worker
    # keeps one Pango font map (and its glyph caches) instead of building one per render.
    return FontConfiguration()


@contextmanager
def _collector_paused() -> Iterator[None]:
    # WeasyPrint builds a box tree of tens of thousands of objects that lives for the whole
    # render; the cyclic collector rescans it again and again while it grows (about a fifth
    # of a 20-page render in bench/reports.py). None of it is garbage before the render ends.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def render_report_pdf(data: SponsorReportData, *, language: str) -> bytes:
    html = render_report_html(data, language=language)
    with _collector_paused():
        document = HTML(string=html, url_fetcher=ReportURLFetcher())
        return document.write_pdf(font_config=_font_config())

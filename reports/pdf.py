"""Render a sponsor report to PDF with WeasyPrint.

The template names its resources with two private schemes, `static:<path>` (the app's own
static files) and `media:<the agency's logo>`; the URL fetcher serves those and refuses
everything else (http, file, data, other media, ...), so a report can never make the worker
read an arbitrary file or call out to the network. The logo is read through the storage API
before rendering (the filesystem or a bucket: the worker need not be the machine that stored
it) and handed to the fetcher as bytes.
"""

from __future__ import annotations

import functools
import gc
import logging
import mimetypes
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from campaigns.models import DeliverableKind
from creators.models import Platform

from .selectors import SponsorReportData

LOGO_PREFIX = "agency-logos/"

logger = logging.getLogger(__name__)


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
    """The static file behind an allowed `static:` URL; RefusedURL for any other URL (the
    logo is not a file here: ReportURLFetcher serves it from the bytes it was given)."""
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
    raise RefusedURL(url)


@dataclass(frozen=True)
class ReportLogo:
    name: str  # the storage name, e.g. agency-logos/acme-1f2e3d4c5b6a.png
    data: bytes

    @property
    def url(self) -> str:
        return f"media:{self.name}"


def report_logo(agency) -> ReportLogo | None:
    """The agency's logo, read through its storage; None without one, or when its file is
    gone (the report is then rendered with the agency's name instead)."""
    name = agency.logo.name if agency.logo else ""
    if not name.startswith(LOGO_PREFIX):
        return None
    try:
        with agency.logo.storage.open(name, "rb") as stored:
            return ReportLogo(name, stored.read())
    except FileNotFoundError:
        logger.warning("agency %s: logo file %s is missing", agency.pk, name)
        return None


class ReportURLFetcher(URLFetcher):
    def __init__(self, *, logo: ReportLogo | None = None, **kwargs):
        super().__init__(allowed_protocols=("static", "media"), **kwargs)
        self._logo = logo

    def fetch(self, url, headers=None):
        if self._logo is not None and url == self._logo.url:
            body, name = self._logo.data, self._logo.name
        else:
            path = resolve_report_url(url)
            body, name = path.read_bytes(), path.name
        mime, _ = mimetypes.guess_type(name)
        return URLFetcherResponse(url, body, {"Content-Type": mime or "application/octet-stream"})


def render_report_html(
    data: SponsorReportData, *, language: str, logo: ReportLogo | None = None
) -> str:
    context = {
        "r": data,
        "d": data.dashboard,
        "campaign": data.campaign,
        "agency": data.agency,
        "logo_url": logo.url if logo else "",
        "language": language,
        "kinds": dict(DeliverableKind.choices),
        "platforms": dict(Platform.choices),
    }
    # Dates (posted, approved, generated) are the agency's days, not the worker's UTC ones.
    with translation.override(language), timezone.override(data.agency.tzinfo):
        return render_to_string("reports/report.html", context)


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
    logo = report_logo(data.agency)
    html = render_report_html(data, language=language, logo=logo)
    with _collector_paused():
        document = HTML(string=html, url_fetcher=ReportURLFetcher(logo=logo))
        return document.write_pdf(font_config=_font_config())

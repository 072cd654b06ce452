"""Files on an S3-compatible bucket: STORAGES from config/media.py with the environment a
production machine would have, against moto's S3 server on 127.0.0.1 (tests/fakes/s3.py).
Every file goes in and out through the real entry points: the settings page's logo on the
sponsor report, a bank file a worker imports from the bucket, a signed contract PDF, a
generated report. Nothing lands in MEDIA_ROOT and nothing is handed out as a bucket URL."""

from __future__ import annotations

import io
import re
import secrets
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import boto3
import environ
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from storages.backends.s3 import S3Storage

from agencies.logos import logo_url
from bench.generators.camt053 import random_transactions, write_camt053
from campaigns.models import SponsorReport
from config.media import media_storage
from payouts.models import BankImport, BankTransaction
from payouts.tasks import bank_import_run
from reports.selectors import share_token
from reports.services import share_link_create
from tests.campaigns.factories import CampaignFactory, ContractFactory
from tests.factories import CreatorFactory
from tests.fakes.s3 import FAKE_CREDENTIALS, REGION, local_s3_server
from tests.helpers import client_for
from tests.payouts.builders import account

pytestmark = pytest.mark.django_db
IBAN = "NL55INGB0000000001"


@pytest.fixture(scope="module")
def s3_endpoint():
    with local_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch, tmp_path):
    """A fresh private bucket per test, made the default storage from the environment
    variables a production machine sets; MEDIA_ROOT is a folder that must stay empty."""
    name = f"talentdesk-{secrets.token_hex(4)}"
    for key, value in {
        **FAKE_CREDENTIALS,
        "AWS_STORAGE_BUCKET_NAME": name,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(environ.Env())}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield Bucket(client, name)
    assert not (tmp_path / "media").exists(), "a file went to the local disk"


class Bucket:
    def __init__(self, client, name: str):
        self.client, self.name = client, name

    def keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()


def _png(width=40, height=20, colour="#ff0000") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _pdf_images(pdf: bytes) -> str:
    return subprocess.run(  # noqa: S603 - a fixed tool on bytes we made
        [shutil.which("pdfimages") or "pdfimages", "-list", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


# --- the storage itself -------------------------------------------------------------------------


def test_the_bucket_is_the_default_storage_private_and_never_overwritten(bucket):
    first = default_storage.save("sponsor-reports/GLOW-26-20240301-en.pdf", ContentFile(b"a"))
    second = default_storage.save("sponsor-reports/GLOW-26-20240301-en.pdf", ContentFile(b"b"))

    assert isinstance(default_storage._wrapped, S3Storage)
    # Two agencies' reports for the same campaign code keep their own files.
    assert first != second
    assert [bucket.read(first), bucket.read(second)] == [b"a", b"b"]
    # No grant beyond the owner's: nothing is readable without credentials.
    grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=first)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    # Were a URL ever made, it would be signed and short-lived.
    query = parse_qs(urlsplit(default_storage.url(first)).query)
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query


# --- logo → sponsor report PDF, generated report stored and downloaded --------------------------


def test_a_logo_from_the_settings_page_is_on_the_report_stored_and_downloaded_from_the_bucket(
    bucket, agency, owner_client, manager_client, django_capture_on_commit_callbacks
):
    settings_url = reverse("agencies:settings", args=[agency.slug])
    response = owner_client.post(
        settings_url,
        {
            "name": agency.name,
            "timezone": agency.timezone,
            "default_currency": agency.default_currency,
            "business_days": ["0", "1", "2", "3", "4"],
            "business_day_start": "09:00",
            "business_day_end": "17:30",
            "brand_color": "#123456",
            "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert bucket.keys("agency-logos/") == [agency.logo.name]

    # The settings page shows it through the app, streamed from the bucket.
    page = owner_client.get(settings_url).content.decode()
    assert f'src="{logo_url(agency)}"' in page and bucket.name not in page
    assert _body(owner_client.get(logo_url(agency))) == bucket.read(agency.logo.name)

    # A report is requested; the task renders it (the logo read from the bucket) and stores it.
    campaign = CampaignFactory(agency=agency)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(
            reverse("campaigns:report-request", args=[agency.slug, campaign.pk]),
            {"language": "en"},
            HTTP_HX_REQUEST="true",
        )
    report = SponsorReport.objects.get()
    assert report.status == "done"
    assert bucket.keys("sponsor-reports/") == [report.file.name]

    download_url = reverse("campaigns:report-download", args=[agency.slug, report.pk])
    download = manager_client.get(download_url)
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    pdf = _body(download)
    assert pdf == bucket.read(report.file.name) and pdf.startswith(b"%PDF")
    # One 40 x 20 image in the PDF: the logo.
    assert re.search(r"image\s+40\s+20\b", _pdf_images(pdf))

    # The API and the sponsor's share link hand out the same file.
    api = manager_client.get(
        reverse("api:sponsor-report-download", kwargs={"agency_slug": agency.slug, "pk": report.pk})
    )
    assert _body(api) == pdf
    link = share_link_create(agency=agency, report=report, actor=report.created_by, days=7)
    shared = Client().get(reverse("report_share:download", kwargs={"token": share_token(link)}))
    assert _body(shared) == pdf


def test_another_agency_gets_404_for_a_report_in_the_bucket(
    bucket, agency, other_agency, outsider_client, django_capture_on_commit_callbacks, manager
):
    campaign = CampaignFactory(agency=agency)
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("campaigns:report-request", args=[agency.slug, campaign.pk]),
            {"language": "en"},
            HTTP_HX_REQUEST="true",
        )
    report = SponsorReport.objects.get()
    assert bucket.keys("sponsor-reports/") == [report.file.name]

    for slug in (agency.slug, other_agency.slug):
        url = reverse("campaigns:report-download", args=[slug, report.pk])
        assert outsider_client.get(url).status_code == 404


# --- a large bank file, imported by a worker from the bucket ------------------------------------


def test_a_queued_bank_file_is_read_from_the_bucket_by_the_import_task(
    bucket, agency, finance_client, settings, monkeypatch, tmp_path
):
    settings.BANK_IMPORT_ASYNC_BYTES = 1000
    # Small enough that the file spills from memory to a temporary file when read back, and
    # is parsed by the forked helper process, as a 100 MB statement would be.
    storage = settings.STORAGES["default"]
    storage = {**storage, "OPTIONS": {**storage["OPTIONS"], "max_memory_size": 1024}}
    settings.STORAGES = {**settings.STORAGES, "default": storage}
    monkeypatch.setattr("payouts.bank_import.PARSE_AHEAD_BYTES", 1024)
    data = io.BytesIO()
    write_camt053(data, list(random_transactions(40, seed=9)), account_iban=IBAN)
    assert len(data.getvalue()) > 1000
    acct = account(agency, iban=IBAN)

    # The web process stores the file and queues the task (not run: no on-commit capture).
    response = finance_client.post(
        reverse("payouts:bank_import", kwargs={"agency_slug": agency.slug, "pk": acct.pk}),
        {"file": SimpleUploadedFile("statement.xml", data.getvalue()), "format": ""},
    )
    assert response.status_code == 302
    queued = BankImport.objects.get()
    assert queued.status == "queued"
    assert bucket.keys("bank-imports/") == [queued.upload.name]
    assert bucket.read(queued.upload.name) == data.getvalue()

    # A worker on another machine: its own empty disk, the bucket in common.
    settings.MEDIA_ROOT = str(tmp_path / "worker-disk")
    bank_import_run(agency.pk, queued.pk, "en")

    done = BankImport.objects.get()
    assert (done.status, done.format, done.transaction_count) == ("done", "camt053", 40)
    assert BankTransaction.objects.filter(bank_import=done).count() == 40
    # Once imported, the stored copy is gone from the bucket.
    assert not done.upload and bucket.keys("bank-imports/") == []
    assert not (tmp_path / "worker-disk").exists()


# --- signed contract PDFs -----------------------------------------------------------------------


def test_a_signed_contract_pdf_is_kept_in_the_bucket_and_handed_to_this_agency_only(
    bucket, agency, other_agency, manager_client, outsider_client
):
    contract = ContractFactory(
        agency=agency, creators=[CreatorFactory(agency=agency)], status="sent"
    )
    signed = b"%PDF-1.7\n% signed by both parties\n%%EOF\n"

    response = manager_client.post(
        reverse("campaigns:contract-pdf-upload", args=[agency.slug, contract.pk]),
        {"signed_pdf": SimpleUploadedFile("signed.pdf", signed, "application/pdf")},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert bucket.keys("contracts/") == [contract.signed_pdf.name]

    url = reverse("campaigns:contract-pdf", args=[agency.slug, contract.pk])
    download = manager_client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    assert _body(download) == signed
    # The detail page links the app's download, never the bucket.
    detail = manager_client.get(
        reverse("campaigns:contract-detail", args=[agency.slug, contract.pk])
    ).content.decode()
    assert url in detail and bucket.name not in detail

    # Another agency's member: 404 under either agency's address.
    assert outsider_client.get(url).status_code == 404
    theirs = reverse("campaigns:contract-pdf", args=[other_agency.slug, contract.pk])
    assert outsider_client.get(theirs).status_code == 404

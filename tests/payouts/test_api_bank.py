"""The API twins of the bank pages: bank accounts, uploading a bank statement file (imported at
once, or queued for the task above BANK_IMPORT_ASYNC_BYTES, as on the page) and the imports
with their status."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from bench.generators.camt053 import random_transactions, write_camt053
from payouts.models import BankAccount, BankImport, BankTransaction
from tests.agencies.support import scoping_queries

from .builders import account

pytestmark = pytest.mark.django_db
IBAN = "NL55INGB0000000001"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def url(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def camt(count=3, iban=IBAN) -> bytes:
    out = io.BytesIO()
    write_camt053(out, list(random_transactions(count, seed=9)), account_iban=iban)
    return out.getvalue()


def upload(client, agency, data: bytes, *, name="statement.xml", fmt="", acct=None):
    acct = acct or account(agency, iban=IBAN)
    payload = {"file": SimpleUploadedFile(name, data), "format": fmt}
    return client.post(url(agency, "bank-file-upload", pk=acct.pk), payload)


def stored_files(media) -> list:
    folder = media / "bank-imports"
    return list(folder.iterdir()) if folder.exists() else []


# --- upload -----------------------------------------------------------------------------------


def test_a_small_file_is_imported_at_once_201_with_its_counts(
    finance_client, finance, agency, settings, _media
):
    settings.BANK_IMPORT_ASYNC_BYTES = 10 * 1024 * 1024

    response = upload(finance_client, agency, camt())

    assert response.status_code == 201, response.content
    body = response.json()
    bank_import = BankImport.objects.get()
    assert (body["id"], body["status"], body["new_count"], body["format"]) == (
        bank_import.pk,
        "done",
        3,
        "camt053",
    )
    assert BankTransaction.objects.filter(agency=agency).count() == 3
    assert AuditLog.objects.get(action="bank_import.create").actor == finance
    assert stored_files(_media) == []


def test_the_same_file_again_adds_nothing(finance_client, agency, settings):
    settings.BANK_IMPORT_ASYNC_BYTES = 10 * 1024 * 1024
    upload(finance_client, agency, camt())

    again = upload(finance_client, agency, camt())

    assert again.status_code == 201
    assert (again.json()["new_count"], again.json()["duplicate_count"]) == (0, 3)
    assert BankTransaction.objects.count() == 3


def test_a_large_file_is_queued_202_then_the_task_imports_it(
    finance_client, finance, agency, settings, django_capture_on_commit_callbacks, _media
):
    settings.BANK_IMPORT_ASYNC_BYTES = 1000
    data = camt(count=40)
    assert len(data) > 1000

    with django_capture_on_commit_callbacks(execute=True):  # the eager task, on commit
        response = upload(finance_client, agency, data)

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    assert AuditLog.objects.filter(action="bank_import.queue", actor=finance).exists()
    detail = finance_client.get(url(agency, "bank-import-detail", pk=response.json()["id"]))
    assert (detail.json()["status"], detail.json()["new_count"]) == ("done", 40)
    assert stored_files(_media) == []


def test_a_queued_file_the_task_refuses_shows_failed_with_the_reason(
    finance_client, agency, settings, django_capture_on_commit_callbacks
):
    settings.BANK_IMPORT_ASYNC_BYTES = 100
    broken = camt(count=5).replace(b"</Document>", b"")

    with django_capture_on_commit_callbacks(execute=True):
        response = upload(finance_client, agency, broken)

    assert response.status_code == 202
    detail = finance_client.get(url(agency, "bank-import-detail", pk=response.json()["id"]))
    assert detail.json()["status"] == "failed"
    assert detail.json()["error"].startswith("Nothing was imported.")
    assert not BankTransaction.objects.exists()


def test_a_file_above_the_limit_is_a_400_and_nothing_is_stored(
    finance_client, agency, settings, _media
):
    settings.BANK_IMPORT_ASYNC_BYTES = 100
    settings.BANK_IMPORT_MAX_BYTES = 1000

    response = upload(finance_client, agency, camt(count=40))

    assert response.status_code == 400
    assert "larger than the limit" in response.json()["file"][0]
    assert not BankImport.objects.exists()
    assert stored_files(_media) == []


@pytest.mark.parametrize(
    ("data", "fmt", "field"),
    [
        (b"this is no bank statement", "", "file"),
        (b"", "", "file"),
        (b"\x00\x01\x02binary", "", "file"),
        (b"<Document>", "camt053", "file"),
        (b"whatever", "pdf", "format"),
    ],
)
def test_a_bad_file_is_a_400_saying_why_and_writes_nothing(
    finance_client, agency, settings, data, fmt, field
):
    settings.BANK_IMPORT_ASYNC_BYTES = 10 * 1024 * 1024

    response = upload(finance_client, agency, data, fmt=fmt)

    assert response.status_code == 400
    assert field in response.json()
    assert not BankImport.objects.exists()
    assert not BankTransaction.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="bank_import").exists()


def test_a_file_for_another_account_is_refused_and_writes_nothing(finance_client, agency):
    response = upload(finance_client, agency, camt(iban="NL91ABNA0417164300"))

    assert response.status_code == 400
    assert "file" in response.json()
    assert not BankTransaction.objects.exists()


def test_no_file_is_a_400(finance_client, agency):
    acct = account(agency, iban=IBAN)

    response = finance_client.post(url(agency, "bank-file-upload", pk=acct.pk), {"format": ""})

    assert response.status_code == 400
    assert "file" in response.json()


def test_a_json_body_is_refused_415(finance_client, agency):
    acct = account(agency, iban=IBAN)

    response = finance_client.post(
        url(agency, "bank-file-upload", pk=acct.pk), "{}", content_type="application/json"
    )

    assert response.status_code == 415


def test_a_manager_cannot_upload_and_another_agencys_account_is_a_404(
    manager_client, finance_client, agency, other_agency
):
    assert upload(manager_client, agency, camt()).status_code == 403
    theirs = account(other_agency, iban=IBAN)
    assert upload(finance_client, agency, camt(), acct=theirs).status_code == 404
    assert not BankImport.objects.exists()


# --- imports ----------------------------------------------------------------------------------


def test_imports_are_listed_newest_first_and_filter_by_status_and_account(
    manager_client, agency, other_agency
):
    acct = account(agency, iban=IBAN)
    other = account(agency, iban="NL91ABNA0417164300")
    done = BankImport.objects.create(agency=agency, bank_account=acct, file_name="a.xml", sha256="")
    failed = BankImport.objects.create(
        agency=agency,
        bank_account=other,
        file_name="b.xml",
        sha256="",
        status="failed",
        error="Nothing was imported.",
    )
    BankImport.objects.create(
        agency=other_agency, bank_account=account(other_agency), file_name="theirs", sha256=""
    )

    def ids(**query):
        response = manager_client.get(url(agency, "bank-import-list"), query)
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["results"]]

    assert ids() == [failed.pk, done.pk]
    assert ids(status="failed") == [failed.pk]
    assert ids(bank_account=acct.pk) == [done.pk]
    body = manager_client.get(url(agency, "bank-import-detail", pk=failed.pk)).json()
    assert (body["error"], body["bank_account_iban"]) == ("Nothing was imported.", other.iban)


@pytest.mark.parametrize("query", [{"status": "lost"}, {"bank_account": "x"}])
def test_a_bad_import_filter_is_a_400_naming_it(finance_client, agency, query):
    response = finance_client.get(url(agency, "bank-import-list"), query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_another_agencys_account_is_refused_as_a_filter(finance_client, agency, other_agency):
    theirs = account(other_agency)

    response = finance_client.get(url(agency, "bank-import-list"), {"bank_account": theirs.pk})

    assert response.status_code == 400


def test_another_agencys_import_is_a_404(finance_client, agency, other_agency):
    theirs = BankImport.objects.create(
        agency=other_agency, bank_account=account(other_agency), file_name="x", sha256=""
    )

    assert finance_client.get(url(agency, "bank-import-detail", pk=theirs.pk)).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_import_list_costs_the_same_queries_for_3_or_30_rows(
    finance_client, agency, size, django_assert_num_queries
):
    for i in range(size):
        acct = account(agency, iban=IBAN if i % 2 else "NL91ABNA0417164300")
        BankImport.objects.create(agency=agency, bank_account=acct, file_name=f"{i}", sha256="")
    target = url(agency, "bank-import-list")
    finance_client.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: count, the page of imports with their accounts.
    with django_assert_num_queries(5 + 2 + scoping_queries()):
        response = finance_client.get(target)
    assert response.json()["count"] == size


# --- bank accounts ----------------------------------------------------------------------------


def test_finance_adds_a_bank_account_and_it_is_audited(finance_client, finance, agency):
    response = finance_client.post(
        url(agency, "bank-account-list"),
        json.dumps({"name": "Payouts", "iban": "nl91 abna 0417 1643 00", "currency": "EUR"}),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["iban"] == "NL91ABNA0417164300"
    assert AuditLog.objects.get(action="bank_account.create").actor == finance
    listed = finance_client.get(url(agency, "bank-account-list")).json()
    assert [a["name"] for a in listed] == ["Payouts"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "A", "iban": "NL00BANK0000000000", "currency": "EUR"}, "iban"),
        ({"name": "A", "iban": "NL91ABNA0417164300", "currency": "XXX"}, "currency"),
        ({"name": "", "iban": "NL91ABNA0417164300", "currency": "EUR"}, "name"),
        ({"name": "Twice", "iban": "NL55INGB0000000001", "currency": "EUR"}, "iban"),
    ],
)
def test_a_bad_bank_account_is_a_400_and_writes_nothing(finance_client, agency, body, field):
    account(agency, iban=IBAN)

    response = finance_client.post(
        url(agency, "bank-account-list"), json.dumps(body), content_type="application/json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert BankAccount.objects.filter(agency=agency).count() == 1
    assert not AuditLog.objects.filter(action="bank_account.create").exists()


@pytest.mark.parametrize("size", [1, 12])
def test_the_account_list_costs_the_same_queries_for_1_or_12_accounts(
    finance_client, agency, size, django_assert_num_queries
):
    for i in range(size):
        BankAccount.objects.create(
            agency=agency, name=f"A{i}", iban=f"NL{i:02d}TEST{i:010d}", currency="EUR"
        )
    target = url(agency, "bank-account-list")
    finance_client.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: the accounts.
    with django_assert_num_queries(5 + 1 + scoping_queries()):
        response = finance_client.get(target)
    assert len(response.json()) == size

"""Large bank statements: stored and imported by a Celery task (eager in tests) with a status
the page shows; small ones stay in the request. XML element and entry limits."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from bench.generators.camt053 import random_transactions, write_camt053
from payouts.bank_import import bank_import_execute, bank_statement_import
from payouts.models import BankImport, BankTransaction
from payouts.parsers import StatementParseError, open_statement, parse_statement
from payouts.tasks import bank_import_run

from .builders import account

pytestmark = pytest.mark.django_db
IBAN = "NL55INGB0000000001"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def camt(count=3, iban=IBAN) -> bytes:
    out = io.BytesIO()
    write_camt053(out, list(random_transactions(count, seed=9)), account_iban=iban)
    return out.getvalue()


def import_url(agency) -> str:
    acct = account(agency, iban=IBAN)
    return reverse("payouts:bank_import", kwargs={"agency_slug": agency.slug, "pk": acct.pk})


def post(client, agency, data: bytes, name="statement.xml", capture=None):
    url = import_url(agency)
    payload = {"file": SimpleUploadedFile(name, data), "format": ""}
    if capture is None:
        return client.post(url, payload)
    with capture(execute=True):  # run the on-commit task (eager Celery) as production would
        return client.post(url, payload)


def status_page(client, agency, bank_import, **extra):
    url = reverse(
        "payouts:bank_import_status", kwargs={"agency_slug": agency.slug, "pk": bank_import.pk}
    )
    return client.get(url, **extra)


def stored_files(media) -> list:
    folder = media / "bank-imports"
    return list(folder.iterdir()) if folder.exists() else []


# --- the two paths through the real view --------------------------------------------------------


def test_a_small_file_is_still_imported_in_the_request(finance_client, agency, settings, _media):
    settings.BANK_IMPORT_ASYNC_BYTES = 10 * 1024 * 1024
    response = post(finance_client, agency, camt())
    assert response.status_code == 302
    assert response["Location"].endswith("/payouts/bank/")
    bank_import = BankImport.objects.get()
    assert (bank_import.status, bank_import.new_count) == ("done", 3)
    assert not bank_import.upload and stored_files(_media) == []


def test_a_large_file_is_queued_then_imported_by_the_task(
    finance_client, finance, agency, settings, django_capture_on_commit_callbacks, _media
):
    settings.BANK_IMPORT_ASYNC_BYTES = 1000
    data = camt(count=40)
    assert len(data) > 1000

    response = post(finance_client, agency, data, capture=django_capture_on_commit_callbacks)

    bank_import = BankImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "payouts:bank_import_status", kwargs={"agency_slug": agency.slug, "pk": bank_import.pk}
    )
    assert (bank_import.status, bank_import.format, bank_import.transaction_count) == (
        "done",
        "camt053",
        40,
    )
    assert BankTransaction.objects.filter(bank_import=bank_import).count() == 40
    assert bank_import.finished_at is not None and bank_import.sha256
    # The stored copy is gone once imported.
    assert not bank_import.upload and stored_files(_media) == []
    actions = list(
        AuditLog.objects.filter(action__startswith="bank_import")
        .order_by("pk")
        .values_list("action", "actor")
    )
    assert actions == [("bank_import.queue", finance.pk), ("bank_import.create", finance.pk)]
    page = status_page(finance_client, agency, bank_import).content.decode()
    assert "Done" in page and "statement.xml" in page


def test_the_queued_file_waits_with_its_status_shown(
    finance_client, agency, settings, monkeypatch, _media
):
    # No on-commit execution here: the worker has not picked the file up yet.
    settings.BANK_IMPORT_ASYNC_BYTES = 1000
    response = post(finance_client, agency, camt(count=40))
    bank_import = BankImport.objects.get()
    assert response.status_code == 302
    assert bank_import.status == "queued" and bank_import.upload
    assert len(stored_files(_media)) == 1
    assert not BankTransaction.objects.exists()
    fragment = status_page(finance_client, agency, bank_import, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "Queued" in body and 'hx-trigger="every 2s"' in body and "<html" not in body


def test_a_bad_large_file_fails_with_the_same_message_and_writes_nothing(
    finance_client, agency, settings, django_capture_on_commit_callbacks, _media
):
    settings.BANK_IMPORT_ASYNC_BYTES = 1000
    data = camt(count=40)
    # A bad amount in the last entry: everything before it was parsed and batched first.
    start = data.rfind(b'<Amt Ccy="EUR">')
    data = data[:start] + b'<Amt Ccy="EUR">12,3,4' + data[data.index(b"</Amt>", start) :]

    post(finance_client, agency, data, capture=django_capture_on_commit_callbacks)

    bank_import = BankImport.objects.get()
    assert bank_import.status == "failed"
    assert bank_import.error.startswith(
        "Nothing was imported. Element /Document/BkToCstmrStmt/Stmt[1]/Ntry[40]"
    ), bank_import.error
    assert not BankTransaction.objects.exists()
    assert bank_import.transaction_count == 0
    assert stored_files(_media) == []
    assert AuditLog.objects.filter(action="bank_import.fail").count() == 1
    assert not AuditLog.objects.filter(action="bank_import.create").exists()
    page = status_page(finance_client, agency, bank_import).content.decode()
    assert "Failed" in page and "Nothing was imported." in page
    assert 'hx-trigger="every 2s"' not in page

    # The same file in the request (below the threshold) gives the same message.
    settings.BANK_IMPORT_ASYNC_BYTES = 10 * 1024 * 1024
    response = post(finance_client, agency, data)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [bank_import.error]


def test_another_accounts_large_file_fails_with_a_clear_message(
    finance_client, agency, settings, django_capture_on_commit_callbacks
):
    settings.BANK_IMPORT_ASYNC_BYTES = 1000
    data = camt(count=40, iban="DE89370400440532013000")
    post(finance_client, agency, data, capture=django_capture_on_commit_callbacks)
    bank_import = BankImport.objects.get()
    assert bank_import.status == "failed"
    assert bank_import.error == (
        "Nothing was imported. The file is for account DE89370400440532013000, "
        "not NL55INGB0000000001."
    )
    assert not BankTransaction.objects.exists()


def test_a_file_over_the_upload_limit_is_refused_before_it_is_stored(
    finance_client, agency, settings, _media
):
    settings.BANK_IMPORT_ASYNC_BYTES = 100
    settings.BANK_IMPORT_MAX_BYTES = 1000
    response = post(finance_client, agency, camt(count=40))
    assert response.status_code == 400
    assert "larger than the limit" in response.context["form"].errors["file"][0]
    assert not BankImport.objects.exists() and stored_files(_media) == []


def test_the_upload_limit_is_100_mb_by_default():
    from django.conf import settings

    assert settings.BANK_IMPORT_MAX_BYTES == 100 * 1024 * 1024
    assert settings.BANK_IMPORT_ASYNC_BYTES == 5 * 1024 * 1024


# --- the task itself ------------------------------------------------------------------------------


def queued(agency, finance, data: bytes, _media) -> BankImport:
    from django.core.files.base import ContentFile

    from payouts.bank_import import bank_import_queue

    return bank_import_queue(
        account=account(agency, iban=IBAN),
        actor=finance,
        upload=ContentFile(data, name="x.xml"),
        file_name="x.xml",
    )


def test_the_task_is_idempotent_once_done(agency, finance, _media):
    bank_import = queued(agency, finance, camt(count=5), _media)
    assert bank_import_run(agency.pk, bank_import.pk) == {
        "import": bank_import.pk,
        "status": "done",
    }
    bank_import_run(agency.pk, bank_import.pk)  # delivered again
    assert BankTransaction.objects.count() == 5
    assert AuditLog.objects.filter(action="bank_import.create").count() == 1


def test_an_import_left_importing_by_a_killed_worker_is_redone(agency, finance, _media):
    bank_import = queued(agency, finance, camt(count=5), _media)
    BankImport.objects.filter(pk=bank_import.pk).update(status="importing")
    result = bank_import_execute(agency_id=agency.pk, import_id=bank_import.pk)
    assert (result.status, result.new_count) == ("done", 5)


def test_the_task_cannot_reach_another_agencys_import(agency, other_agency, finance, _media):
    bank_import = queued(agency, finance, camt(count=5), _media)
    with pytest.raises(BankImport.DoesNotExist):
        bank_import_run(other_agency.pk, bank_import.pk)
    bank_import.refresh_from_db()
    assert bank_import.status == "queued"


def test_an_unexpected_crash_marks_the_import_failed_and_writes_nothing(
    agency, finance, monkeypatch, _media
):
    import payouts.bank_import as module

    bank_import = queued(agency, finance, camt(count=5), _media)

    def crash(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(module, "_insert", crash)
    with pytest.raises(RuntimeError):
        bank_import_run(agency.pk, bank_import.pk)
    bank_import.refresh_from_db()
    assert bank_import.status == "failed"
    assert bank_import.error == "The import stopped unexpectedly; upload again."
    assert not BankTransaction.objects.exists() and stored_files(_media) == []


def test_the_failure_message_is_in_the_uploaders_language(agency, finance, settings, _media):
    settings.BANK_IMPORT_MAX_ENTRIES = 2
    bank_import = queued(agency, finance, camt(count=5), _media)
    bank_import_run(agency.pk, bank_import.pk, "nl")
    bank_import.refresh_from_db()
    assert bank_import.status == "failed"
    assert bank_import.error.startswith("Er is niets geïmporteerd.")


# --- element and entry limits ---------------------------------------------------------------------


def test_a_camt_file_of_millions_of_tiny_elements_is_refused_at_the_limit(agency, finance):
    head = camt(count=1).split(b"<Ntry>", 1)[0]
    bomb = head + b"<Ntry>" + b"<a/>" * 200_000 + b"</Ntry></Stmt></BkToCstmrStmt></Document>"
    with pytest.raises(StatementParseError) as error:
        list(open_statement(bomb, max_elements=50_000))
    assert "more than 50,000 XML elements" in str(error.value)
    assert str(error.value).startswith("Line 4:")  # where the entry full of them starts


def test_the_element_limit_names_the_line_where_it_is_crossed():
    data = camt(count=30)
    limit = 200
    with pytest.raises(StatementParseError) as error:
        list(open_statement(io.BytesIO(data), max_elements=limit))
    # The 201st start tag's line, counted independently.
    text = data.decode()
    position, seen = 0, 0
    for index, char in enumerate(text):
        if char == "<" and text[index + 1] != "/":
            seen += 1
            if seen == limit + 1:
                position = index
                break
    assert error.value.line == text.count("\n", 0, position) + 1


def test_a_normal_file_is_well_under_the_element_limit():
    result = parse_statement(camt(count=30), max_elements=30 * 40, max_entries=30)
    assert len(result.transactions) == 30


def test_an_ofx_file_with_too_many_elements_is_refused():
    body = "<OFX><BANKMSGSRSV1>" + "<X>1" * 5_000 + "</BANKMSGSRSV1></OFX>"
    with pytest.raises(StatementParseError, match="more than 1,000 XML elements"):
        parse_statement(("OFXHEADER:100\n" + body).encode(), max_elements=1_000)


def test_too_many_entries_are_refused_through_the_upload_page(finance_client, agency, settings):
    settings.BANK_IMPORT_MAX_ENTRIES = 10
    response = post(finance_client, agency, camt(count=11))
    assert response.status_code == 400
    [message] = response.context["form"].errors["file"]
    assert "more than 10 transactions" in message and message.startswith("Nothing was imported.")
    assert not BankImport.objects.exists() and not BankTransaction.objects.exists()


def test_too_many_elements_are_refused_through_the_service(agency, finance, settings):
    settings.BANK_IMPORT_MAX_XML_ELEMENTS = 100
    with pytest.raises(StatementParseError, match="more than 100 XML elements"):
        bank_statement_import(
            account=account(agency, iban=IBAN), actor=finance, data=camt(20), file_name="x.xml"
        )
    assert not BankImport.objects.exists() and not BankTransaction.objects.exists()


def test_a_large_file_is_parsed_ahead_inside_a_daemonic_celery_worker_too(
    agency, finance, monkeypatch
):
    # Celery's prefork workers are daemonic: the standard library would refuse to fork the
    # parsing helper there ("daemonic processes are not allowed to have children").
    import multiprocessing

    import payouts.bank_import as module

    monkeypatch.setitem(multiprocessing.current_process()._config, "daemon", True)
    monkeypatch.setattr(module, "PARSE_AHEAD_BYTES", 0)
    with pytest.raises(AssertionError, match="daemonic"):
        multiprocessing.get_context("fork").Process(target=print).start()

    result = bank_statement_import(
        account=account(agency, iban=IBAN), actor=finance, data=camt(50), file_name="x.xml"
    )

    assert (result.status, result.new_count) == ("done", 50)


def test_a_queue_that_fails_to_save_leaves_no_row_and_no_stored_file(
    agency, finance, monkeypatch, _media
):
    def broken_audit(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("payouts.bank_import.audit_record", broken_audit)

    with pytest.raises(RuntimeError, match="audit log unavailable"):
        queued(agency, finance, camt(count=5), _media)

    assert not BankImport.objects.exists()
    assert stored_files(_media) == []

"""The payouts pages: lists with filters and pages at a constant number of queries, and the
upload pages' error paths (one clear message, nothing written)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from bench.generators.camt053 import random_transactions, write_camt053
from payouts.models import BankImport, BankTransaction, PayoutStatement, ReconciliationRun
from payouts.reconciliation import reconcile
from payouts.services import commission_set
from tests.agencies.support import scoping_queries

from .builders import account, credit, statement

pytestmark = pytest.mark.django_db
IBAN = "NL55INGB0000000001"


def page(agency, name: str, **kwargs) -> str:
    return reverse(f"payouts:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def rows(agency, size: int) -> None:
    """`size` statements, credits and runs: a third matched by reference, a third by
    amount, a third ambiguous (two statements of one amount) in the exceptions queue."""
    for i in range(size):
        s = statement(agency, f"TT-{i:03d}", f"{100 + i}.00")
        kind = i % 3
        if kind == 0:
            credit(agency, f"{100 + i}.00", remittance=f"TT-{i:03d}")
        elif kind == 1:
            credit(agency, f"{100 + i}.00", remittance="payout")
        else:
            statement(agency, f"TT-{i:03d}-TWIN", f"{100 + i}.00")
            credit(agency, f"{100 + i}.00", remittance="payout")
        commission_set(creator=s.creator, actor=None, rate="0.1500")
    reconcile(agency=agency)
    ReconciliationRun.objects.bulk_create(ReconciliationRun(agency=agency) for _ in range(size))


def assert_queries(client, url: str, expected: int, django_assert_num_queries):
    client.get(url)  # the first visit also saves the session
    with django_assert_num_queries(expected + scoping_queries()):
        response = client.get(url)
    assert response.status_code == 200
    return response


# session, user, memberships + agencies (agency_view), savepoint + release (ATOMIC_REQUESTS): 6 on
# every page.
BASE = 5


@pytest.mark.parametrize("size", [5, 60])
def test_the_statements_list_costs_the_same_queries_for_5_or_60(
    finance_client, agency, size, django_assert_num_queries
):
    rows(agency, size)
    # BASE, count, the page of statements with their creators, the creator choices of the
    # filter form.
    response = assert_queries(
        finance_client,
        page(agency, "index") + "?status=settled&q=TT",
        BASE + 3,
        django_assert_num_queries,
    )
    # Still settled: the ambiguous ones (two statements a third of the time).
    assert len(response.context["page_obj"].object_list) == 2 * (size // 3)


@pytest.mark.parametrize("size", [5, 60])
def test_the_runs_list_costs_the_same_queries_for_5_or_60(
    finance_client, agency, size, django_assert_num_queries
):
    rows(agency, size)
    # BASE, count, the page of runs, the summary: open amounts on statements, open amounts
    # on credits, the number of exceptions waiting.
    response = assert_queries(
        finance_client, page(agency, "runs"), BASE + 5, django_assert_num_queries
    )
    assert len(response.context["page_obj"].object_list) == min(50, size)


@pytest.mark.parametrize("size", [5, 60])
def test_the_exceptions_queue_costs_the_same_queries_for_5_or_60(
    finance_client, agency, size, django_assert_num_queries
):
    rows(agency, size)
    # BASE, count, the page of proposals with their statements, creators and deposits,
    # the open issues (returns, missing rates) with their deposits and statements, the
    # recent confirmed matches with their statements and deposits.
    response = assert_queries(
        finance_client, page(agency, "exceptions"), BASE + 4, django_assert_num_queries
    )
    assert len(response.context["page_obj"].object_list) == min(50, 2 * (size // 3))


@pytest.mark.parametrize("size", [5, 60])
def test_the_bank_transactions_list_costs_the_same_queries_for_5_or_60(
    finance_client, agency, size, django_assert_num_queries
):
    rows(agency, size)
    # BASE, count, the page of transactions with their accounts, the account choices of the
    # filter form.
    response = assert_queries(
        finance_client,
        page(agency, "transactions") + "?credit_debit=credit&open=false",
        BASE + 3,
        django_assert_num_queries,
    )
    # Allocated in full: all but the ambiguous third.
    assert len(response.context["page_obj"].object_list) == size - size // 3


@pytest.mark.parametrize("size", [5, 60])
def test_the_commission_list_costs_the_same_queries_for_5_or_60(
    finance_client, agency, size, django_assert_num_queries
):
    rows(agency, size)
    # BASE, the payout settings (default rate), count, the page of creators with their
    # rates, the creator choices of the form.
    response = assert_queries(
        finance_client, page(agency, "commissions"), BASE + 4, django_assert_num_queries
    )
    assert len(response.context["page_obj"].object_list) == min(50, size + size // 3)


def test_the_transactions_list_filters_and_shows_only_this_agency(
    finance_client, agency, other_agency
):
    credit(agency, "10.00", remittance="TikTok payout")
    credit(agency, "20.00", remittance="Rent", debit=True)
    credit(other_agency, "30.00", remittance="TikTok payout")

    everything = finance_client.get(page(agency, "transactions"))
    credits = finance_client.get(page(agency, "transactions") + "?credit_debit=credit")
    searched = finance_client.get(page(agency, "transactions") + "?q=rent")

    assert [t.amount for t in everything.context["page_obj"]] == [20, 10]
    assert [t.amount for t in credits.context["page_obj"]] == [10]
    assert [t.amount for t in searched.context["page_obj"]] == [20]


def test_a_bad_filter_is_shown_by_its_field_and_ignored(finance_client, agency):
    statement(agency, "TT-1", "10.00")

    response = finance_client.get(page(agency, "index") + "?status=nope&period_from=x")

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"status", "period_from"}
    assert len(response.context["page_obj"].object_list) == 1


# --- Bank statement upload errors -------------------------------------------------------------


def camt(iban=IBAN, count=3) -> bytes:
    out = io.BytesIO()
    write_camt053(out, list(random_transactions(count, seed=9)), account_iban=iban)
    return out.getvalue()


MT940 = "\r\n".join(
    [
        ":20:STMT-1",
        f":25:{IBAN}",
        ":28C:1/1",
        ":60F:C250101EUR100,00",
        ":61:2501020102C50,00NTRFNONREF//BANKREF-1",
        ":86:/REMI/USTD//Payout TT-1/",
        ":61:2501030103C1x,00NTRFNONREF//BANKREF-2",
        ":86:/REMI/USTD//Payout TT-2/",
        ":62F:C250103EUR150,00",
        "-",
    ]
).encode()


def upload(client, agency, data: bytes, name: str = "statement.xml", fmt: str = ""):
    acct = account(agency, iban=IBAN)
    return client.post(
        page(agency, "bank_import", pk=acct.pk),
        {"file": SimpleUploadedFile(name, data), "format": fmt},
    )


def assert_one_message_and_nothing_written(response, *fragments: str) -> str:
    assert response.status_code == 400
    [message] = response.context["form"].errors["file"]
    assert message.startswith("Nothing was imported.")
    for fragment in fragments:
        assert fragment in message, message
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not BankImport.objects.exists() and not BankTransaction.objects.exists()
    assert not AuditLog.objects.filter(action="bank_import.create").exists()
    return message


def test_a_good_camt_file_is_imported_from_the_upload_page(finance_client, finance, agency):
    response = upload(finance_client, agency, camt())

    assert response.status_code == 302
    assert BankTransaction.objects.filter(agency=agency).count() == 3
    assert AuditLog.objects.get(action="bank_import.create").actor == finance


def test_an_oversized_upload_is_refused_before_reading(finance_client, agency, settings):
    settings.BANK_IMPORT_MAX_BYTES = 1000

    response = upload(finance_client, agency, camt(count=20))

    assert response.status_code == 400
    [message] = response.context["form"].errors["file"]
    assert "larger than the limit" in message
    assert not BankImport.objects.exists() and not BankTransaction.objects.exists()


def test_the_service_refuses_an_oversized_file_too(agency, finance, settings):
    from payouts.bank_import import bank_statement_import
    from payouts.parsers.errors import StatementParseError

    settings.BANK_IMPORT_MAX_BYTES = 1000
    with pytest.raises(StatementParseError, match="larger than the limit"):
        bank_statement_import(
            account=account(agency, iban=IBAN),
            actor=finance,
            data=camt(count=20),
            file_name="x.xml",
        )
    assert not BankTransaction.objects.exists()


def test_a_malformed_mt940_upload_names_the_line(finance_client, agency):
    response = upload(finance_client, agency, MT940, name="statement.sta")

    assert_one_message_and_nothing_written(response, "Line 7")


def test_a_malformed_camt_upload_names_the_element(finance_client, agency):
    data = camt().replace(b">BOOK<", b">BOOKED<", 1).replace(b"<Dt>20", b"<Dt>x20", 3)

    response = upload(finance_client, agency, data)

    assert_one_message_and_nothing_written(response, "Element /Document/BkToCstmrStmt/Stmt[1]")


def test_a_statement_of_another_account_is_refused(finance_client, agency):
    response = upload(finance_client, agency, camt(iban="DE89370400440532013000"))

    assert_one_message_and_nothing_written(
        response, "The file is for account DE89370400440532013000, not NL55INGB0000000001."
    )


def test_a_csv_upload_without_a_mapping_is_refused_with_the_way_out(finance_client, agency):
    response = upload(finance_client, agency, b"date,amount\n2025-01-01,10\n", name="x.csv")

    assert_one_message_and_nothing_written(response, "save a column mapping")


# --- Payout statement CSV upload errors -------------------------------------------------------


def test_an_oversized_statement_csv_is_refused(finance_client, agency, settings):
    settings.STATEMENT_IMPORT_MAX_BYTES = 10

    response = finance_client.post(
        page(agency, "statement_import"),
        {"file": SimpleUploadedFile("s.csv", b"platform_reference,creator_handle\n")},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == ["The file is larger than the import limit."]
    assert not PayoutStatement.objects.exists()


def test_a_statement_csv_with_bad_rows_lists_them_and_imports_nothing(finance_client, agency):
    data = (
        b"platform_reference,creator_handle,source,period_start,period_end,currency,"
        b"estimated_amount,settled_amount,status,settled_date\n"
        b"TT-1,@nobody,creativity_program,2025-01-01,2025-01-31,EUR,1.00,,estimated,\n"
    )

    response = finance_client.post(
        page(agency, "statement_import"), {"file": SimpleUploadedFile("s.csv", data)}
    )

    assert response.status_code == 400
    assert [str(e) for e in response.context["errors"]] == [
        "Line 2, column creator_handle: No creator in this agency has this handle."
    ]
    assert not PayoutStatement.objects.exists()

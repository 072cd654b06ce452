"""The reconciliation report as CSV and XLSX: right figures, right period, never a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from core.spreadsheets import FORMULA_PREFIXES, spreadsheet_unescape
from core.xlsx import xlsx_text
from payouts.exports import STAFF_COLUMNS, to_csv, to_xlsx
from payouts.reconciliation import match_manual
from payouts.services import statement_update
from tests.agencies.support import scoping_queries
from tests.campaigns.factories import ContractFactory
from tests.factories import CreatorFactory

from .builders import credit, statement

D = Decimal
pytestmark = pytest.mark.django_db

EVIL = ['=HYPERLINK("http://x.test","x")', "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR"]


def csv_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body, newline="")))


def sheet_of(response):
    return load_workbook(io.BytesIO(response.content)).active


def export_url(agency, fmt="csv", **query) -> str:
    url = reverse(f"payouts:export_{fmt}", kwargs={"agency_slug": agency.slug})
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@pytest.fixture
def reconciled(agency, finance):
    """A reconciled statement of a creator whose name is a formula."""
    creator = CreatorFactory(agency=agency, display_name=EVIL[0])
    s = statement(agency, "+TT-1", "100.00", creator=creator)
    txn = credit(agency, "100.00", remittance="payout")
    txn.bank_reference = "@BANKREF"
    txn.save()
    match_manual(statement=s, transaction_=txn, actor=finance)
    return s


def test_the_csv_report_has_the_figures_and_neutralises_formulas(
    finance_client, agency, reconciled
):
    response = finance_client.get(export_url(agency))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, row = csv_of(response)
    assert header == STAFF_COLUMNS
    values = dict(zip(header, row, strict=True))
    assert values["statement_reference"] == "'+TT-1"
    assert values["creator"] == "'" + EVIL[0]
    assert values["bank_transaction_reference"] == "'@BANKREF"
    assert (values["platform_amount"], values["commission"], values["due_to_creator"]) == (
        "100.00",
        "20.00",
        "80.00",
    )
    assert (values["received"], values["currency"], values["rule"], values["status"]) == (
        "100.00",
        "EUR",
        "manual",
        "reconciled",
    )
    assert values["deposits"] == "2025-02-03 @BANKREF 100.00 EUR"
    assert (values["still_to_pay"], values["expected_to_creator"]) == ("80.00", "")
    for cell in row:
        assert not cell.startswith(FORMULA_PREFIXES)


def test_the_xlsx_report_keeps_text_as_text_and_amounts_as_numbers(
    finance_client, agency, reconciled
):
    response = finance_client.get(export_url(agency, "xlsx"))

    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    sheet = sheet_of(response)
    header = [c.value for c in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=True)}
    assert header == STAFF_COLUMNS
    creator = row["creator"]
    assert (creator.value, creator.data_type, creator.quotePrefix) == (EVIL[0], "s", True)
    assert row["statement_reference"].value == "+TT-1"
    assert row["statement_reference"].data_type == "s"
    assert row["platform_amount"].value == 100 and row["platform_amount"].data_type == "n"
    # No formula anywhere in the workbook's XML.
    with zipfile.ZipFile(io.BytesIO(response.content)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_the_report_covers_only_statements_overlapping_the_period(finance_client, agency):
    statement(agency, "JAN", "10.00")  # period 2025-01-01 .. 2025-01-31
    march = statement(agency, "MAR", "10.00")
    march.period_start, march.period_end = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    march.save()

    response = finance_client.get(
        export_url(agency, period_from="2025-02-15", period_to="2025-03-02")
    )

    refs = [row[0] for row in csv_of(response)[1:]]
    assert refs == ["MAR"]
    sheet = sheet_of(finance_client.get(export_url(agency, "xlsx", period_to="2025-02-01")))
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["JAN"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"period_from": "2025-13-01"}, "period_from"),
        ({"period_from": "2025-03-01", "period_to": "2025-02-01"}, "period_to"),
    ],
)
def test_a_bad_period_answers_400_with_the_error_by_its_field(finance_client, agency, query, field):
    statement(agency, "JAN", "10.00")

    response = finance_client.get(export_url(agency, **query))

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert "attachment" not in response.get("Content-Disposition", "")


def test_another_agencys_statements_are_not_in_the_report(finance_client, agency, other_agency):
    statement(agency, "OURS", "10.00")
    statement(other_agency, "THEIRS", "10.00")

    refs = [row[0] for row in csv_of(finance_client.get(export_url(agency)))[1:]]

    assert refs == ["OURS"]


@pytest.mark.parametrize("size", [5, 60])
def test_the_report_costs_the_same_queries_for_5_or_60_statements(
    finance_client, agency, size, django_assert_num_queries
):
    creator = CreatorFactory(agency=agency)
    contract = ContractFactory(agency=agency, creators=[creator], commission_rate=Decimal("0.1"))
    for i in range(size):
        s = statement(agency, f"S-{i}", "10.00", creator=creator if i % 2 else None)
        if i % 2:  # contracts' rates come with the statements, not one query each
            statement_update(statement=s, actor=None, changes={"contract": contract})
    url = export_url(agency)
    finance_client.get(url)  # the first visit also saves the session
    # session, user, membership + agency (agency_view), savepoint + release (ATOMIC_REQUESTS);
    # then while streaming: payout settings (default commission), commission per creator,
    # the statements with their creators, their confirmed matches with their deposits, their
    # payments to creators.
    with django_assert_num_queries(10 + scoping_queries()):
        rows = csv_of(finance_client.get(url))
    assert len(rows) == 1 + size


# --- The writers themselves, for any text ---------------------------------------------------


def _row(text: str) -> dict:
    row = {c: text for c in STAFF_COLUMNS}
    row.update(platform_amount=D("-1.50"), commission=D("0"), period_start=dt.date(2025, 1, 1))
    return row


@given(text=st.text(max_size=40))
def test_no_text_ever_becomes_a_csv_formula_and_it_reads_back_unchanged(text):
    header, row = list(
        csv.reader(io.StringIO(to_csv([_row(text)], STAFF_COLUMNS).lstrip("\ufeff"), newline=""))
    )

    assert header == STAFF_COLUMNS
    creator = row[STAFF_COLUMNS.index("creator")]
    assert not creator.startswith(FORMULA_PREFIXES)
    assert spreadsheet_unescape(creator) == text


@given(text=st.text(max_size=40))
def test_no_text_ever_becomes_an_xlsx_formula_and_it_reads_back_unchanged(text):
    data = to_xlsx([_row(text)], STAFF_COLUMNS)

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(data)).active
    cells = {name: cell for name, cell in zip(STAFF_COLUMNS, sheet[2], strict=True)}
    creator = cells["creator"]
    assert creator.data_type in ("s", "inlineStr")  # text, never "f" (a formula)
    assert (creator.value or "") == xlsx_text(text)
    assert cells["platform_amount"].value == D("-1.50")
    assert cells["platform_amount"].data_type == "n"

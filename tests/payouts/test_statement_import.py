"""Payout statement CSV import: by header, every row validated, all or nothing, idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from agencies.models import AuditLog
from payouts.models import PayoutStatement
from payouts.reconciliation import reconcile
from payouts.services import dispute_open, hold_place, statement_update
from payouts.statement_import import StatementImportError, statement_import
from tests.factories import CreatorFactory, SocialAccountFactory

from .builders import credit

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


# --- Idempotent across the month ---------------------------------------------------------------

SETTLED = "TT-1,anna,creativity_program,2025-01-01,2025-01-31,EUR,100.00,98.50,settled,2025-02-05\n"


def reconciled(agency, finance) -> PayoutStatement:
    """TT-1 imported as settled, then matched to its deposit by a reconciliation run."""
    statement_import(agency=agency, actor=finance, data=(HEADER + SETTLED).encode())
    credit(agency, "98.50", remittance="TT-1", booking_date=dt.date(2025, 2, 7))
    reconcile(agency=agency)
    found = PayoutStatement.objects.get(platform_reference="TT-1")
    assert (found.status, found.allocated_amount) == ("reconciled", Decimal("98.50"))
    return found


def test_last_months_file_after_reconciling_is_reported_unchanged(agency, anna, finance):
    reconciled(agency, finance)

    result = statement_import(agency=agency, actor=finance, data=(HEADER + SETTLED).encode())

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert PayoutStatement.objects.get().status == "reconciled"


def test_a_real_change_to_a_reconciled_statement_is_refused_naming_row_and_column(
    agency, anna, finance
):
    reconciled(agency, finance)
    changed = SETTLED.replace("98.50", "99.00")
    audits = AuditLog.objects.count()

    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=(HEADER + changed).encode())

    (error,) = exc.value.errors
    assert (error.row, error.column) == (2, "settled_amount")
    assert "already matched" in error.message and "98.50" in error.message
    assert "99.00" in error.message
    assert PayoutStatement.objects.get().settled_amount == Decimal("98.50")
    assert AuditLog.objects.count() == audits


def test_a_statement_that_moved_on_here_is_not_moved_back_by_the_same_file(agency, anna, finance):
    statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())
    first = PayoutStatement.objects.get(platform_reference="TT-1")
    statement_update(statement=first, actor=finance, changes={"status": "paid_by_platform"})
    second = PayoutStatement.objects.get(platform_reference="TT-2")
    hold_place(statement=second, actor=finance, reason="Verification")

    result = statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert PayoutStatement.objects.get(platform_reference="TT-1").status == "paid_by_platform"
    assert PayoutStatement.objects.get(platform_reference="TT-2").status == "on_hold"


def test_a_disputed_statement_keeps_its_dispute_and_takes_a_new_amount(agency, anna, finance):
    statement_import(agency=agency, actor=finance, data=(HEADER + SETTLED).encode())
    dispute_open(
        statement=PayoutStatement.objects.get(), actor=finance, transaction_data="Views missing"
    )

    same = statement_import(agency=agency, actor=finance, data=(HEADER + SETTLED).encode())
    revised = SETTLED.replace("98.50", "99.75")
    changed = statement_import(agency=agency, actor=finance, data=(HEADER + revised).encode())

    assert (same.unchanged, changed.updated) == (1, 1)
    found = PayoutStatement.objects.get()
    assert (found.status, found.settled_amount) == ("disputed", Decimal("99.75"))
    entry = AuditLog.objects.filter(action="payout_statement.update").latest("id")
    assert (entry.before, entry.after) == ({"settled_amount": "98.50"}, {"settled_amount": "99.75"})


def test_a_file_cannot_take_back_a_settled_amount(agency, anna, finance):
    statement_import(agency=agency, actor=finance, data=(HEADER + SETTLED).encode())
    estimated = SETTLED.replace("98.50,settled,2025-02-05", ",estimated,")

    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=(HEADER + estimated).encode())

    assert (2, "settled_amount") in {(e.row, e.column) for e in exc.value.errors}
    assert PayoutStatement.objects.get().settled_amount == Decimal("98.50")


def test_a_status_the_lifecycle_does_not_allow_is_refused_on_its_row(agency, anna, finance):
    statement_import(agency=agency, actor=finance, data=(HEADER + SETTLED).encode())
    statement_update(
        statement=PayoutStatement.objects.get(),
        actor=finance,
        changes={"status": "paid_by_platform"},
    )
    on_hold = SETTLED.replace(",settled,", ",on_hold,")

    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=(HEADER + on_hold).encode())

    (error,) = exc.value.errors
    assert (error.row, error.column) == (2, "status")
    assert "cannot go from “Paid by platform” to “On hold”" in error.message


def test_the_import_is_audited_once_with_its_counts(agency, anna, finance):
    statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())
    data = HEADER + ROWS.replace(",,estimated,", ",1200.00,settled,2025-02-10")

    statement_import(agency=agency, actor=finance, data=data.encode())

    entries = AuditLog.objects.filter(action="payout_statement.import").order_by("id")
    assert [e.after for e in entries] == [
        {"rows": 2, "created": 2, "updated": 0, "unchanged": 0},
        {"rows": 2, "created": 0, "updated": 1, "unchanged": 1},
    ]
    assert {e.actor for e in entries} == {finance}
    update = AuditLog.objects.get(action="payout_statement.update")
    assert update.after == {
        "settled_amount": "1200.00",
        "status": "settled",
        "settled_date": "2025-02-10",
    }


# --- Size and cost -----------------------------------------------------------------------------


def many(count: int, status: str = "estimated") -> bytes:
    settled = "90.00" if status == "settled" else ""
    date = "2025-02-05" if status == "settled" else ""
    rows = "".join(
        f"TT-{i},anna,creator_fund,2025-01-01,2025-01-31,EUR,100.00,{settled},{status},{date}\n"
        for i in range(count)
    )
    return (HEADER + rows).encode()


@pytest.mark.parametrize("size", [10, 60])
def test_an_import_costs_the_same_queries_for_10_or_60_rows(
    agency, anna, finance, size, django_assert_num_queries
):
    # savepoint, handles, stored statements, savepoint, insert statements, insert audit
    # entries, the import's audit entry, release, release. (60 rows stay inside one
    # INSERT on SQLite too, whose batches are ~66 rows; PostgreSQL's are 2,000.)
    with django_assert_num_queries(9):
        result = statement_import(agency=agency, actor=finance, data=many(size))
    assert result.created == size
    # savepoint, handles, stored statements, savepoint, the import's audit entry, release,
    # release: nothing to write.
    with django_assert_num_queries(7):
        again = statement_import(agency=agency, actor=finance, data=many(size))
    assert again.unchanged == size
    # ... and settling every one: the stored statements again, locked, then one UPDATE
    # instead of the INSERT.
    with django_assert_num_queries(10):
        settled = statement_import(agency=agency, actor=finance, data=many(size, "settled"))
    assert settled.updated == size


def test_the_row_limit_of_statement_files_is_its_own(agency, anna, finance, settings):
    settings.CSV_IMPORT_MAX_ROWS = 1
    settings.STATEMENT_IMPORT_MAX_ROWS = 3

    assert statement_import(agency=agency, actor=finance, data=many(3)).created == 3
    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=many(4))

    assert str(exc.value.errors[0]) == "Line 5, column -: The file has more than 3 rows."
    assert PayoutStatement.objects.count() == 3


def test_the_byte_limit_of_statement_files_lets_100k_rows_through(settings):
    row = (
        "TT-2025-01-0000099999,@some.creator_handle,creativity_program,2025-01-01,2025-01-31,"
        "EUR,12345.67,12345.67,settled,2025-02-05\n"
    )
    assert settings.STATEMENT_IMPORT_MAX_ROWS >= 100_000
    assert len(HEADER) + 100_000 * len(row) < settings.STATEMENT_IMPORT_MAX_BYTES


def test_an_oversized_file_is_refused_before_reading(agency, finance, settings):
    settings.STATEMENT_IMPORT_MAX_BYTES = 10

    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=(HEADER + ROWS).encode())

    assert exc.value.errors[0].message == "The file is larger than the import limit."


@pytest.mark.parametrize("amount", ["1e3", "1_000", "١٢٣", "12.5.0x", "--5", "NaN", "½"])
def test_an_amount_is_ascii_digits_only(agency, anna, finance, amount):
    row = f'TT-1,anna,other,2025-01-01,2025-01-31,EUR,"{amount}",,estimated,\n'

    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=(HEADER + row).encode())

    assert {(e.row, e.column) for e in exc.value.errors} == {(2, "estimated_amount")}
    assert not PayoutStatement.objects.exists()


def test_row_errors_and_errors_against_the_stored_statements_come_together_in_line_order(
    agency, anna, finance
):
    reconciled(agency, finance)
    data = HEADER + "TT-0,nobody,other,2025-01-01,2025-01-31,EUR,1,,estimated,\n"
    data += SETTLED.replace("98.50", "97.00")

    with pytest.raises(StatementImportError) as exc:
        statement_import(agency=agency, actor=finance, data=data.encode())

    assert [(e.row, e.column) for e in exc.value.errors] == [
        (2, "creator_handle"),
        (3, "settled_amount"),
    ]

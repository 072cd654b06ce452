"""Row-level security on PostgreSQL (defence in depth; see agencies/rls.py)."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.db import DatabaseError, connection, transaction

from agencies.rls import tenant_scope, tenant_tables, tenant_transaction
from creators.models import Creator
from tests.factories import CreatorFactory


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the suite on PostgreSQL")
        pytest.skip("row-level security exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        bypasses = cursor.fetchone()[0]
    if bypasses:
        if os.environ.get("CI"):
            pytest.fail("CI must connect as a role that cannot bypass row-level security")
        pytest.skip("connected as a role that bypasses row-level security")


def test_the_tenant_tables_include_every_agency_owned_model():
    tables = {table for table, _ in tenant_tables()}
    assert {
        "creators_creator",
        "creators_socialaccount",
        "agencies_auditlog",
        "agencies_membership",
    } <= tables
    assert "agencies_agency" not in tables


def test_every_tenant_table_forces_row_level_security(postgres):
    with connection.cursor() as cursor:
        for table, _ in tenant_tables():
            cursor.execute(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s",
                [table],
            )
            assert cursor.fetchone() == (True, True), table


def test_an_agency_scoped_transaction_sees_only_its_own_rows(postgres, agency, other_agency):
    ours = CreatorFactory(agency=agency)
    CreatorFactory(agency=other_agency)
    with tenant_scope(agency.pk):
        # No agency filter on purpose: the database applies it.
        assert list(Creator.objects.all()) == [ours]
    assert Creator.objects.count() == 2


def test_an_agency_scoped_transaction_cannot_write_into_another_agency(
    postgres, agency, other_agency
):
    with tenant_scope(agency.pk), pytest.raises(DatabaseError), transaction.atomic():
        CreatorFactory(agency=other_agency)


def test_a_nested_scope_puts_the_callers_scope_back(postgres, agency, other_agency):
    ours = CreatorFactory(agency=agency)
    theirs = CreatorFactory(agency=other_agency)
    with tenant_scope(agency.pk):
        with tenant_scope(other_agency.pk):
            assert list(Creator.objects.all()) == [theirs]
        assert list(Creator.objects.all()) == [ours]
    assert Creator.objects.count() == 2


def test_a_scope_rolled_back_with_its_savepoint_leaves_no_trace(postgres, agency, other_agency):
    with contextlib.suppress(ZeroDivisionError), tenant_transaction(agency.pk):
        1 / 0  # noqa: B018
    # The work of another agency in the same outer transaction is not blocked by a leftover.
    CreatorFactory(agency=other_agency)
    assert Creator.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_scope_outside_any_transaction_is_refused(postgres, agency):
    with pytest.raises(RuntimeError, match="needs a transaction"), contextlib.ExitStack() as stack:
        stack.enter_context(tenant_scope(agency.pk))


def test_the_database_refuses_to_change_the_audit_log(postgres, agency, owner):
    from agencies.audit import audit_record

    entry = audit_record(agency=agency, actor=owner, action="test.thing")
    for sql in (
        "UPDATE agencies_auditlog SET action = 'x' WHERE id = %s",
        "DELETE FROM agencies_auditlog WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])

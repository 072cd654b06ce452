"""Row-level security on PostgreSQL (defence in depth; see agencies/rls.py for the policies,
core/db_scope.py for the connection's scope)."""

from __future__ import annotations

import contextlib
import inspect
import os

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from agencies.rls import GLOBAL_TABLES, POLICY, child_tables, tenant_tables
from core.db_scope import tenant_scope, tenant_transaction
from creators.models import Creator
from tests.factories import CreatorFactory


@pytest.fixture
def postgres(db):
    """PostgreSQL, the suite logged in as the tables' owner, the app's own role unable to
    bypass row-level security (CI must run this way; see .ci/run)."""
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI must run the suite on PostgreSQL")
        pytest.skip("row-level security exists on PostgreSQL only")
    role = settings.DATABASE_APP_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
        bypasses = cursor.fetchone()[0]
    problem = ""
    if bypasses:
        problem = "the app role bypasses row-level security"
    elif role == connection.settings_dict["USER"]:
        problem = "the suite logs in as the app role: set DATABASE_OWNER_URL to the owner"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run with an owner and an app role: {problem}")
        pytest.skip(problem)
    return role


@contextlib.contextmanager
def as_app_role_without_tenant():
    """The app's role with no agency and no user in scope, inside a savepoint."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('role', %s, true), set_config('app.agency_id', '', true), "
            "set_config('app.user_id', '', true)",
            [settings.DATABASE_APP_ROLE],
        )
        yield cursor
        cursor.execute("SELECT set_config('role', 'none', true)")


def all_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in cursor.fetchall()}


def protected_tables() -> list[str]:
    return sorted({t for t, _ in tenant_tables()} | {t for t, _ in child_tables()})


def test_the_tenant_tables_include_every_agency_owned_model():
    tables = {table for table, _ in tenant_tables()}
    assert {
        "creators_creator",
        "creators_socialaccount",
        "agencies_auditlog",
        "agencies_membership",
    } <= tables
    assert "agencies_agency" not in tables
    children = {table for table, _ in child_tables()}
    assert {
        "agencies_apitoken",
        "campaigns_contract_creators",
        "creators_creator_niches",
    } <= children


def test_every_table_is_either_protected_or_known_to_hold_no_tenant_data(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_policies WHERE policyname = %s", [POLICY])
        with_policy = {row[0] for row in cursor.fetchall()}
    unprotected = all_tables() - with_policy - GLOBAL_TABLES
    assert not unprotected, f"tables without a row-level-security policy: {sorted(unprotected)}"
    assert set(protected_tables()) <= with_policy


def test_no_policy_lets_a_missing_setting_through(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, qual, with_check FROM pg_policies")
        policies = cursor.fetchall()
    assert policies
    for table, qual, with_check in policies:
        for expression in (qual, with_check):
            assert "IS NULL" not in expression.upper(), (table, expression)


def test_the_app_role_owns_nothing_and_every_protected_table_enforces_its_policy(postgres):
    with connection.cursor() as cursor:
        for table in protected_tables():
            cursor.execute(
                "SELECT c.relrowsecurity, pg_get_userbyid(c.relowner) FROM pg_class c "
                "WHERE c.relname = %s AND c.relnamespace = 'public'::regnamespace",
                [table],
            )
            enabled, owner = cursor.fetchone()
            assert enabled, table
            assert owner != postgres, table


def test_with_no_tenant_set_the_app_role_sees_no_row_of_any_tenant_table(postgres, agency, owner):
    # Rows in every kind of protected table: a creator with a niche, a contract with a
    # creator, an API token, a membership, an audit entry.
    from agencies.tokens import api_token_create
    from tests.campaigns.factories import ContractFactory
    from tests.factories import NicheTagFactory

    creator = CreatorFactory(agency=agency)
    creator.niches.add(NicheTagFactory(agency=agency))
    ContractFactory(agency=agency, creators=[creator])
    api_token_create(membership=owner.memberships.get(), name="ci", actor=owner)
    counts_as_owner = {}
    with connection.cursor() as cursor:
        for table in protected_tables():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - model tables
            counts_as_owner[table] = cursor.fetchone()[0]
    assert all(
        counts_as_owner[t]
        for t in (
            "creators_creator",
            "creators_creator_niches",
            "campaigns_contract_creators",
            "agencies_apitoken",
            "agencies_membership",
            "agencies_auditlog",
        )
    )
    with as_app_role_without_tenant() as cursor:
        for table in protected_tables():
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - model tables
            assert cursor.fetchone()[0] == 0, table


def test_with_no_tenant_set_the_app_role_cannot_insert_into_any_tenant_table(postgres, agency):
    for table, _ in tenant_tables():
        with (
            pytest.raises(DatabaseError, match="row-level security"),
            as_app_role_without_tenant() as cursor,
        ):
            cursor.execute(
                f'INSERT INTO "{table}" (agency_id) VALUES (%s)',  # noqa: S608 - model tables
                [agency.pk],
            )


def test_with_no_tenant_set_the_app_role_cannot_insert_into_any_link_table(postgres, agency, owner):
    """Link tables and tokens: a row pointing at real parents is refused too, because without
    an agency the parents are invisible to the app role."""
    from agencies.tokens import api_token_create
    from tests.campaigns.factories import ContractFactory
    from tests.factories import NicheTagFactory

    creator = CreatorFactory(agency=agency)
    niche = NicheTagFactory(agency=agency)
    contract = ContractFactory(agency=agency, creators=[])
    membership = owner.memberships.get()
    token, _secret = api_token_create(membership=membership, name="ci", actor=owner)
    rows = {
        "creators_creator_niches": ("creator_id, nichetag_id", [creator.pk, niche.pk]),
        "campaigns_contract_creators": ("contract_id, creator_id", [contract.pk, creator.pk]),
        "agencies_apitoken": (
            "membership_id, name, prefix, digest, created_at, expires_at",
            [membership.pk, "x", "feedbeef", "0" * 64, token.created_at, token.expires_at],
        ),
    }
    assert set(rows) == {table for table, _ in child_tables()}
    for table, (columns, values) in rows.items():
        placeholders = ", ".join(["%s"] * len(values))
        with (
            pytest.raises(DatabaseError, match="row-level security"),
            as_app_role_without_tenant() as cursor,
        ):
            cursor.execute(
                f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})',  # noqa: S608
                values,
            )


def test_the_app_role_cannot_turn_the_policies_off_or_become_the_owner(postgres):
    for sql in (
        "ALTER TABLE creators_creator DISABLE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON creators_creator",
        "ALTER TABLE creators_creator OWNER TO CURRENT_USER",
    ):
        with pytest.raises(DatabaseError), as_app_role_without_tenant() as cursor:
            cursor.execute(sql)
    # Nor can it become the owner (the suite's login can, which is how it builds fixtures).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_has_role(%s, %s, 'MEMBER')",
            [postgres, connection.settings_dict["USER"]],
        )
        assert cursor.fetchone()[0] is False


def test_the_system_scope_answers_one_question_and_widens_nothing(postgres, other_agency, settings):
    from agencies.invitations import invitation_create, invitation_digest
    from agencies.roles import Role
    from agencies.system_scope import agency_of
    from tests.helpers import member

    rival = member(other_agency, Role.OWNER, email="boss@rival.test")
    CreatorFactory(agency=other_agency)
    _invitation, token = invitation_create(
        agency=other_agency,
        email="new@rival.test",
        role=Role.MANAGER,
        actor=rival,
        base_url="http://testserver",
    )
    digest = invitation_digest(token)
    with as_app_role_without_tenant() as cursor:
        cursor.execute("SELECT talentdesk_agency_of_invitation(%s)", [digest])
        assert cursor.fetchone()[0] == other_agency.pk
        cursor.execute("SELECT talentdesk_agency_of_invitation(%s)", ["not a digest"])
        assert cursor.fetchone()[0] is None
        # The answer is an id, not access: the agency's rows stay hidden.
        cursor.execute("SELECT count(*) FROM creators_creator")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM agencies_invitation")
        assert cursor.fetchone()[0] == 0
    assert agency_of("invitation", digest) == other_agency.pk
    assert agency_of("invitation", "no such digest") is None


def test_every_task_is_declared_with_its_scope():
    """Every registered task of ours is a tenant task (agency_id first, run scoped to it) or a
    system task that visits agencies one at a time (agencies/tasking.py)."""
    from agencies.tasking import SYSTEM, TENANT
    from config.celery import app as current_app

    current_app.loader.import_default_modules()
    ours = {
        name: task
        for name, task in current_app.tasks.items()
        if name.split(".")[0]
        in ("agencies", "creators", "payouts", "campaigns", "moderation", "ops")
    }
    assert len(ours) >= 12
    for name, task in ours.items():
        scope = getattr(task.run, "talentdesk_scope", None)
        assert scope in (TENANT, SYSTEM), f"{name} is declared without tenant_task/system_task"
        if scope == TENANT:
            parameters = list(inspect.signature(task.run).parameters)
            assert parameters[0] == "agency_id", name


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


def test_check_deploy_warns_when_the_app_role_owns_the_tables(postgres, settings):
    from agencies.checks import row_level_security_check

    assert row_level_security_check() == []  # the suite's layout: owner and app role apart
    settings.DATABASE_APP_ROLE = connection.settings_dict["USER"]  # one role for everything
    assert [w.id for w in row_level_security_check()] == ["talentdesk.W003"]

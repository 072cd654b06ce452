"""Row-level security on PostgreSQL: defence in depth behind the tenant-scoped querysets.

Every table with an `agency_id` column gets a policy keyed on the per-transaction setting
`app.agency_id`. `agency_view` and the API base set it (`SET LOCAL` semantics) once the
membership is resolved, so inside an agency request the database itself hides other
agencies' rows even if a query forgot its filter. Outside an agency context (sign-in, the
agency chooser, invitations, management commands and tasks that pass the agency
explicitly) the setting is empty and the policy lets the application's own scoping decide.
Memberships stay visible to their own user, so the agency switcher keeps working.

The policies are (re)applied after every `migrate`, so a table added by a later app is
covered without anyone remembering to; `tests/agencies/test_rls.py` checks that they are.
The app must connect as a role that is neither superuser nor BYPASSRLS (CI does).
"""

from __future__ import annotations

from contextlib import contextmanager, suppress

from django.apps import apps
from django.db import DatabaseError, connection, connections, transaction

AGENCY_SETTING = "app.agency_id"
USER_SETTING = "app.user_id"
POLICY = "tenant_isolation"

_AGENCY = f"NULLIF(current_setting('{AGENCY_SETTING}', true), '')"
_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')"


def tenant_tables() -> list[tuple[str, bool]]:
    """(table, is_membership) for every concrete model with an `agency` foreign key."""
    tables = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        field = next((f for f in model._meta.concrete_fields if f.name == "agency"), None)
        if field is not None and field.is_relation:
            tables.append((model._meta.db_table, model._meta.label == "agencies.Membership"))
    return sorted(tables)


def _policy_sql(table: str, is_membership: bool) -> str:
    condition = f"{_AGENCY} IS NULL OR agency_id = {_AGENCY}::bigint"
    if is_membership:
        condition += f" OR user_id = {_USER}::bigint"
    return (
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY; '
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY; '
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"; '
        f'CREATE POLICY {POLICY} ON "{table}" USING ({condition}) WITH CHECK ({condition});'
    )


def apply_policies(using: str = "default", **kwargs) -> None:
    """post_migrate receiver: make sure every tenant table has its policy."""
    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        for table, is_membership in tenant_tables():
            cursor.execute(_policy_sql(table, is_membership))


def set_tenant(agency_id: int | None, user_id: int | None = None) -> None:
    """Scope the current transaction to one agency (no-op outside PostgreSQL)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
            [AGENCY_SETTING, str(agency_id or ""), USER_SETTING, str(user_id or "")],
        )


def clear_tenant() -> None:
    """Leave the agency scope at the end of a request. If the transaction already failed,
    its rollback resets the setting, so there is nothing to do (and nothing to mask)."""
    if connection.vendor != "postgresql" or connection.needs_rollback:
        return
    with suppress(DatabaseError):  # an aborted transaction: its rollback resets it
        set_tenant(None)


def _current() -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), current_setting(%s, true)",
            [AGENCY_SETTING, USER_SETTING],
        )
        agency_id, user_id = cursor.fetchone()
    return agency_id or "", user_id or ""


@contextmanager
def tenant_scope(agency_id: int, user_id: int | None = None):
    """For tasks and commands: scope the enclosing transaction to one agency, then put back
    whatever scope was there before (so a service called inside an agency request, or inside
    a caller's transaction, leaves the caller's scope as it found it).

    The setting lives as long as the transaction, so on PostgreSQL this must run inside
    `transaction.atomic()` (see `tenant_transaction`); outside one it would protect nothing.
    """
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("tenant_scope() needs a transaction: use tenant_transaction().")
    previous = _current()
    set_tenant(agency_id, user_id)
    try:
        yield
    finally:
        if not connection.needs_rollback:
            # An aborted transaction: its rollback resets the setting.
            with suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                    [AGENCY_SETTING, previous[0], USER_SETTING, previous[1]],
                )


@contextmanager
def tenant_transaction(agency_id: int, user_id: int | None = None):
    """One transaction scoped to one agency: what a task or command writes under."""
    with transaction.atomic(), tenant_scope(agency_id, user_id):
        yield

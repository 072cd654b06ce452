"""Row-level security on PostgreSQL: the database keeps agencies apart on its own.

Every table with an `agency_id` column has one policy, plain equality on the per-connection
setting `app.agency_id`: no setting, no rows and no writes. Tables that hold an agency's data
through a parent (API tokens through their membership, the creator↔niche and
contract↔creator link tables) see a row only when its parents are visible. Memberships are
also visible to their own user (`app.user_id`), which is how sign-in and the agency chooser
find a user's agencies before any agency is chosen.

Who sets the scope:
- a request: `DatabaseScopeMiddleware` sets the signed-in user; `agency_view` and the API
  base set the agency once the membership is resolved; `request_finished` clears both, so a
  pooled connection never carries one request's agency into the next;
- a task: `tenant_task` (agencies/tasking.py) scopes it to the agency it is given;
- a command or a service outside a request: `tenant_transaction(agency_id)`;
- the few lookups that must cross agencies (an invitation, a share link or an API token
  found by its secret) go through `agencies/system_scope.py`: database functions that
  answer one question each ("which agency does this token belong to?") and nothing more.
  There is no setting that widens the policy, so no SQL the app runs can widen it.

The app connects as a role that neither owns the tables nor bypasses RLS. Migrations run as
the owner (`DATABASE_OWNER_URL`, see agencies/management/commands/migrate.py), and this
module's `apply_policies` (post_migrate, as the owner) writes the policies, the system-scope
functions and the app role's grants, so a table added later is covered without anyone
remembering to. When the process logs in as the owner (the test suite does, to build its
fixtures) the scoped code switches to the app role (`DATABASE_APP_ROLE`) for its duration,
so requests, tasks and scoped services meet the same policies as in production.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from contextvars import ContextVar

import environ
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction

AGENCY_SETTING = "app.agency_id"
USER_SETTING = "app.user_id"
POLICY = "tenant_isolation"

_AGENCY = f"NULLIF(current_setting('{AGENCY_SETTING}', true), '')::bigint"
_USER = f"NULLIF(current_setting('{USER_SETTING}', true), '')::bigint"

# Tables with no agency of their own that are not tenant data (Django's and allauth's).
GLOBAL_TABLES = frozenset(
    {
        "agencies_agency",
        "agencies_staffaccess",  # the platform's log of admin requests (spans agencies)
        "auth_group",
        "auth_group_permissions",
        "auth_permission",
        "auth_user",
        "auth_user_groups",
        "auth_user_user_permissions",
        "account_emailaddress",
        "account_emailconfirmation",
        "django_admin_log",
        "django_content_type",
        "django_migrations",
        "django_session",
        "mfa_authenticator",
        "payouts_referencerate",  # the ECB's published rates: public data
    }
)


def _concrete_models():
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.proxy and model._meta.managed:
            yield model


def _agency_field(model):
    return next(
        (f for f in model._meta.concrete_fields if f.name == "agency" and f.is_relation), None
    )


def tenant_tables() -> list[tuple[str, bool]]:
    """(table, is_membership) for every concrete model with an `agency` foreign key."""
    tables = []
    for model in _concrete_models():
        if _agency_field(model) is not None:
            tables.append((model._meta.db_table, model._meta.label == "agencies.Membership"))
    return sorted(tables)


def child_tables() -> list[tuple[str, list[tuple[str, str]]]]:
    """(table, [(column, parent table), …]) for tables without an agency of their own that
    belong to tenant rows through non-null foreign keys (link tables, API tokens)."""
    tenant = {table for table, _ in tenant_tables()}
    children = []
    for model in _concrete_models():
        table = model._meta.db_table
        if table in tenant:
            continue
        parents = [
            (f.column, f.related_model._meta.db_table)
            for f in model._meta.concrete_fields
            if f.is_relation and not f.null and f.related_model._meta.db_table in tenant
        ]
        if parents:
            children.append((table, parents))
    return sorted(children)


def _tenant_condition(is_membership: bool) -> str:
    condition = f"agency_id = {_AGENCY}"
    if is_membership:
        condition = f"({condition} OR user_id = {_USER})"
    return condition


def _child_condition(table: str, parents: list[tuple[str, str]]) -> str:
    return " AND ".join(
        f'EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = "{table}"."{column}")'  # noqa: S608 - model table names
        for column, parent in parents
    )


def _policy_sql(table: str, condition: str) -> str:
    return (
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY; '
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY; '
        f'DROP POLICY IF EXISTS {POLICY} ON "{table}"; '
        f'CREATE POLICY {POLICY} ON "{table}" USING ({condition}) WITH CHECK ({condition});'
    )


def policies_sql(existing: set[str] | None = None) -> list[str]:
    """The policy statements of every tenant and link table, or of those among `existing`
    (after a migration backwards, a model's table may not be there)."""
    statements = [
        _policy_sql(table, _tenant_condition(is_membership))
        for table, is_membership in tenant_tables()
        if existing is None or table in existing
    ]
    statements += [
        _policy_sql(table, _child_condition(table, parents))
        for table, parents in child_tables()
        if existing is None or table in existing
    ]
    return statements


def owner_credentials() -> dict:
    """USER/PASSWORD/HOST/PORT of DATABASE_OWNER_URL (empty without one): what `migrate`,
    the test suite and the benchmarks log in with to build the schema and their fixtures."""

    if not settings.DATABASE_OWNER_URL:
        return {}
    owner = environ.Env.db_url_config(settings.DATABASE_OWNER_URL)
    return {key: owner[key] for key in ("USER", "PASSWORD", "HOST", "PORT") if key in owner}


def app_role() -> str:
    """The role the app's code runs as (DATABASE_APP_ROLE, by default DATABASE_URL's user)."""
    return settings.DATABASE_APP_ROLE or connection.settings_dict.get("USER") or ""


def _grants_sql(role: str) -> list[str]:
    quoted = connection.ops.quote_name(role)
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ]


def apply_policies(using: str = "default", **kwargs) -> None:
    """post_migrate receiver (as the owner): policies on every tenant table and link table,
    the system-scope functions, and the app role's grants."""
    # Here: .system_scope imports this module (in enter_agency_of); both at the top would cycle.
    from .system_scope import functions_sql

    conn = connections[using]
    if conn.vendor != "postgresql":
        return
    role = settings.DATABASE_APP_ROLE or conn.settings_dict.get("USER") or ""
    login = conn.settings_dict.get("USER") or ""
    with conn.cursor() as cursor:
        for statement in policies_sql(set(conn.introspection.table_names(cursor))):
            cursor.execute(statement)
        for statement in functions_sql(role):
            cursor.execute(statement)
        if role and role != login:
            for statement in _grants_sql(role):
                cursor.execute(statement)


# --- The scope of the current connection ---------------------------------------------------

# The current request's scope: None when the request has not scoped the connection, else the
# agency id it named (0 for none yet), so naming the same agency twice costs nothing.
_request_agency: ContextVar[int | None] = ContextVar("talentdesk_request_agency", default=None)


def _switches_role() -> bool:
    """True when the process logs in as another role than the app's (the test suite logs in
    as the owner to build fixtures): scoped code then runs as the app role."""
    role = settings.DATABASE_APP_ROLE
    return bool(role) and role != connection.settings_dict.get("USER")


def _set(agency: str, user: str, *, local: bool, role: str | None = None) -> None:
    sql = "SELECT set_config(%s, %s, %s), set_config(%s, %s, %s)"
    params: list = [AGENCY_SETTING, agency, local, USER_SETTING, user, local]
    if role is not None:
        sql += ", set_config('role', %s, %s)"
        params += [role, local]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _snapshot() -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), current_setting(%s, true), current_setting('role')",
            [AGENCY_SETTING, USER_SETTING],
        )
        agency, user, role = cursor.fetchone()
    return agency or "", user or "", role or "none"


def request_begin(user_id: int | None) -> None:
    """Start of a request (DatabaseScopeMiddleware): the signed-in user, no agency yet."""
    if connection.vendor != "postgresql":
        return
    _set("", str(user_id or ""), local=False, role=app_role() if _switches_role() else None)
    _request_agency.set(0)


def request_agency(agency_id: int, user_id: int | None) -> None:
    """`agency_view` and the API base: the rest of this request sees this agency's rows
    (templates rendered after the view and streamed exports included)."""
    if connection.vendor != "postgresql" or _request_agency.get() == agency_id:
        return
    _set(str(agency_id), str(user_id or ""), local=False)
    _request_agency.set(agency_id)


def remember_request_agency(agency_id: int | None) -> None:
    """The system scope set the request's agency itself (agencies/system_scope.py)."""
    _request_agency.set(agency_id or 0)


def request_end(**kwargs) -> None:
    """`request_finished` receiver: leave the request's scope on the connection."""
    if _request_agency.get() is None:
        return
    _request_agency.set(None)
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    if connection.needs_rollback:
        return  # an aborted transaction: its rollback resets the settings
    with suppress(DatabaseError):
        _set("", "", local=False, role="none" if _switches_role() else None)


@contextmanager
def session_scope(agency_id: int | None, user_id: int | None = None):
    """A task's scope: this agency (or none, for a task that spans agencies) for every
    transaction the task opens, then whatever was there before (an eager task inside a
    request leaves the request's scope as it found it)."""
    if connection.vendor != "postgresql":
        yield
        return
    previous = _snapshot()
    _set(
        str(agency_id or ""),
        str(user_id or ""),
        local=False,
        role=app_role() if _switches_role() else None,
    )
    try:
        yield
    finally:
        if not connection.needs_rollback and connection.connection is not None:
            with suppress(DatabaseError):
                _set(
                    previous[0],
                    previous[1],
                    local=False,
                    role=previous[2] if _switches_role() else None,
                )


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
    previous = _snapshot()
    switches = _switches_role()
    _set(str(agency_id), str(user_id or ""), local=True, role=app_role() if switches else None)
    try:
        yield
    finally:
        if not connection.needs_rollback:
            # An aborted transaction: its rollback resets the setting.
            with suppress(DatabaseError):
                _set(previous[0], previous[1], local=True, role=previous[2] if switches else None)


@contextmanager
def tenant_transaction(agency_id: int, user_id: int | None = None):
    """One transaction scoped to one agency: what a task or command writes under."""
    with transaction.atomic(), tenant_scope(agency_id, user_id):
        yield

"""Row-level security on PostgreSQL: the database keeps agencies apart on its own.

Every table with an `agency_id` column has one policy, plain equality on the per-connection
setting `app.agency_id`: no setting, no rows and no writes. Tables that hold an agency's data
through a parent (API tokens through their membership, the creator↔niche and
contract↔creator link tables) see a row only when its parents are visible. Memberships are
also visible to their own user (`app.user_id`), which is how sign-in and the agency chooser
find a user's agencies before any agency is chosen.

What sets those settings for a request, a task or a command (the connection's scope) is
core/db_scope.py, which knows no table. The few lookups that must cross agencies (an
invitation, a share link or an API token found by its secret) go through
`agencies/system_scope.py`: database functions that answer one question each ("which agency
does this token belong to?") and nothing more. There is no setting that widens the policy, so
no SQL the app runs can widen it.

The app connects as a role that neither owns the tables nor bypasses RLS. Migrations run as
the owner (`DATABASE_OWNER_URL`, see agencies/management/commands/migrate.py), and this
module's `apply_policies` (post_migrate, as the owner) writes the policies, the system-scope
functions and the app role's grants, so a table added later is covered without anyone
remembering to. Scoped code run by a process logged in as the owner switches to the app role
(core/db_scope.py), so it meets the same policies as in production.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connection, connections

from core.db_scope import AGENCY_SETTING, USER_SETTING

from .system_scope import functions_sql

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


def _grants_sql(role: str) -> list[str]:
    quoted = connection.ops.quote_name(role)
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
    ]


def apply_policies(using: str = "default", **kwargs) -> None:
    """post_migrate receiver (as the owner): policies on every tenant table and link table,
    the system-scope functions, and the app role's grants."""
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

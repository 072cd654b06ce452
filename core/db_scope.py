"""The connection's row-level-security scope: which agency and user the database sees.

Every tenant table's policy (agencies/rls.py) reads two per-connection settings,
`app.agency_id` and `app.user_id`: no setting, no rows and no writes. This module sets and reads
them (and the role), and nothing else: it knows no table, so it serves every app from core.
Named db_scope, not rls, so that it does not read as a second copy of agencies/rls.py: this is
the scope the policies read; the policies, which name the agency tables, are agencies/rls.py.

Who sets the scope:
- a request: `DatabaseScopeMiddleware` (core/middleware.py) sets the signed-in user;
  `agency_view` and the API base (agencies) set the agency once the membership is resolved;
  `request_finished` clears both (`request_end`, connected in core/apps.py), so a pooled
  connection never carries one request's agency into the next;
- a task: `tenant_task` (agencies/tasking.py) scopes it to the agency it is given;
- a command or a service outside a request: `tenant_transaction(agency_id)`;
- the few lookups that must cross agencies (agencies/system_scope.py) set the agency they
  found in the same statement and tell this module so (`remember_request_agency`).

The app connects as a role that neither owns the tables nor bypasses RLS; `migrate`, the test
suite and the benchmarks log in as the owner (`owner_credentials`). When the process logs in as
the owner (the test suite does, to build its fixtures) the scoped code switches to the app role
(`DATABASE_APP_ROLE`, `app_role`) for its duration, so requests, tasks and scoped services meet
the same policies as in production.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from contextvars import ContextVar

import environ
from django.conf import settings
from django.db import DatabaseError, connection, transaction

AGENCY_SETTING = "app.agency_id"
USER_SETTING = "app.user_id"


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

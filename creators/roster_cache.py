"""The roster's cache: rendered table fragments and API list pages, kept per agency under a
*roster version* that every write to what the roster shows replaces when it commits.

Correct by construction rather than by remembering: the version is not bumped by a call
each service has to make, but by the database connection itself. An execute wrapper
(installed on every connection, `install`) looks at each statement Django runs; a
statement that writes one of `WATCHED_TABLES` (the roster's rows, niches, social
accounts, rate card, the memberships behind the manager filter, the agency, the users
shown as managers and logins) registers a bump for when its transaction commits: the
writes of services, imports (`bulk_create` / `bulk_update`), other apps' and raw SQL alike.

Writes that bypass Django's cursor (psycopg's COPY) are not seen: none of the project's
code writes a watched table that way (only bench/insights.py seeds snapshots with COPY).

Which agency: on PostgreSQL, the agency of the row-level-security scope the statement ran
in (`app.agency_id`) when it ran as the app role: the policy let it write that agency's
rows only. Anything else (SQLite, the owner's role, no scope, `GLOBAL_TABLES`: users and
agencies have no policy, a membership is visible to its own user too) bumps the *global*
version, which is part of every agency's key.

Reads are safe around writes: a reader takes the version before it reads the database,
so what it stores under an old version is never read again once the write has committed.
A transaction that has written watched tables and not yet committed reads and stores under
a version of its own, changed by each of its writes: it never sees its own writes missing,
and what it saw uncommitted (which could still roll back) never reaches anyone else.

Not cached (`cacheable`): filters whose answer depends on other tables or on the day
(program eligibility, can re-apply).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection as default_connection
from django.db import transaction
from django.db.backends.signals import connection_created
from django.utils import timezone, translation

# The tables whose rows the roster page and the API list show or filter by.
WATCHED_TABLES = (
    "creators_creator",  # also creators_creator_niches
    "creators_nichetag",
    "creators_socialaccount",
    "creators_ratecardtier",
    "agencies_membership",
    "agencies_agency",
    "auth_user",
)
# Watched tables whose rows are not one agency's (or not only visible to it): a write to
# them replaces every agency's version, whatever scope it ran in.
GLOBAL_TABLES = ("agencies_membership", "agencies_agency", "auth_user")
# Query parameters that make a list depend on other tables or on today's date.
UNCACHED_PARAMS = ("eligibility", "can_reapply")
# An upper bound: entries of replaced versions are never read again and expire.
TIMEOUT = 10 * 60

_GLOBAL = "global"
_WRITES = ("insert", "update", "delete", "with", "merge", "truncate", "copy")
_CTE_WRITE = re.compile(r"\b(insert|update|delete|merge)\b")
# Signing in writes the user's last_login: nothing the roster shows.
_LAST_LOGIN = re.compile(r'^update "auth_user" set "last_login" = %s where "auth_user"\."id" = %s$')


def _version_key(scope: int | str) -> str:
    return f"creators:roster-version:{scope}"


def _new_token() -> str:
    # A fresh random token rather than a counter: a version evicted from the cache can never
    # come back as a value some old entry was stored under.
    return uuid.uuid4().hex[:16]


def committed_version(agency_id: int) -> str:
    """The agency's roster version as committed: the global part and the agency's part."""
    keys = [_version_key(_GLOBAL), _version_key(agency_id)]
    found = cache.get_many(keys)
    parts = []
    for key in keys:
        token = found.get(key)
        if token is None:
            cache.add(key, _new_token(), None)
            token = cache.get(key)
        parts.append(token)
    return ".".join(parts)


def version(agency_id: int) -> str:
    """The version this transaction reads and stores under: the committed one and, after
    its own writes to watched tables (not yet committed), the token of its latest write."""
    committed = committed_version(agency_id)
    pending = _last_pending(default_connection)
    return committed if pending is None else f"{committed}.{pending.token}"


def bump(agency_id: int | None) -> None:
    """Replace the version of one agency, or the global one (None: every agency's)."""
    cache.set(_version_key(_GLOBAL if agency_id is None else agency_id), _new_token(), None)


class _Bump:
    """An on-commit callback that bumps one scope's version. Until the commit, the `token`
    of the latest one names what this transaction has written so far: what it reads from
    and stores in the cache meanwhile is its own, never seen by another transaction, and
    forgotten with a rollback (a savepoint's rollback drops the callbacks registered
    inside it)."""

    def __init__(self, agency_id: int | None) -> None:
        self.agency_id = agency_id
        self.token = _new_token()

    def __call__(self) -> None:
        bump(self.agency_id)


def _last_pending(connection) -> _Bump | None:
    for _ids, func, _robust in reversed(connection.run_on_commit):
        if isinstance(func, _Bump):
            return func
    return None


def _note_write(connection, scope: int | None) -> None:
    """After a watched write: bump now (autocommit) or when the transaction commits. One
    callback per write statement: a rollback to a savepoint drops exactly those of its
    writes, and the transaction's token goes back to what it was before them."""
    if connection.in_atomic_block:
        transaction.on_commit(_Bump(scope), using=connection.alias)
    else:
        bump(scope)  # autocommit: already committed


def _writes_watched(sql: str) -> bool:
    head = sql.lstrip()[:8].lower()
    if not head.startswith(_WRITES):
        return False
    lowered = sql.lower()
    if not any(table in lowered for table in WATCHED_TABLES):
        return False
    if head.startswith("with") and not _CTE_WRITE.search(lowered):
        return False  # a read with common table expressions
    return not _LAST_LOGIN.match(lowered.strip())


def _scope_of_write(connection, sql: str) -> int | None:
    """The agency a write just made could have touched, or None for "any"."""
    if connection.vendor != "postgresql":
        return None
    lowered = sql.lower()
    if any(table in lowered for table in GLOBAL_TABLES):
        return None
    # On the raw connection: not a query of the request's (pinned query counts).
    row = connection.connection.execute(
        "SELECT current_setting('app.agency_id', true), current_user"
    ).fetchone()
    agency, role = row
    if not agency or role != settings.DATABASE_APP_ROLE:
        return None
    return int(agency)


def _watch(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _writes_watched(sql):
        connection = context["connection"]
        _note_write(connection, _scope_of_write(connection, sql))
    return result


def _install_on(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every database connection's writes (CreatorsConfig.ready)."""
    connection_created.connect(_install_on, dispatch_uid="creators.roster_cache")


def usable(params) -> bool:
    """Whether a list with these query parameters may be cached (not when it filters by
    something the watched tables do not hold, or by today's date)."""
    return not any(params.get(name) for name in UNCACHED_PARAMS)


def key(kind: str, *, agency_id: int, role: str, parts: Iterable[str]) -> str:
    """The cache key of one cached answer: the agency and its version, the viewer's role
    (what they may see and search), the language and time zone it is written in, and
    `parts` (the request's full address: page, filters, sort, host for API links)."""
    identity = "\x1f".join(
        [
            version(agency_id),
            role,
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
            *parts,
        ]
    )
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return f"creators:roster:{kind}:{agency_id}:{digest}"


def cached(cache_key: str, compute: Callable[[], Any], timeout: int = TIMEOUT) -> Any:
    """The value under `cache_key`, or `compute()` stored there. The key must have been
    made (its version read) before `compute` reads the database."""
    value = cache.get(cache_key)
    if value is None:
        value = compute()
        cache.set(cache_key, value, timeout)
    return value

"""The system scope: the only questions the app may ask across agencies.

Row-level security (agencies/rls.py) shows no tenant row until a request, task or command
names its agency. A few entry points know only a secret, not the agency: an invitation link,
a sponsor's share link, an API token. Each gets one database function here, owned by the
table owner (so it reads past the policies) and answering exactly one question, "which
agency does this belong to?", with an agency id and nothing else. The caller then scopes
itself to that agency and reads the row through the policies like any other code.

There is no setting or role that widens the policies, so SQL run on the app's connection
cannot widen them either: the most it can do is call these functions, which need the secret
to answer. Every call is logged (logger `talentdesk.system_scope`). To add a question, add
one `SystemLookup` below; `apply_policies` (post_migrate) creates its function.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.apps import apps
from django.db import connection

from core.db_scope import AGENCY_SETTING, remember_request_agency

logger = logging.getLogger("talentdesk.system_scope")


@dataclass(frozen=True)
class SystemLookup:
    name: str  # the SQL function: talentdesk_agency_of_<name>
    key_type: str  # SQL type of the one argument
    sql: str  # SELECT … WHERE … = $1, returning one agency id (or no row)
    model: str  # app_label.Model for the same question on SQLite
    key_field: str
    agency_path: str
    extra: tuple[tuple[str, object], ...] = ()

    @property
    def function(self) -> str:
        return f"talentdesk_agency_of_{self.name}"


LOOKUPS = {
    lookup.name: lookup
    for lookup in (
        SystemLookup(
            name="invitation",
            key_type="text",
            sql="SELECT agency_id FROM agencies_invitation WHERE digest = $1",
            model="agencies.Invitation",
            key_field="digest",
            agency_path="agency_id",
        ),
        SystemLookup(
            name="share_link",
            key_type="bigint",
            sql="SELECT agency_id FROM campaigns_reportsharelink WHERE id = $1",
            model="campaigns.ReportShareLink",
            key_field="pk",
            agency_path="agency_id",
        ),
        SystemLookup(
            name="api_token",
            key_type="text",
            sql=(
                "SELECT m.agency_id FROM agencies_apitoken t "
                "JOIN agencies_membership m ON m.id = t.membership_id "
                "WHERE t.prefix = $1 AND t.revoked_at IS NULL"
            ),
            model="agencies.ApiToken",
            key_field="prefix",
            agency_path="membership__agency_id",
            extra=(("revoked_at__isnull", True),),
        ),
        # TikTok's webhook names a linked account (its open_id), not an agency; asked only
        # after the delivery's signature checked out (platforms/webhooks.py).
        SystemLookup(
            name="platform_account",
            key_type="text",
            sql=(
                "SELECT agency_id FROM platforms_platformaccount "
                "WHERE external_id = $1 AND status = 'linked' ORDER BY id"
            ),
            model="platforms.PlatformAccount",
            key_field="external_id",
            agency_path="agency_id",
            extra=(("status", "linked"),),
        ),
    )
}


def functions_sql(app_role: str) -> list[str]:
    """The functions, run by `apply_policies` as the owner after every migrate."""
    statements = []
    for lookup in LOOKUPS.values():
        signature = f"{lookup.function}({lookup.key_type})"
        statements.append(
            f"CREATE OR REPLACE FUNCTION {signature} RETURNS bigint "
            f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public "
            f"AS $fn$ {lookup.sql} LIMIT 1 $fn$"
        )
        statements.append(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        if app_role:
            role = connection.ops.quote_name(app_role)
            statements.append(f"GRANT EXECUTE ON FUNCTION {signature} TO {role}")
    return statements


def agency_of(name: str, key) -> int | None:
    """The agency that the invitation / share link / API token `key` belongs to, or None."""
    lookup = LOOKUPS[name]
    logger.info("system scope: agency_of %s", name)
    if key is None or key == "":
        return None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {lookup.function}(%s)", [key])
            row = cursor.fetchone()
        return row[0] if row else None
    model = apps.get_model(lookup.model)
    return (
        model._default_manager.filter(**{lookup.key_field: key}, **dict(lookup.extra))
        .values_list(lookup.agency_path, flat=True)
        .first()
    )


def enter_agency_of(name: str, key) -> bool:
    """`agency_of`, and the rest of the request scoped to that agency (core/db_scope.py), in
    one statement: for the entry points that know a secret rather than an agency (an
    invitation link, a sponsor's share link, an API token). False when the secret names
    nothing; the caller then answers as for any unknown secret. Without row-level security
    (SQLite) there is nothing to scope: True, and the caller's own lookup decides."""
    if key is None or key == "":
        return False
    if connection.vendor != "postgresql":
        return True
    lookup = LOOKUPS[name]
    logger.info("system scope: agency_of %s", name)
    with connection.cursor() as cursor:
        sql = (
            "SELECT found.agency_id, set_config(%s, COALESCE(found.agency_id::text, ''), false) "  # noqa: S608 - our function
            f"FROM (SELECT {lookup.function}(%s) AS agency_id) found"
        )
        cursor.execute(sql, [AGENCY_SETTING, key])
        agency_id = cursor.fetchone()[0]
    remember_request_agency(agency_id)
    return agency_id is not None

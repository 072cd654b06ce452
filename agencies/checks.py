"""`manage.py check --deploy`: is row-level security (agencies/rls.py) really in force?"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register
from django.db import DatabaseError, connection


@register(deploy=True)
def row_level_security_check(app_configs=None, **kwargs) -> list:
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper OR rolbypassrls, "
                "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                "AND tableowner = current_user) FROM pg_roles WHERE rolname = current_user"
            )
            bypasses, owned = cursor.fetchone()
    except DatabaseError as exc:
        return [Warning(f"Could not check the database role: {exc}", id="talentdesk.W002")]
    problems = []
    if bypasses:
        problems.append(
            Warning(
                "The app connects as a superuser or a role with BYPASSRLS: row-level security "
                "is not enforced.",
                hint="Connect (DATABASE_URL) as a role made with NOSUPERUSER NOBYPASSRLS.",
                id="talentdesk.W001",
            )
        )
    if owned and connection.settings_dict.get("USER") == settings.DATABASE_APP_ROLE:
        problems.append(
            Warning(
                f"The app's role owns {owned} tables, and a table's owner is not held to its "
                "row-level-security policies.",
                hint="Let another role own the tables and run the migrations "
                "(DATABASE_OWNER_URL); see README.md, 'Database roles'.",
                id="talentdesk.W003",
            )
        )
    return problems

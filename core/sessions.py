"""`SESSION_ENGINE = "core.sessions"`: Django's database sessions, each signed-in request's
session row read by SQL written once per connection (core/model_rows.py) instead of a query
the ORM builds and compiles every time. Same table, same encoding: a session saved by
Django's own engine reads back here, and the other way round."""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.utils import timezone

from .model_rows import Columns, column, per_connection, table


def _session_sql(connection) -> tuple[str, Columns]:
    Session = db.SessionStore.get_model_class()
    session = Columns(connection, Session, "s")
    sql = (
        f"SELECT {session.sql} FROM {table(connection, Session)} s "  # noqa: S608 - names from models
        f"WHERE s.{column(connection, Session)} = %s "
        f"AND s.{column(connection, Session, 'expire_date')} > %s"
    )
    return sql, session


_session_read = per_connection(_session_sql)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The unexpired session row of this key, or None (and the key forgotten), as
        Django's does."""
        connection, (sql, session) = _session_read()
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return session.load(connection, iter(row))

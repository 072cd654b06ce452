"""On PostgreSQL the audit log refuses UPDATE and DELETE at the database, not only in the app."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION agencies_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'agencies_auditlog is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agencies_auditlog_no_update BEFORE UPDATE OR DELETE ON agencies_auditlog
    FOR EACH ROW EXECUTE FUNCTION agencies_auditlog_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS agencies_auditlog_no_update ON agencies_auditlog;
DROP FUNCTION IF EXISTS agencies_auditlog_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards)]

"""Bank transaction fingerprints as their 32-byte sha256 digest instead of 64 hex characters.

The unique (bank_account, fingerprint, occurrence) index is what a statement import maintains
for every row; bytes halve its keys. Existing rows keep their fingerprint, converted: on
PostgreSQL in the one ALTER (`decode(fingerprint, 'hex')`, which rebuilds the index once), on
SQLite by rebuilding the table as Django does and converting the values after it (SQLite
3.40 has no unhex()). Backwards gives the hex back.
"""

from django.db import migrations, models

TABLE = "payouts_banktransaction"


def _fields(apps, binary: bool):
    """The model and (old, new) fingerprint fields: RunPython sees the state before this
    migration whichever way it runs, so both are built here."""
    model = apps.get_model("payouts", "BankTransaction")
    hex_field, bytes_field = models.CharField(max_length=64), models.BinaryField(max_length=32)
    for field in (hex_field, bytes_field):
        field.set_attributes_from_name("fingerprint")
        field.model = model
    return (model, hex_field, bytes_field) if binary else (model, bytes_field, hex_field)


def _convert_sqlite(schema_editor, convert) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, fingerprint FROM {TABLE}")  # noqa: S608 - a constant
        changed = [(convert(value), pk) for pk, value in cursor.fetchall()]
        cursor.executemany(f"UPDATE {TABLE} SET fingerprint = %s WHERE id = %s", changed)  # noqa: S608


def to_bytes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN fingerprint TYPE bytea "
            "USING decode(fingerprint, 'hex')"
        )
        return
    model, old, new = _fields(apps, binary=True)
    schema_editor.alter_field(model, old, new)
    _convert_sqlite(
        schema_editor, lambda value: bytes.fromhex(value) if isinstance(value, str) else value
    )


def to_hex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ALTER COLUMN fingerprint TYPE varchar(64) "
            "USING encode(fingerprint, 'hex')"
        )
        return
    model, old, new = _fields(apps, binary=False)
    schema_editor.alter_field(model, old, new)
    _convert_sqlite(
        schema_editor, lambda value: bytes(value).hex() if not isinstance(value, str) else value
    )


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0008_bonus_source"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="banktransaction",
                    name="fingerprint",
                    field=models.BinaryField(max_length=32),
                ),
            ],
            database_operations=[migrations.RunPython(to_bytes, to_hex)],
        ),
    ]

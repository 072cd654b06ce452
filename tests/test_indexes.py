"""Every index of the project's tables is a deliberate choice: the indexes PostgreSQL holds
after the migrations are compared with the checked-in list `tests/expected_indexes.txt`.

An index costs every insert and update of its table, so a new one (including the one Django
adds for a foreign key or `db_index=True`, and the `_like` twin it adds for a CharField) must
serve a query someone can name, and a change of this list is reviewed with that query. After
a deliberate change, rewrite the list with

    UPDATE_EXPECTED_INDEXES=1 H=<n> /tmp/pgtest tests/test_indexes.py

(any PostgreSQL test database migrated from scratch gives the same list)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection

EXPECTED = Path(__file__).with_name("expected_indexes.txt")

pytestmark = pytest.mark.django_db


def _project_tables() -> set[str]:
    """The tables of the project's own apps (not Django's, allauth's or other libraries')."""
    root = Path(settings.BASE_DIR).resolve()
    tables = set()
    for config in apps.get_app_configs():
        if root not in Path(config.path).resolve().parents:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables.add(model._meta.db_table)
    return tables


def _indexes() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
        )
        rows = cursor.fetchall()
    tables = _project_tables()
    schema = f"{connection.ops.quote_name('public')}."
    return sorted(
        f"{table}: {indexdef.replace(' ON public.', ' ON ').replace(schema, '')}"
        for table, indexdef in rows
        if table in tables
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_indexes is PostgreSQL's")
def test_the_indexes_are_the_expected_ones():
    found = _indexes()
    if os.environ.get("UPDATE_EXPECTED_INDEXES"):
        EXPECTED.write_text("\n".join(found) + "\n")
    expected = EXPECTED.read_text().splitlines()

    added = sorted(set(found) - set(expected))
    dropped = sorted(set(expected) - set(found))
    assert not added and not dropped, (
        "The indexes differ from tests/expected_indexes.txt (see this module's docstring).\n"
        + "".join(f"\n+ {line}" for line in added)
        + "".join(f"\n- {line}" for line in dropped)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_indexes is PostgreSQL's")
def test_no_table_keeps_an_agency_index_that_a_composite_index_makes_redundant():
    # Tables listed here still have agency_id alone beside a (non-partial) index starting with
    # it; each is another app's to drop with its own migration. The list may only shrink.
    pending = {
        "agencies_auditlog",
        "agencies_membership",
        "campaigns_campaign",
        "campaigns_contract",
        "creators_programapplication",
        "moderation_accountcounter",
        "moderation_automatedaction",
        "moderation_case",
        "moderation_contact",
        "moderation_holiday",
        "moderation_inboundmessage",
        "moderation_slarule",
        "moderation_webhookreceipt",
        "platforms_oauthstate",
        "platforms_platformaccount",
        "platforms_platformvideo",
    }
    by_table: dict[str, list[str]] = {}
    for line in _indexes():
        table, indexdef = line.split(": ", 1)
        by_table.setdefault(table, []).append(indexdef)
    redundant = set()
    for table, indexdefs in by_table.items():
        columns = [d.split(" USING btree (", 1)[-1] for d in indexdefs if " WHERE " not in d]
        if "agency_id)" in columns and any(c.startswith("agency_id, ") for c in columns):
            redundant.add(table)
    assert redundant <= pending, sorted(redundant - pending)

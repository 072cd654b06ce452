"""The plans of the hot list queries, as the app role inside an agency's row-level-security
scope (PostgreSQL): each is served by an index that starts with agency_id, and the roster's
first page by an index in its own order (no sort of the whole roster).

Shapes, not times. A test database holds a handful of rows, for which a sequential scan is
always cheapest, so sequential scans and sorts are priced out (`enable_seqscan`,
`enable_sort` off for the transaction): the plan then shows whether an index exists that
serves the query under the policy. bench/README.md has the plans on 10,000 creators."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.db_scope import tenant_scope
from creators import selectors
from payouts.reconciliation import runs
from tests.factories import CreatorFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans of PostgreSQL"),
]


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan(queryset) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    return list(_nodes(json.loads(queryset.explain(format="json"))[0]["Plan"]))


def _scans(nodes: list[dict], table: str) -> list[dict]:
    return [n for n in nodes if n.get("Relation Name") == table]


def test_the_roster_page_and_the_api_list_read_the_name_index_in_order(agency, manager):
    CreatorFactory.create_batch(3, agency=agency)
    with tenant_scope(agency.pk, manager.pk):
        for size in (25, 50):  # a page of the roster, a page of the API list
            nodes = _plan(selectors.roster_rows(agency=agency)[:size])

            (creators,) = _scans(nodes, "creators_creator")
            assert creators["Node Type"] == "Index Scan"
            assert creators["Index Name"] == "creator_agency_lname"
            assert "agency_id" in creators["Index Cond"]
            assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]


def _plan_of_sql(sql: str) -> list[dict]:
    # Sorting stays allowed here: the statements come by primary key, and with sorts priced
    # out the primary key's own order would win over the agency's rows.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return list(_nodes(plan[0]["Plan"]))


@pytest.mark.parametrize("query", ["open credits", "statements of the window"])
def test_the_reconciliation_candidates_read_agency_indexes(agency, owner, query):
    with tenant_scope(agency.pk, owner.pk):
        if query == "open credits":
            nodes, table = _plan(runs.open_credits(agency)), "payouts_banktransaction"
        else:
            # The statements query as load_statements sends it.
            with CaptureQueriesContext(connection) as captured:
                runs.load_statements(agency, dt.date(2026, 1, 1), dt.date(2026, 1, 31))
            (sql,) = [
                q["sql"]
                for q in captured.captured_queries
                if 'FROM "payouts_payoutstatement"' in q["sql"]
            ]
            nodes, table = _plan_of_sql(sql), "payouts_payoutstatement"

    scans = _scans(nodes, table)
    assert scans, nodes
    assert not [scan for scan in scans if scan["Node Type"] == "Seq Scan"]
    # The agency's rows come from an index on agency_id (other scans of the table are
    # look-ups by key, such as the reversal of a credit).
    conditions = [" ".join(n.get("Index Cond", "") for n in _nodes(scan)) for scan in scans]
    assert [c for c in conditions if "agency_id" in c], conditions

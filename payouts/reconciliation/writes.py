"""Writing a run's decisions: locked, re-checked, set-based (no model instances)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import orjson
from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency
from core.sql_arrays import number_array, text_array
from payouts.models import (
    BankTransaction,
    Match,
    MatchStatus,
    PayoutStatement,
    ReconciliationRun,
    StatementStatus,
)

from .engine import Decision


def statement_status_after(status: str, allocated: Decimal, settled: Decimal) -> str:
    if allocated >= settled:
        return StatementStatus.RECONCILED
    if allocated > 0 and status in (StatementStatus.SETTLED, StatementStatus.RECONCILED):
        return StatementStatus.PAID_BY_PLATFORM
    if allocated == 0 and status == StatementStatus.RECONCILED:
        return StatementStatus.PAID_BY_PLATFORM
    return status


@dataclass(slots=True)
class _Locked:
    """A locked row's money: a transaction (amount) or a statement (settled amount)."""

    total: Decimal | None
    allocated: Decimal
    status: str = ""


def write_batch(
    agency: Agency, run: ReconciliationRun | None, decisions: list[Decision]
) -> tuple[int, int]:
    """Write one batch of decisions; returns (matched, proposed). Caller holds a transaction.

    Locks the batch's transactions, then its statements (by pk), and re-checks what is open
    on them before writing, since another run or a person may have moved money meanwhile.
    Plain rows, not model instances: a run writes up to one match per credit.
    """
    if not decisions:
        return 0, 0
    txn_pks = sorted({d.txn for d in decisions})
    stmt_pks = sorted({a[0] for d in decisions for a in d.allocations})
    txns = {
        pk: _Locked(amount, allocated)
        for pk, amount, allocated in _lock(
            BankTransaction, agency, txn_pks, ["id", "amount", "allocated_amount"]
        )
    }
    stmts = {
        pk: _Locked(settled, allocated, status)
        for pk, settled, allocated, status in _lock(
            PayoutStatement,
            agency,
            stmt_pks,
            ["id", "settled_amount", "allocated_amount", "status"],
        )
    }
    if connection.vendor == "postgresql":
        # Pairs made since the run read them (by a person, or another run) are rare: insert
        # as if there were none, and only when the unique pair refuses a row do it again,
        # looking them up first (in a savepoint, so the refused insert leaves nothing).
        plan = _plan(decisions, txns, stmts, set())
        try:
            with transaction.atomic():
                if _insert_matches(agency, run, plan.matches, skip_taken=True) < len(plan.matches):
                    raise _PairTaken
        except _PairTaken:
            plan = _plan(decisions, txns, stmts, _pairs_of(txn_pks))
            _insert_matches(agency, run, plan.matches)
    else:
        plan = _plan(decisions, txns, stmts, _pairs_of(txn_pks))
        _insert_matches(agency, run, plan.matches)
    _save_allocations(BankTransaction, plan.transactions)
    _save_allocations(PayoutStatement, plan.statements)
    return plan.matched, plan.proposed


class _PairTaken(Exception):
    """A pair the batch inserts exists already."""


@dataclass(slots=True)
class _Plan:
    matches: list[tuple]  # rows in the order of _MATCH_COLUMNS
    transactions: list[tuple[int, Decimal, None]]  # (pk, allocated, -)
    statements: list[tuple[int, Decimal, str]]  # (pk, allocated, status)
    matched: int
    proposed: int


def _plan(
    decisions: list[Decision],
    locked_txns: dict[int, _Locked],
    locked_stmts: dict[int, _Locked],
    existing: set[tuple[int, int]],
) -> _Plan:
    """What to write for the decisions still possible on the locked rows: a confirmation
    must fit the money still open on both sides, and no pair may exist already."""
    txns = {pk: _Locked(t.total, t.allocated) for pk, t in locked_txns.items()}
    stmts = {pk: _Locked(s.total, s.allocated, s.status) for pk, s in locked_stmts.items()}
    new_matches: list[tuple] = []
    changed_txns: set[int] = set()
    changed_stmts: set[int] = set()
    matched = proposed = 0
    group_suffix = uuid.uuid4().hex[:12]
    for decision in decisions:
        t = txns.get(decision.txn)
        if t is None:
            continue
        if not decision.proposed:
            if sum(a[1] for a in decision.allocations) > t.total - t.allocated:
                continue
            if any(
                a[0] not in stmts
                or stmts[a[0]].total is None
                or a[2] > stmts[a[0]].total - stmts[a[0]].allocated
                for a in decision.allocations
            ):
                continue
        if any((a[0], decision.txn) in existing for a in decision.allocations):
            continue
        group = f"{decision.txn}-{group_suffix}" if decision.proposed else ""
        reasons = orjson.dumps(decision.reasons).decode()
        ref_rate = decision.reference_rate
        status = MatchStatus.PROPOSED if decision.proposed else MatchStatus.CONFIRMED
        for spk, amount, st_amount, rate, difference in decision.allocations:
            row = (spk, decision.txn, amount, st_amount, rate, difference)
            new_matches.append(
                (
                    *row,
                    str(decision.rule),
                    decision.confidence,
                    str(status),
                    group,
                    reasons,
                    ref_rate,
                )
            )
            existing.add((spk, decision.txn))
            if not decision.proposed:
                s = stmts[spk]
                s.allocated += st_amount
                s.status = statement_status_after(s.status, s.allocated, s.total)
                t.allocated += amount
                changed_stmts.add(spk)
                changed_txns.add(decision.txn)
        if decision.proposed:
            proposed += 1
        else:
            matched += 1
    return _Plan(
        new_matches,
        [(pk, txns[pk].allocated, None) for pk in sorted(changed_txns)],
        [(pk, stmts[pk].allocated, stmts[pk].status) for pk in sorted(changed_stmts)],
        matched,
        proposed,
    )


# Writing a run's decisions is most of its time. On PostgreSQL each statement below sends
# its rows as a few arrays (unnest), so the SQL text stays short and is parsed once, instead
# of thousands of placeholders per statement; elsewhere the ORM or a prepared statement.
# Each array goes as its text form (core/sql_arrays.py): psycopg's own list dumping, element
# by element in Python, was about a sixth of a 100,000-credit run.


def _lock(model, agency: Agency, pks: list[int], columns: list[str]) -> list[tuple]:
    """`columns` of the rows `pks` of the agency, locked FOR UPDATE, in pk order."""
    if connection.vendor != "postgresql":
        return list(
            model.objects.select_for_update()
            .filter(agency=agency, pk__in=pks)
            .order_by("pk")
            .values_list(*["pk" if c == "id" else c for c in columns])
        )
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {table} "  # noqa: S608
            "WHERE agency_id = %s AND id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE",
            [agency.pk, number_array(pks)],
        )
        return cursor.fetchall()


def _pairs_of(txn_pks: list[int]) -> set[tuple[int, int]]:
    """(statement, transaction) of every match, in any state, of these transactions."""
    if connection.vendor != "postgresql":
        return set(
            Match.objects.filter(transaction_id__in=txn_pks).values_list(
                "statement_id", "transaction_id"
            )
        )
    # A hash join against the list. As `transaction_id = ANY(…)` the planner, which has not
    # seen the matches this run inserted yet, took the agency's index (row-level security adds
    # `agency_id = …` to every query) and tested each of the agency's matches against the whole
    # list, batch after batch: 24 s of a 100,000-credit run, against about 1 s this way.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.statement_id, m.transaction_id FROM payouts_match m "
            "JOIN unnest(%s::bigint[]) AS t(id) ON m.transaction_id = t.id",
            [number_array(txn_pks)],
        )
        return set(cursor.fetchall())


_MATCH_COLUMNS = [
    "statement_id",
    "transaction_id",
    "amount",
    "statement_amount",
    "fx_rate",
    "difference",
    "rule",
    "confidence",
    "status",
    "group",
    "reasons",
    "reference_rate",
]
_MATCH_TYPES = [
    "bigint",
    "bigint",
    "numeric",
    "numeric",
    "numeric",
    "numeric",
    "text",
    "numeric",
    "text",
    "text",
    "jsonb",
    "numeric",
]


_TEXT_TYPES = {"text", "jsonb"}


def _insert_matches(
    agency: Agency, run: ReconciliationRun | None, rows: list[tuple], *, skip_taken: bool = False
) -> int:
    """Insert new matches (rows in the order of _MATCH_COLUMNS) without model instances;
    returns how many were inserted. `skip_taken` (PostgreSQL): a row whose pair exists is
    left out instead of failing the statement. (COPY would be faster still, but PostgreSQL
    refuses it under row-level security.)"""
    if not rows:
        return 0
    quote = connection.ops.quote_name
    table = quote(Match._meta.db_table)
    columns = ["agency_id", "run_id", "created_at", "note", *_MATCH_COLUMNS]
    column_sql = ", ".join(quote(c) for c in columns)
    run_id = run.pk if run is not None else None
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{kind}[]" for kind in _MATCH_TYPES)
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) "  # noqa: S608
                f"SELECT %s, %s, %s, '', * FROM unnest({arrays})"
                + (" ON CONFLICT (statement_id, transaction_id) DO NOTHING" if skip_taken else ""),
                [
                    agency.pk,
                    run_id,
                    now,
                    *(
                        (text_array if kind in _TEXT_TYPES else number_array)(column)
                        for kind, column in zip(_MATCH_TYPES, zip(*rows, strict=True), strict=True)
                    ),
                ],
            )
            return cursor.rowcount
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {table} ({column_sql}) VALUES ({marks})",  # noqa: S608
            [
                (
                    agency.pk,
                    run_id,
                    now,
                    "",
                    *(str(v) if isinstance(v, Decimal) else v for v in row),
                )
                for row in rows
            ],
        )
        return len(rows)


def _text_decimal(value):
    # SQLite keeps decimals exact as text (what Django's own adapter does too).
    return str(value) if isinstance(value, Decimal) else value


def _save_allocations(model, rows: list[tuple[int, Decimal, str | None]]) -> None:
    """Write new allocated amounts (and statement statuses) of many rows at once."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    with_status = rows[0][2] is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, amounts, statuses = zip(*rows, strict=True)
            ids, amounts = number_array(ids), number_array(amounts)
            if with_status:
                cursor.execute(
                    f"UPDATE {table} AS t SET allocated_amount = v.allocated, "  # noqa: S608
                    "status = v.status, updated_at = now() "
                    "FROM unnest(%s::bigint[], %s::numeric[], %s::text[]) "
                    "AS v(id, allocated, status) WHERE t.id = v.id AND t.id = ANY(%s::bigint[])",
                    [ids, amounts, text_array(statuses), ids],
                )
            else:
                cursor.execute(
                    f"UPDATE {table} AS t SET allocated_amount = v.allocated "  # noqa: S608
                    "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, allocated) "
                    # ANY(): the planner then reads the rows by primary key, not all of them.
                    "WHERE t.id = v.id AND t.id = ANY(%s::bigint[])",
                    [ids, amounts, ids],
                )
        elif with_status:
            cursor.executemany(
                f"UPDATE {table} SET allocated_amount = %s, status = %s, "  # noqa: S608
                "updated_at = %s WHERE id = %s",
                [(str(allocated), status, timezone.now(), pk) for pk, allocated, status in rows],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET allocated_amount = %s WHERE id = %s",  # noqa: S608
                [(str(allocated), pk) for pk, allocated, _status in rows],
            )

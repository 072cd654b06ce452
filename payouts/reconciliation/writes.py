"""Writing a run's decisions: locked, re-checked, set-based (no model instances)."""

from __future__ import annotations

import pickle
import uuid
from dataclasses import dataclass, field
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


@dataclass(slots=True)
class Batch:
    """One batch of decisions and, ready for PostgreSQL, what writing them all changes: each
    transaction's and statement's allocation grows by a sum, and the new matches. Built by
    `prepare` where the engine decides (a forked child for large runs), so the writing
    process receives a few strings per column and only sends them to PostgreSQL."""

    # Bytes once `packed`: the writing process needs the decisions themselves only when a
    # row moved and the batch is planned again under locks; unpickling 100,000 of them for
    # nothing was two seconds of its time (bench/README.md).
    decisions: list[Decision] | bytes
    size: int = 0  # how many decisions
    matched: int = 0
    proposed: int = 0
    transactions: list[str] = field(default_factory=list)  # [ids, added] as array literals
    statements: list[str] = field(default_factory=list)  # [ids, added]
    counts: tuple[int, int, int] = (0, 0, 0)  # transactions, statements, matches written
    matches: list[str] = field(default_factory=list)  # one array literal per MATCH_COLUMNS
    touched: list[str] = field(default_factory=list)  # [transactions, statements] of proposals
    touched_counts: tuple[int, int] = (0, 0)

    def packed(self) -> Batch:
        """This batch with its decisions pickled, for sending to another process."""
        if not isinstance(self.decisions, bytes):
            self.decisions = pickle.dumps(self.decisions, pickle.HIGHEST_PROTOCOL)
        return self

    def decided(self) -> list[Decision]:
        """The decisions, unpickled if they came packed (from the deciding process)."""
        if isinstance(self.decisions, bytes):
            self.decisions = pickle.loads(self.decisions)  # noqa: S301 - our own child's
        return self.decisions


def prepare(decisions: list[Decision]) -> Batch:
    """What the decisions write if nothing moved since the engine read the rows."""
    batch = Batch(decisions, size=len(decisions))
    if connection.vendor != "postgresql" or not decisions:
        return batch
    txn_added: dict[int, Decimal] = {}
    stmt_added: dict[int, Decimal] = {}
    proposed_txns: set[int] = set()
    proposed_stmts: set[int] = set()
    rows = []
    group_suffix = uuid.uuid4().hex[:12]
    for decision in decisions:
        group = f"{decision.txn}-{group_suffix}" if decision.proposed else ""
        reasons = orjson.dumps(decision.reasons).decode()
        status = str(MatchStatus.PROPOSED if decision.proposed else MatchStatus.CONFIRMED)
        rule = str(decision.rule)
        for spk, amount, st_amount, rate, difference in decision.allocations:
            rows.append(
                (
                    spk,
                    decision.txn,
                    amount,
                    st_amount,
                    rate,
                    difference,
                    rule,
                    decision.confidence,
                    status,
                    group,
                    reasons,
                    decision.reference_rate,
                )
            )
            if decision.proposed:
                proposed_stmts.add(spk)
            else:
                stmt_added[spk] = stmt_added.get(spk, Decimal(0)) + st_amount
                txn_added[decision.txn] = txn_added.get(decision.txn, Decimal(0)) + amount
        if decision.proposed:
            proposed_txns.add(decision.txn)
            batch.proposed += 1
        else:
            batch.matched += 1
    txn_ids, stmt_ids = sorted(txn_added), sorted(stmt_added)
    batch.transactions = [number_array(txn_ids), number_array(txn_added[pk] for pk in txn_ids)]
    batch.statements = [number_array(stmt_ids), number_array(stmt_added[pk] for pk in stmt_ids)]
    batch.counts = (len(txn_added), len(stmt_added), len(rows))
    if rows:
        batch.matches = [
            (text_array if kind in _TEXT_TYPES else number_array)(column)
            for kind, column in zip(MATCH_TYPES, zip(*rows, strict=True), strict=True)
        ]
    batch.touched = [number_array(sorted(proposed_txns)), number_array(sorted(proposed_stmts))]
    batch.touched_counts = (len(proposed_txns), len(proposed_stmts))
    return batch


def write_batch(agency: Agency, run: ReconciliationRun | None, batch: Batch) -> tuple[int, int]:
    """Write one batch of decisions; returns (matched, proposed). Caller holds a transaction.

    Another run or a person may have moved money since the engine read it, so what is open
    on the batch's transactions and statements is checked again as it is written. On
    PostgreSQL optimistically, in one round trip: each allocation grows only where the sum
    still fits (and a statement is still settled), transactions before statements before
    matches (the lock order of `locks`), a match goes in only where its pair is new, and the
    rows the proposals name must still exist. If any row is refused, the savepoint takes it
    all back and the batch is planned again under row locks (`_write_locked`, the only way
    elsewhere). Locking first costs more than the writes it guards (each lock writes the
    row's header and WAL), and conflicts are rare: a person deciding on a pair of the batch
    while the run writes it.
    Plain rows, not model instances: a run writes up to one match per credit.
    """
    if not batch.size:
        return 0, 0
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic():
                if not _write_prepared(agency, run, batch):
                    raise _Moved
        except _Moved:
            return _write_locked(agency, run, batch.decided())
        return batch.matched, batch.proposed
    return _write_locked(agency, run, batch.decided())


def _status_sql(allocated: str) -> str:
    """`statement_status_after` in SQL, for a statement `t` once its allocation is `allocated`."""
    s = StatementStatus
    return (
        f"CASE WHEN {allocated} >= t.settled_amount THEN '{s.RECONCILED}' "
        f"WHEN {allocated} > 0 AND t.status IN ('{s.SETTLED}', '{s.RECONCILED}') "
        f"THEN '{s.PAID_BY_PLATFORM}' "
        f"WHEN {allocated} = 0 AND t.status = '{s.RECONCILED}' THEN '{s.PAID_BY_PLATFORM}' "
        "ELSE t.status END"
    )


_ADD_TO_TRANSACTIONS = (
    "UPDATE payouts_banktransaction AS t SET allocated_amount = t.allocated_amount + v.added "
    "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, added) "
    # ANY(): the planner then reads the rows by primary key, not all of them.
    "WHERE t.id = v.id AND t.id = ANY(%s::bigint[]) AND t.agency_id = %s "
    "AND t.allocated_amount + v.added <= t.amount"
)
# A person confirming a batch deposit locks its statements by pk (`locks`); so does this,
# before updating them in whatever order the plan visits them. (Transactions need no such
# order: a person locks one at a time, and runs take turns on the settings row.)
_LOCK_STATEMENTS = (
    "SELECT count(*) FROM (SELECT 1 FROM payouts_payoutstatement "
    "WHERE id = ANY(%s::bigint[]) AND agency_id = %s ORDER BY id FOR NO KEY UPDATE) AS locked"
)
_ADD_TO_STATEMENTS = (
    "UPDATE payouts_payoutstatement AS t SET allocated_amount = t.allocated_amount + v.added, "  # noqa: S608 (constants only)
    f"status = {_status_sql('t.allocated_amount + v.added')}, updated_at = now() "
    "FROM unnest(%s::bigint[], %s::numeric[]) AS v(id, added) "
    "WHERE t.id = v.id AND t.id = ANY(%s::bigint[]) AND t.agency_id = %s "
    "AND t.settled_amount IS NOT NULL AND t.allocated_amount + v.added <= t.settled_amount"
)
_STILL_THERE = (
    "SELECT (SELECT count(*) FROM payouts_banktransaction "
    "WHERE id = ANY(%s::bigint[]) AND agency_id = %s), "
    "(SELECT count(*) FROM payouts_payoutstatement WHERE id = ANY(%s::bigint[]) AND agency_id = %s)"
)


def _write_prepared(agency: Agency, run: ReconciliationRun | None, batch: Batch) -> bool:
    """The batch as `prepare` made it, in one round trip; False if any row was refused."""
    statements: list[tuple[str, list, int | tuple | None]] = []  # (sql, params, expected)
    if batch.counts[0]:
        statements.append(
            (
                _ADD_TO_TRANSACTIONS,
                [*batch.transactions, batch.transactions[0], agency.pk],
                batch.counts[0],
            )
        )
    if batch.counts[1]:
        statements.append((_LOCK_STATEMENTS, [batch.statements[0], agency.pk], None))
        statements.append(
            (
                _ADD_TO_STATEMENTS,
                [*batch.statements, batch.statements[0], agency.pk],
                batch.counts[1],
            )
        )
    if batch.counts[2]:
        run_id = run.pk if run is not None else None
        statements.append(
            (
                _insert_matches_sql(skip_taken=True),
                [agency.pk, run_id, timezone.now(), *batch.matches],
                batch.counts[2],
            )
        )
    if any(batch.touched_counts):
        statements.append(
            (
                _STILL_THERE,
                [batch.touched[0], agency.pk, batch.touched[1], agency.pk],
                batch.touched_counts,
            )
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "; ".join(sql for sql, _params, _expected in statements),
            [value for _sql, params, _expected in statements for value in params],
        )
        for _sql, _params, expected in statements:
            if isinstance(expected, int) and cursor.rowcount != expected:
                return False
            if isinstance(expected, tuple) and tuple(cursor.fetchone()) != expected:
                return False
            cursor.nextset()
    return True


def _write_locked(
    agency: Agency, run: ReconciliationRun | None, decisions: list[Decision]
) -> tuple[int, int]:
    """Lock the batch's transactions, then its statements (by pk), re-check and write."""
    txn_pks, stmt_pks = _keys(decisions)
    txns = _money(_lock(BankTransaction, agency, txn_pks, _TXN_COLUMNS))
    stmts = _money(_lock(PayoutStatement, agency, stmt_pks, _STATEMENT_COLUMNS))
    plan = _plan(decisions, txns, stmts, _pairs_of(txn_pks))
    _insert_matches(agency, run, plan.matches)
    _save_allocations(BankTransaction, plan.transactions)
    _save_allocations(PayoutStatement, plan.statements)
    return plan.matched, plan.proposed


_TXN_COLUMNS = ["id", "amount", "allocated_amount"]
_STATEMENT_COLUMNS = ["id", "settled_amount", "allocated_amount", "status"]


def _keys(decisions: list[Decision]) -> tuple[list[int], list[int]]:
    """The batch's transactions and statements, each by pk."""
    return (
        sorted({d.txn for d in decisions}),
        sorted({a[0] for d in decisions for a in d.allocations}),
    )


def _money(rows: list[tuple]) -> dict[int, _Locked]:
    """(pk, total, allocated[, status]) rows by pk."""
    return {row[0]: _Locked(*row[1:]) for row in rows}


class _Moved(Exception):
    """A row the batch writes changed since it was read, or a pair it inserts exists."""


@dataclass(slots=True)
class _Plan:
    matches: list[tuple]  # rows in the order of MATCH_COLUMNS
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


MATCH_COLUMNS = [
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
MATCH_TYPES = [
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


def _insert_matches_sql(*, skip_taken: bool = False) -> str:
    """INSERT of matches from one array per column (PostgreSQL); parameters: agency, run,
    created_at, then the arrays in the order of MATCH_COLUMNS. `skip_taken`: a row whose
    pair exists is left out instead of failing the statement."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(c) for c in ["agency_id", "run_id", "created_at", "note", *MATCH_COLUMNS]
    )
    arrays = ", ".join(f"%s::{kind}[]" for kind in MATCH_TYPES)
    return (
        f"INSERT INTO {quote(Match._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT %s, %s, %s, '', * FROM unnest({arrays})"
        + (" ON CONFLICT (statement_id, transaction_id) DO NOTHING" if skip_taken else "")
    )


def _insert_matches(agency: Agency, run: ReconciliationRun | None, rows: list[tuple]) -> int:
    """Insert new matches (rows in the order of MATCH_COLUMNS) without model instances;
    returns how many were inserted. (COPY would be faster still, but PostgreSQL refuses it
    under row-level security.)"""
    if not rows:
        return 0
    run_id = run.pk if run is not None else None
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                _insert_matches_sql(),
                [
                    agency.pk,
                    run_id,
                    now,
                    *(
                        (text_array if kind in _TEXT_TYPES else number_array)(column)
                        for kind, column in zip(MATCH_TYPES, zip(*rows, strict=True), strict=True)
                    ),
                ],
            )
            return cursor.rowcount
        quote = connection.ops.quote_name
        columns = ["agency_id", "run_id", "created_at", "note", *MATCH_COLUMNS]
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f"INSERT INTO {quote(Match._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(c) for c in columns)}) VALUES ({marks})",
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

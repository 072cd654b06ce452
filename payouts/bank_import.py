"""Persist a bank statement file: bytes → `payouts.parsers.open_statement` → rows, atomically.

Dedupe: each transaction gets a fingerprint (sha256 of its booking fields) and an occurrence
number (1 for the first identical transaction in the file, 2 for the second, …). The pair is
unique per bank account, so re-importing the same or an overlapping file inserts only
occurrences beyond those already stored, while two genuine identical transactions on the
same day (occurrences 1 and 2) both stay.

Large files: the parser hands over records one by one; they are fingerprinted and inserted
in batches inside the one transaction (the unique constraint skips occurrences already
stored), so memory stays flat and a parse error half way through still rolls everything back.

The right account: every statement in a file that names its own account (CAMT Acct, MT940
:25:, OFX ACCTID, a CSV account column) must name the chosen bank account, by IBAN or by the
national account number inside its IBAN (parsers.fields.account_matches); a file that names
none is taken as it is.

What a BankTransaction holds, for reconciliation (see the parsers for the details):
* bank_reference: the bank's own reference of the transaction: CAMT AcctSvcrRef (else
  NtryRef), MT940 the :61: reference after "//", OFX FITID, CSV the mapped column.
* transaction_code: the record's transaction code and bank code joined by a space: CAMT
  "PMNT/RCDT/ESCT" plus the proprietary code, MT940 the :61: type plus the :86: GVC or
  "/TRCD/ RTRN/<reason>" ("NTRF 166", "NRTI 159", "NTRF RTRN/MS03"), OFX TRNTYPE.
* is_reversal: CAMT RvslInd, MT940 RC/RD.

Fingerprint decision: a file imported before must still dedupe when imported again, so the
fingerprint is built from the fields as they were first read, not as they are read today.
The reference in it stays what bank_reference held before it became the bank's own (CAMT:
NtryRef, else TxId, else AcctSvcrRef; other formats: bank_reference), and where a parser
now reads a field differently it hands the earlier reading over in `record.legacy` (MT940
:86: remittance, end-to-end id, counterparty name, creditor reference), which the
fingerprint uses instead. Stored and matched are always today's readings.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import multiprocessing
import operator
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.tasking import enqueue_on_commit
from core.db_scope import tenant_transaction
from core.forking import fork_context
from moderation.bulk import array_param

from .models import ZERO, BankAccount, BankImport, BankTransaction, CreditDebit, ImportStatus
from .money import minor_exponent, quantize
from .parsers import StatementParseError, StatementRecord, detect_format, open_statement
from .parsers.csv_statement import ColumnMapping
from .parsers.fields import account_matches, binary_kind

BATCH_SIZE = 2000
IMPORT_TASK = "payouts.tasks.bank_import_run"
_DIRECTIONS = frozenset(CreditDebit.values)
_HASH_CHUNK = 1024 * 1024


class BankImportError(Exception):
    """A file we refuse, with one clear message (nothing was written)."""


class Row(NamedTuple):
    """One transaction as stored (a tuple: cheap to build and to turn into columns)."""

    booking_date: Any
    value_date: Any
    amount: Decimal
    currency: str
    credit_debit: str
    counterparty_name: str
    counterparty_iban: str
    remittance_info: str
    end_to_end_id: str
    bank_reference: str
    is_reversal: bool
    # Not part of the fingerprint: files imported before it was kept dedupe the same.
    transaction_code: str

    def fingerprint(self, reference: str | None = None) -> bytes:
        """The dedupe key, a 32-byte sha256 digest; `reference` replaces bank_reference (see
        the module docstring)."""
        reference = self.bank_reference if reference is None else reference
        parts = [
            self.booking_date.isoformat(),
            self.value_date.isoformat() if self.value_date else "",
            f"{self.amount:.2f}",
            self.currency,
            self.credit_debit,
            self.counterparty_name.strip().lower(),
            self.counterparty_iban.replace(" ", "").upper(),
            " ".join(self.remittance_info.split()).lower(),
            self.end_to_end_id.strip(),
            reference.strip(),
            "R" if self.is_reversal else "",
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).digest()


def max_bytes() -> int:
    """The largest bank statement file accepted (settings.BANK_IMPORT_MAX_BYTES)."""
    return settings.BANK_IMPORT_MAX_BYTES


def _text(value: Any, limit: int) -> str:
    # The parsers hand over stripped text or None.
    return value[:limit] if value else ""


def _fingerprint_reference(record: Any, format: str) -> str:
    """The reference the fingerprint is built from (see the module docstring)."""
    if format == "camt053":
        found = record.entry_reference or record.transaction_id or record.account_servicer_reference
    else:
        found = record.bank_reference or record.account_servicer_reference
    return _text(found, 64)


def _replaced(record: Any, changes: dict[str, Any]) -> Any:
    # A TransactionRecord, or the `_Raw` tuple a parse-ahead helper sends instead.
    if hasattr(record, "_replace"):
        return record._replace(**changes)
    return dataclasses.replace(record, **changes)


def _remittance(record: Any, joined: bool = True) -> str:
    """The free text, with the structured creditor reference after it when the bank sent
    both (a platform reference is often only there)."""
    text, structured = record.remittance_info, record.creditor_reference
    if joined and text and structured and structured not in text:
        return f"{text} {structured}"
    return text or structured


def _row(record: Any, default_currency: str, *, joined: bool = True) -> Row:
    direction = record.direction
    if direction not in _DIRECTIONS:
        raise BankImportError(_("A transaction has no credit/debit indicator."))
    currency = (record.currency or default_currency).upper()
    amount = record.amount
    exponent = -minor_exponent(currency)
    # Parsers give positive Decimals with the currency's decimals; quantize anything else.
    if not (isinstance(amount, Decimal) and amount.as_tuple().exponent == exponent and amount >= 0):
        amount = quantize(abs(Decimal(amount)), currency)
    return Row(
        record.booking_date,
        record.value_date,
        amount,
        currency,
        direction,
        _text(record.counterparty_name, 200),
        _text(record.counterparty_iban, 34).replace(" ", "").upper(),
        _text(_remittance(record, joined), 4000),
        _text(record.end_to_end_id, 64),
        _text(record.bank_reference or record.account_servicer_reference, 64),
        bool(record.reversal),
        _text(" ".join(c for c in (record.transaction_code, record.bank_code) if c), 64),
    )


def _mapping_for(account: BankAccount, format: str | None, head: bytes):
    """The account's CSV mapping when the file is (or can only be) CSV, else None."""

    if format not in (None, "csv"):
        return None
    if format is None and (detect_format(head) is not None or binary_kind(head)):
        # A CAMT/MT940/OFX file into an account that also takes CSV; or a binary file,
        # which the parser refuses saying what it is.
        return None
    if not account.csv_mapping:
        raise BankImportError(
            _(
                "The file is not CAMT.053, MT940 or OFX; to import a CSV export, save a "
                "column mapping for this bank account first."
            )
        )
    mapping = ColumnMapping.from_dict(account.csv_mapping)
    problems = mapping.problems()
    if problems:
        raise BankImportError(
            _("The CSV column mapping of this account is incomplete: %(problems)s")
            % {"problems": " ".join(_(p) for p in problems)}
        )
    return mapping


def rows(source: bytes | IO[bytes], *, account: BankAccount, format: str | None = None):
    """(format, iterator of (fingerprint, Row)) for a statement file; pure apart from the
    account.

    Raises the parser's StatementParseError (naming the line or element) or
    BankImportError, either at once or while iterating. Close the iterator when stopping
    early (a large file is parsed by a helper process, which closing ends).
    """

    if isinstance(source, bytes | bytearray):
        head, size = bytes(source[:65536]), len(source)
    else:
        head = source.read(65536)
        size = source.seek(0, 2)
        source.seek(0)
    stream = open_statement(
        source,
        format=format,
        csv_mapping=_mapping_for(account, format, head),
        max_bytes=max_bytes(),
        max_elements=settings.BANK_IMPORT_MAX_XML_ELEMENTS,
        max_entries=settings.BANK_IMPORT_MAX_ENTRIES,
    )
    records = _parse_ahead(stream) if size >= PARSE_AHEAD_BYTES and _CAN_FORK else stream
    return stream.format, _fingerprinted(records, account, stream.format)


def _fingerprinted(records, account: BankAccount, format: str) -> Iterator[tuple[bytes, Row]]:
    """(fingerprint, Row) of every transaction record; refuses another account's file."""

    currencies: dict[int, str | None] = {}
    try:
        for record in records:
            if isinstance(record, StatementRecord):
                named = record.account_number or record.account_iban
                if named and not account_matches(named, account.iban):
                    raise BankImportError(
                        _("The file is for account %(file)s, not %(account)s.")
                        % {"file": named, "account": account.iban}
                    )
                currencies[record.index] = record.currency
                continue
            default = currencies.get(record.statement_index) or account.currency
            row = _row(record, default)
            reference = _fingerprint_reference(record, format)
            if record.legacy:
                # The fields as first read make the fingerprint (see the module docstring).
                earlier = _row(_replaced(record, dict(record.legacy)), default, joined=False)
                yield earlier.fingerprint(reference), row
            elif record.remittance_info and record.creditor_reference:
                # Files stored before the creditor reference was kept beside the text.
                yield _row(record, default, joined=False).fingerprint(reference), row
            else:
                yield row.fingerprint(reference), row
    finally:
        if hasattr(records, "close"):
            records.close()  # ends a helper process still parsing


# --- Parsing ahead in a helper process -------------------------------------------------------
#
# Parsing a large CAMT.053 costs as much CPU as saving it. A forked helper process parses
# the file while this one turns what it has received into rows and saves them, so the two
# halves run on two cores. The helper only parses: it never touches the database connection
# it inherited, and multiprocessing ends it with os._exit, so nothing of the parent's state
# is cleaned up twice. Where fork is not available, or for small files, all stays here.

PARSE_AHEAD_BYTES = 4 * 1024 * 1024
_AHEAD_BATCH = 2000
_CAN_FORK = "fork" in multiprocessing.get_all_start_methods()

# What `_row` reads from a TransactionRecord: all the helper sends of one (a plain tuple
# pickles far cheaper than the frozen record).
_RAW_FIELDS = (
    "statement_index",
    "booking_date",
    "value_date",
    "amount",
    "currency",
    "direction",
    "reversal",
    "counterparty_name",
    "counterparty_iban",
    "remittance_info",
    "creditor_reference",
    "end_to_end_id",
    "bank_reference",
    "account_servicer_reference",
    "entry_reference",
    "transaction_id",
    "transaction_code",
    "bank_code",
    "legacy",
)
_Raw = collections.namedtuple("_Raw", _RAW_FIELDS)
_raw_values = operator.attrgetter(*_RAW_FIELDS)


def _packed(record: Any) -> tuple:
    """`_RAW_FIELDS` of a TransactionRecord, its dates as day numbers and its amount as text:
    what the helper sends. Pickle writes a date or a Decimal through its `__reduce__`, most
    of the helper's pickling time (100,000 records: 0.8 s, 0.15 s converted first)."""
    index, booked, valued, amount, *rest = _raw_values(record)
    return (
        index,
        booked.toordinal() if type(booked) is dt.date else booked,
        valued.toordinal() if type(valued) is dt.date else valued,
        str(amount) if type(amount) is Decimal else amount,
        *rest,
    )


def _unpacked(item: tuple) -> _Raw:
    """The `_Raw` of what `_packed` made: the same values, of the same types."""
    index, booked, valued, amount, *rest = item
    return _Raw(
        index,
        dt.date.fromordinal(booked) if type(booked) is int else booked,
        dt.date.fromordinal(valued) if type(valued) is int else valued,
        Decimal(amount) if type(amount) is str else amount,
        *rest,
    )


def _parse_in_child(stream, sender) -> None:

    try:
        batch: list = []
        for record in stream:
            batch.append(record if isinstance(record, StatementRecord) else _packed(record))
            if len(batch) == _AHEAD_BATCH:
                sender.send(("records", batch))
                batch = []
        sender.send(("records", batch))
        sender.send(("done", None))
    except StatementParseError as exc:
        where = {"line": exc.line, "element": exc.element, "column": exc.column}
        sender.send(("parse_error", (exc.template, where, exc.params)))
    except BaseException as exc:  # reported to the parent, which raises it
        sender.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _parse_ahead(stream) -> Iterator:
    """The stream's records (transactions as `_Raw` tuples), parsed by a forked helper."""

    context = fork_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_parse_in_child, args=(stream, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise RuntimeError("the statement parser process ended unexpectedly") from None
            if kind == "records":
                for item in payload:
                    yield item if isinstance(item, StatementRecord) else _unpacked(item)
            elif kind == "done":
                return
            elif kind == "parse_error":
                template, where, params = payload
                raise StatementParseError(template, **where, **params)
            else:
                raise RuntimeError(f"the statement parser process failed: {payload}")
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _sha256(source: bytes | IO[bytes]) -> str:
    digest = hashlib.sha256()
    if isinstance(source, bytes | bytearray):
        digest.update(source)
        return digest.hexdigest()
    while chunk := source.read(_HASH_CHUNK):
        digest.update(chunk)
    source.seek(0)
    return digest.hexdigest()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Saving -----------------------------------------------------------------------------------

# Columns written for each transaction, in the order of Row (after the fixed ones).
_ROW_COLUMNS = list(Row._fields)
_PG_TYPES = {
    "booking_date": "date",
    "value_date": "date",
    "amount": "numeric",
    "is_reversal": "boolean",
}


def _insert(account: BankAccount, bank_import: BankImport, keyed: Iterable) -> int:
    """Insert (fingerprint, occurrence, Row) triples, skipping occurrences already stored
    (the unique constraint decides: ON CONFLICT DO NOTHING); returns how many were new.

    Plain SQL, not model instances: on PostgreSQL each batch goes as a few arrays, in
    pipeline mode, so the server inserts one batch while this process prepares the next.
    Each array is one text literal (`array_param`): psycopg's element-by-element dumping of
    the lists was about three quarters of this process's instructions per row.
    The table's foreign keys are checked as each batch goes in rather than at commit
    (`_foreign_keys_now`): the same checks, made while the file is still being read instead
    of after it (100,000 entries: 4.6 s -> 4.0 s, bench/README.md). COPY into a temporary
    table and one INSERT … SELECT measured slower (4.6 s): nothing is inserted until the
    whole file has been read.
    """
    table = connection.ops.quote_name(BankTransaction._meta.db_table)
    head = ["agency_id", "bank_account_id", "bank_import_id", "created_at", "allocated_amount"]
    columns = ", ".join([*head, "fingerprint", "occurrence", *_ROW_COLUMNS])
    conflict = "ON CONFLICT (bank_account_id, fingerprint, occurrence) DO NOTHING"
    fixed = [account.agency_id, account.pk, bank_import.pk, timezone.now(), ZERO]
    if connection.vendor == "postgresql":
        import psycopg  # loaded by Django's PostgreSQL backend already; not on SQLite

        arrays = ", ".join(
            ["%s::bytea[]", "%s::integer[]"]
            + [f"%s::{_PG_TYPES.get(name, 'text')}[]" for name in _ROW_COLUMNS]
        )
        sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608
            f"SELECT %s, %s, %s, %s, %s, * FROM unnest({arrays}) {conflict}"
        )
        with _foreign_keys_now(BankTransaction._meta.db_table):
            raw = connection.connection
            cursors = []
            with raw.pipeline():
                for batch in _batches(keyed, BATCH_SIZE):
                    cursor = psycopg.Cursor(raw)
                    cursor.execute(
                        sql,
                        [*fixed, *(array_param(list(column)) for column in _columns(batch))],
                        binary=True,
                    )
                    cursors.append(cursor)
        return sum(cursor.rowcount for cursor in cursors)
    marks = ", ".join(["%s"] * (len(head) + 2 + len(_ROW_COLUMNS)))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) {conflict}"  # noqa: S608
    new = 0
    with connection.cursor() as cursor:
        for batch in _batches(keyed, BATCH_SIZE):
            cursor.executemany(
                sql,
                [
                    [_plain(v) for v in (*fixed, fp, occurrence, *row)]
                    for fp, occurrence, row in batch
                ],
            )
            new += cursor.rowcount
    return new


@contextlib.contextmanager
def _foreign_keys_now(table: str) -> Iterator[None]:
    """Within the block, `table`'s deferrable foreign keys are checked at each statement
    (SET CONSTRAINTS … IMMEDIATE), then deferred again as Django declares them. Only this
    table's: the rest of the transaction keeps its deferred checks."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) "
            "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND c.condeferrable "
            "AND c.condeferred",
            [table],
        )
        names = ", ".join(name for (name,) in cursor.fetchall())
        if names:
            cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    # Not on an error: the transaction is failing then, and would refuse the statement.
    if names:
        with connection.cursor() as cursor:
            cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


def _columns(batch: list) -> Iterator[tuple]:
    """The batch's values column by column: fingerprints, occurrences, then Row fields."""
    yield from zip(*((fp, occurrence, *row) for fp, occurrence, row in batch), strict=True)


def _plain(value: Any) -> Any:
    # SQLite through a raw cursor: decimals and dates as the text Django would store.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


@transaction.atomic
def bank_statement_import(
    *,
    account: BankAccount,
    actor,
    data: bytes | IO[bytes],
    file_name: str,
    format: str | None = None,
    queued: BankImport | None = None,
) -> BankImport:
    """Import one bank statement file (bytes or a seekable binary file) into `account`;
    all or nothing.

    Locks the bank account row, so two imports into one account run one after the other.
    Raises the parser's StatementParseError or BankImportError (nothing written) on a bad
    file; the file is parsed as a stream and saved in batches, so a problem near its end
    still rolls back everything before it. `queued` is the BankImport row of a large file
    queued by `bank_import_queue`: it is completed instead of a new row being created.
    """
    account = BankAccount.objects.select_for_update().get(pk=account.pk)
    digest = _sha256(data)
    detected, parsed = rows(data, account=account, format=format)
    if queued is None:
        bank_import = BankImport.objects.create(
            agency_id=account.agency_id,
            bank_account=account,
            file_name=file_name[:255],
            sha256=digest,
            format=detected[:16],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            finished_at=timezone.now(),
        )
    else:
        bank_import = queued
        bank_import.format = detected[:16]
        bank_import.sha256 = digest
    seen: dict[bytes, int] = defaultdict(int)
    total = 0

    def keyed() -> Iterator[tuple[bytes, int, Row]]:
        nonlocal total
        for fp, row in parsed:
            seen[fp] += 1
            total += 1
            yield fp, seen[fp], row

    try:
        new = _insert(account, bank_import, keyed())
    finally:
        parsed.close()  # ends the helper process if the import stopped early
    bank_import.transaction_count = total
    bank_import.new_count = new
    bank_import.duplicate_count = total - new
    bank_import.status = ImportStatus.DONE
    bank_import.finished_at = timezone.now()
    bank_import.save(
        update_fields=[
            "transaction_count",
            "new_count",
            "duplicate_count",
            "format",
            "sha256",
            "status",
            "finished_at",
        ]
    )
    audit_record(
        agency=account.agency,
        actor=actor,
        action="bank_import.create",
        obj=bank_import,
        after=snapshot(
            bank_import,
            ["bank_account", "file_name", "sha256", "format", "transaction_count", "new_count"],
        ),
    )
    return bank_import


# --- Large files: stored, then imported by a Celery task ------------------------------------


def runs_in_background(size: int) -> bool:
    """Whether a file of `size` bytes is imported by a task (BANK_IMPORT_ASYNC_BYTES)."""
    return size > settings.BANK_IMPORT_ASYNC_BYTES


def bank_import_queue(
    *, account: BankAccount, actor, upload: File, file_name: str, format: str | None = None
) -> BankImport:
    """Store a large statement file and queue its import (IMPORT_TASK, by name),
    on commit. Returns the queued BankImport, whose status the import page shows."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    bank_import = None
    try:
        with transaction.atomic():
            bank_import = BankImport(
                agency_id=account.agency_id,
                bank_account=account,
                file_name=file_name[:255],
                sha256="",
                format=(format or "")[:16],
                status=ImportStatus.QUEUED,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            # A random name: the file name the user chose never reaches the file system.
            bank_import.upload.save(
                f"{account.agency_id}-{account.pk}-{secrets.token_hex(12)}.upload",
                upload,
                save=False,
            )
            bank_import.save()
            audit_record(
                agency=account.agency,
                actor=actor,
                action="bank_import.queue",
                obj=bank_import,
                after=snapshot(bank_import, ["bank_account", "file_name", "format", "status"])
                | {"bytes": upload.size},
            )
            enqueue_on_commit(IMPORT_TASK, account.agency_id, bank_import.pk, language)
    except BaseException:
        # The row was rolled back: do not leave its stored file behind.
        if (
            bank_import is not None
            and bank_import.upload
            and not BankImport.objects.filter(pk=bank_import.pk).exists()
        ):
            bank_import.upload.delete(save=False)
        raise
    return bank_import


def failure_message(exc: StatementParseError | BankImportError) -> str:
    """What the upload page and the background import's status both say of a refused file."""
    if isinstance(exc, StatementParseError):
        return _("Nothing was imported. %(problem)s") % {"problem": exc.render(_)}
    return _("Nothing was imported. %(problem)s") % {"problem": exc}


def bank_import_execute(*, agency_id: int, import_id: int) -> BankImport:
    """Import a queued file (what the Celery task runs); safe to run again.

    queued → importing (committed, so the page shows it) → done, or failed with the same
    message the upload page would give. The import itself is one transaction: on failure
    nothing of the file is saved. A worker killed mid-import leaves "importing", which a
    redelivered task imports again from the start. The stored file is removed once done or
    failed.
    """
    with tenant_transaction(agency_id):
        bank_import = (
            BankImport.objects.select_for_update(of=("self",))
            .select_related("bank_account", "created_by")
            .get(agency_id=agency_id, pk=import_id)
        )
        if bank_import.status not in (ImportStatus.QUEUED, ImportStatus.IMPORTING):
            return bank_import
        bank_import.status = ImportStatus.IMPORTING
        bank_import.save(update_fields=["status"])
    try:
        with tenant_transaction(agency_id), bank_import.upload.open("rb") as data:
            bank_import = bank_statement_import(
                account=bank_import.bank_account,
                actor=bank_import.created_by,
                data=data,
                file_name=bank_import.file_name,
                format=bank_import.format or None,
                queued=bank_import,
            )
    except (StatementParseError, BankImportError) as exc:
        return _finish_failed(agency_id, import_id, failure_message(exc))
    except Exception:
        _finish_failed(agency_id, import_id, _("The import stopped unexpectedly; upload again."))
        raise
    return _discard_upload(agency_id, import_id)


def _finish_failed(agency_id: int, import_id: int, message: str) -> BankImport:
    with tenant_transaction(agency_id):
        bank_import = BankImport.objects.select_for_update().get(agency_id=agency_id, pk=import_id)
        bank_import.status = ImportStatus.FAILED
        bank_import.error = message
        bank_import.finished_at = timezone.now()
        bank_import.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            agency=bank_import.agency,
            actor=None,
            actor_label="celery:bank_import",
            action="bank_import.fail",
            obj=bank_import,
            after={"file_name": bank_import.file_name, "error": message},
        )
    return _discard_upload(agency_id, import_id)


def _discard_upload(agency_id: int, import_id: int) -> BankImport:
    with tenant_transaction(agency_id):
        bank_import = BankImport.objects.select_for_update().get(agency_id=agency_id, pk=import_id)
        if bank_import.upload:
            bank_import.upload.delete(save=False)
            bank_import.save(update_fields=["upload"])
    return bank_import

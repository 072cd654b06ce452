"""Bank statement parsers: bytes in, plain records out, or one StatementParseError.

    result = parse_statement(data)                    # format sniffed
    result = parse_statement(data, format="mt940")    # or chosen
    result = parse_statement(data, csv_mapping=mapping_saved_for_the_account)

Formats: CAMT.053 (ISO 20022 XML, camt.053.001.02-.13), SWIFT MT940, OFX 1.x (SGML) and 2.x
(XML), and CSV with a per-account ColumnMapping. Nothing here touches the database; saving
is the import service's job, which must write nothing when this raises.

For large files, `open_statement()` gives the same records one by one (each
StatementRecord before its transactions), so an importer can save in batches inside one
transaction without holding every record; CAMT.053 is parsed incrementally from a file
object. `parse_statement()` collects them into a ParseResult.

Limits: `max_bytes` (default 50 MB) is checked before anything is parsed; a larger file is
refused. `max_elements` caps the XML elements of a CAMT.053 or OFX file (counted as the
bytes are read, before the parser builds them, so a file of millions of tiny elements is
refused without ever being held), and `max_entries` the transactions of any format. Text
formats are decoded as UTF-8, else Windows-1252, else Latin-1 (see fields.decode_text)
unless `encoding=` is given; a byte order mark, or UTF-16 without one, is recognised first
(fields.sniff_encoding). XML declares its own encoding. A binary file (PDF, spreadsheet,
image, archive, zero bytes) is refused before any parser sees it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import IO

from . import camt053, mt940, ofx
from .csv_statement import ColumnMapping
from .csv_statement import iter_records as _iter_csv
from .errors import StatementParseError, StatementWarning
from .errors import gettext_noop as _
from .fields import binary_kind, decode_text, unicode_head
from .records import CREDIT, DEBIT, ParseResult, StatementRecord, TransactionRecord

__all__ = [
    "CREDIT",
    "DEBIT",
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "ColumnMapping",
    "ParseResult",
    "StatementParseError",
    "StatementRecord",
    "StatementStream",
    "StatementWarning",
    "TransactionRecord",
    "detect_format",
    "open_statement",
    "parse_statement",
]

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
FORMATS = ("camt053", "mt940", "ofx", "csv")
_SNIFF_BYTES = 65536
_MT940_TAG = re.compile(
    rb"(?m)^[ \t]*(?:\{1:|:(?:20|21|25|28C?|60[FM]|61|62[FM]|64|65|86|NS|13D?|34F):)"
)
_OFX = re.compile(rb"OFXHEADER|<OFX>", re.IGNORECASE)
_XML_START = re.compile(rb"\s*<")


_START_TAG = re.compile(rb"<(?!/)")


def count_elements(data: bytes) -> int:
    """Start tags in `data` (also declarations and comments: an upper bound, cheap in C)."""
    return data.count(b"<") - data.count(b"</")


class _LimitedReader(io.RawIOBase):
    """A binary stream that refuses to deliver more than `limit` bytes, and, when
    `max_elements` is set, more than that many XML start tags."""

    def __init__(
        self, head: bytes, rest: IO[bytes] | None, limit: int, max_elements: int | None = None
    ) -> None:
        self._head = memoryview(head)
        self._offset = 0
        self._rest = rest
        self._limit = limit
        self._delivered = 0
        self.max_elements = max_elements
        self._elements = 0
        self._lines = 0

    def _count(self, chunk: bytes) -> None:
        assert self.max_elements is not None
        self._elements += count_elements(chunk)
        if self._elements > self.max_elements:
            # Name the line of the first element beyond the limit (only computed on refusal).
            over = self._elements - self.max_elements
            starts = [m.start() for m in _START_TAG.finditer(chunk)]
            position = starts[-over] if over <= len(starts) else 0
            line = self._lines + chunk.count(b"\n", 0, position) + 1
            raise too_many_elements(self.max_elements, line)
        self._lines += chunk.count(b"\n")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        wanted = len(buffer)
        if self._offset < len(self._head):
            chunk = self._head[self._offset : self._offset + wanted]
            self._offset += len(chunk)
        elif self._rest is not None:
            chunk = memoryview(self._rest.read(wanted))
        else:
            return 0
        self._delivered += len(chunk)
        if self._delivered > self._limit:
            raise _too_large(self._limit)
        if self.max_elements is not None:
            self._count(bytes(chunk))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _too_large(limit: int) -> StatementParseError:
    size = f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return StatementParseError(_("the file is larger than the limit of %(limit)s"), limit=size)


def too_many_elements(limit: int, line: int) -> StatementParseError:
    return StatementParseError(
        _("the file has more than %(limit)s XML elements, more than any statement we accept"),
        line=line,
        limit=f"{limit:,}",
    )


def _too_many_entries(limit: int, record: TransactionRecord) -> StatementParseError:
    return StatementParseError(
        _("the file has more than %(limit)s transactions; split it into smaller statements"),
        line=record.line or None,
        limit=f"{limit:,}",
    )


def _check_text_elements(text: str, limit: int) -> None:
    """OFX is read whole: count its tags before the parser builds a node for each."""
    if text.count("<") - text.count("</") <= limit:
        return
    for number, match in enumerate(re.finditer(r"<(?!/)", text), start=1):
        if number > limit:
            raise too_many_elements(limit, text.count("\n", 0, match.start()) + 1)


def _refuse_binary(head: bytes) -> None:
    """A PDF, a spreadsheet, an image or other binary data is no statement: say so plainly."""
    kind = binary_kind(head)
    if kind == "binary":
        raise StatementParseError(
            _(
                "the file contains binary data, not the text of a bank statement; download "
                "the statement from your bank as CAMT.053, MT940, OFX or CSV"
            ),
            line=head.count(b"\n", 0, head.find(b"\x00")) + 1,
        )
    if kind is not None:
        raise StatementParseError(
            _(
                "the file is a %(kind)s file, not a bank statement; download the statement "
                "from your bank as CAMT.053, MT940, OFX or CSV"
            ),
            line=1,
            kind=kind,
        )


def detect_format(head: bytes) -> str | None:
    """Guess the format from the first bytes of a file; None when it is not recognisable.

    CSV is never guessed: it needs the column mapping saved for the bank account.
    """
    text = unicode_head(head)  # UTF-16/32 (with or without a byte order mark) as UTF-8
    if _OFX.search(text[:4096]):
        return ofx.FORMAT
    if _XML_START.match(text):
        return camt053.FORMAT
    if _MT940_TAG.search(text):
        return mt940.FORMAT
    return None


class StatementStream:
    """Records of one statement file, produced lazily. Iterate once.

    `warnings` fills up while iterating; `format` is known from the start.
    """

    def __init__(
        self,
        source: bytes | IO[bytes],
        *,
        format: str | None = None,
        csv_mapping: ColumnMapping | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        encoding: str | None = None,
        max_elements: int | None = None,
        max_entries: int | None = None,
    ) -> None:
        if format is not None and format not in FORMATS:
            raise ValueError(f"unknown statement format {format!r}; expected one of {FORMATS}")
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            if len(data) > max_bytes:
                raise _too_large(max_bytes)
            head, rest = data, None
        else:
            head, rest = source.read(_SNIFF_BYTES), source
            if len(head) > max_bytes:
                raise _too_large(max_bytes)
        _refuse_binary(head[:_SNIFF_BYTES])
        if format is None:
            format = "csv" if csv_mapping is not None else detect_format(head[:_SNIFF_BYTES])
        if format is None:
            raise StatementParseError(
                _(
                    "the file is not a recognised bank statement (CAMT.053 XML, MT940 or "
                    "OFX); a CSV export needs a column mapping"
                ),
                line=1,
            )
        if format == "csv" and csv_mapping is None:
            raise ValueError("a CSV statement needs a ColumnMapping")
        self.format = format
        self.warnings: list[StatementWarning] = []
        self._mapping = csv_mapping
        self._encoding = encoding
        self._max_bytes = max_bytes
        self._max_elements = max_elements
        self._max_entries = max_entries
        # Counted while lxml pulls bytes: the tree never grows past the limit.
        counted = max_elements if format == camt053.FORMAT else None
        self._reader = _LimitedReader(head, rest, max_bytes, counted)

    def _read_all(self) -> bytes:
        return io.BufferedReader(self._reader).read()

    def _text(self) -> str:
        text, used = decode_text(self._read_all(), self._encoding)
        if used not in ("utf-8", "utf-16", "utf-32") and self._encoding is None:
            self.warnings.append(
                StatementWarning(
                    _("the file is not UTF-8; it was read as %(encoding)s"), encoding=used
                )
            )
        return text

    def __iter__(self) -> Iterator[StatementRecord | TransactionRecord]:
        limit = self._max_entries
        if limit is None:
            yield from self._records()
            return
        count = 0
        for record in self._records():
            if isinstance(record, TransactionRecord):
                count += 1
                if count > limit:
                    raise _too_many_entries(limit, record)
            yield record

    def _records(self) -> Iterator[StatementRecord | TransactionRecord]:
        if self.format == camt053.FORMAT:
            buffered = io.BufferedReader(self._reader, buffer_size=_SNIFF_BYTES)
            camt053.check_prolog(buffered.peek(_SNIFF_BYTES)[:_SNIFF_BYTES])
            records = camt053.iter_records(buffered, self.warnings)
        elif self.format == mt940.FORMAT:
            records = mt940.iter_records(self._text(), self.warnings)
        elif self.format == ofx.FORMAT:
            text = self._text()
            if self._max_elements is not None:
                _check_text_elements(text, self._max_elements)
            records = ofx.iter_records(text, self.warnings)
        else:
            assert self._mapping is not None
            data = self._read_all()
            text, _used = decode_text(data, self._encoding or self._mapping.encoding)
            records = _iter_csv(text, self._mapping, self.warnings)
        yield from records  # type: ignore[misc]


def open_statement(
    source: bytes | IO[bytes],
    *,
    format: str | None = None,
    csv_mapping: ColumnMapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
    max_elements: int | None = None,
    max_entries: int | None = None,
) -> StatementStream:
    """Start reading a statement; iterate the result for its records (see StatementStream)."""
    return StatementStream(
        source,
        format=format,
        csv_mapping=csv_mapping,
        max_bytes=max_bytes,
        encoding=encoding,
        max_elements=max_elements,
        max_entries=max_entries,
    )


def parse_statement(
    source: bytes | IO[bytes],
    *,
    format: str | None = None,
    csv_mapping: ColumnMapping | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    encoding: str | None = None,
    max_elements: int | None = None,
    max_entries: int | None = None,
) -> ParseResult:
    """Parse a whole statement file. Raises StatementParseError naming the line or element."""
    stream = open_statement(
        source,
        format=format,
        csv_mapping=csv_mapping,
        max_bytes=max_bytes,
        encoding=encoding,
        max_elements=max_elements,
        max_entries=max_entries,
    )
    statements: list[StatementRecord] = []
    transactions: list[TransactionRecord] = []
    for record in stream:
        if isinstance(record, TransactionRecord):
            transactions.append(record)
        else:
            statements.append(record)
    return ParseResult(
        format=stream.format,
        statements=tuple(statements),
        transactions=tuple(transactions),
        warnings=tuple(stream.warnings),
    )

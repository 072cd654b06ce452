"""Exchange rates: the ECB's euro reference rates, the agency's own dated rates, and the rate
book reconciliation reads them through.

A rate is always "one `base` in `quote`". The ECB publishes, on every TARGET business day,
how many units of each currency one euro buys; those rows (`ReferenceRate`) are public data
shared by every agency. An agency can enter its own rate for a day (`FxRate`, e.g. the rate
its bank actually applied), and keeps an undated fallback per pair in its payout settings.

The parsers are pure (bytes in, `RateRecord`s out, `RateFileError` naming the line); the
import stores a file set-based; `RateBook` answers rates from memory after loading once.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from lxml import etree

from agencies.audit import audit_record, snapshot
from agencies.models import CURRENCY_CHOICES, Agency

from .models import FxRate, PayoutSettings, ReferenceRate
from .parsers.camt053 import check_prolog
from .parsers.errors import StatementParseError, shorten
from .parsers.fields import is_currency

ECB = "ECB"
FIRST_EURO_DAY = dt.date(1999, 1, 4)  # the first day the ECB published euro reference rates
# A day without a publication (weekend, TARGET holiday such as Good Friday to Easter Monday)
# takes the latest rates published before it, at most this many days back.
LOOKBACK_DAYS = 4
MAX_FILE_BYTES = 20 * 1024 * 1024  # the full history as XML is about 7 MB
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
SUPPORTED_CURRENCIES = frozenset(code for code, _label in CURRENCY_CHOICES)

ONE = Decimal(1)
_RATE_PLACES = Decimal("1e-8")  # ReferenceRate/FxRate keep 8 decimals
_RATE_LIMIT = Decimal("1e10")  # and 10 digits before the point (max_digits=18)
_DIVISION = Context(prec=28, rounding=ROUND_HALF_EVEN)  # the same whatever the thread's context
_MISSING = frozenset({"", "N/A"})  # the ECB writes N/A for a currency it did not quote that day
_NUMBER = re.compile(
    r"-?\d+(?:\.\d+)?", re.ASCII
)  # Decimal() would also take "1_0", "+1", "1e3", "NaN"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LONG_DATE = re.compile(r"(\d{1,2}) ([A-Za-z]+) (\d{4})")  # the daily CSV: "05 December 2026"
_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            *("january", "february", "march", "april", "may", "june", "july"),
            *("august", "september", "october", "november", "december"),
        ),
        start=1,
    )
    for name in (full, full[:3])
}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a file entry, or the end of an empty zip
_LXML_POSITION = re.compile(r",? line \d+, column \d+$")


# --- Parsing the ECB's files -----------------------------------------------------------------


class RateRecord(NamedTuple):
    """One published rate: `rate` units of `currency` per euro on `date` (line `line`)."""

    date: dt.date
    currency: str
    rate: Decimal
    line: int


class RateFileError(ValueError):
    """The file is not a readable ECB reference-rate file; nothing from it may be stored.

    `str(error)` reads e.g. "Line 14: the USD rate must be positive, not -1.0765"; a file
    inside a zip is named first. Messages are English templates marked for translation;
    `error.render(gettext)` gives them in the user's language.
    """

    def __init__(self, message: str, *, line: int | None = None, **params: Any) -> None:
        self.template = message
        self.line = line
        self.member = ""  # the file's name inside a zip
        self.params = {key: shorten(value) for key, value in params.items()}
        super().__init__(message)

    def render(self, translate: Callable[[str], str] = str) -> str:
        text = translate(self.template) % self.params if self.params else translate(self.template)
        if self.line is not None:
            text = translate(gettext_noop("Line %(line)s: %(problem)s")) % {
                "line": self.line,
                "problem": text,
            }
        return f"{self.member}: {text}" if self.member else text

    def __str__(self) -> str:
        return self.render()


def parse_reference_rates(data: bytes, *, latest: dt.date | None = None) -> list[RateRecord]:
    """Every rate in one of the ECB's euro reference-rate files, whichever it is: the CSVs
    (`eurofxref-hist.csv`, `eurofxref.csv`), the XMLs (`eurofxref-daily.xml`,
    `eurofxref-hist.xml`, `eurofxref-hist-90d.xml`) or a .zip holding one of them.

    Dates after `latest` are refused (the ECB does not publish ahead). Raises RateFileError.
    """
    if not data.strip():
        raise RateFileError(gettext_noop("the file is empty"))
    if not data.startswith(_ZIP_MAGIC):
        return _parse_plain(data, latest)
    member, inner = _unzip(data)
    try:
        return _parse_plain(inner, latest)
    except RateFileError as error:
        error.member = member
        raise


def _parse_plain(data: bytes, latest: dt.date | None) -> list[RateRecord]:
    if data.startswith(_ZIP_MAGIC):
        raise RateFileError(gettext_noop("a zip inside the zip file is not read"))
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return parse_ecb_xml(data, latest=latest)
    return parse_ecb_csv(data, latest=latest)


def _unzip(data: bytes) -> tuple[str, bytes]:
    """The one file in a zip (the ECB serves eurofxref-hist.zip), read with a size limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
        ]
        if len(members) != 1:
            raise RateFileError(
                gettext_noop("the zip file must hold exactly one rates file, not %(count)s"),
                count=len(members),
            )
        info = members[0]
        with archive.open(info) as handle:
            # file_size is what the archive claims; read no more than the limit regardless.
            inner = handle.read(MAX_UNZIPPED_BYTES + 1)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise RateFileError(
            gettext_noop("the zip file cannot be read (%(reason)s)"), reason=exc
        ) from None
    if len(inner) > MAX_UNZIPPED_BYTES:
        raise RateFileError(
            gettext_noop("the file in the zip is larger than %(mb)s MB"),
            mb=MAX_UNZIPPED_BYTES // (1024 * 1024),
        )
    return info.filename, inner


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RateFileError(
            gettext_noop("the file is not UTF-8 text"), line=data[: exc.start].count(b"\n") + 1
        ) from None


def _parse_date(text: str, line: int, latest: dt.date | None) -> dt.date:
    day = None
    try:
        if _ISO_DATE.fullmatch(text):
            day = dt.date.fromisoformat(text)
        elif (m := _LONG_DATE.fullmatch(text)) and m[2].lower() in _MONTHS:
            day = dt.date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    except ValueError:
        raise RateFileError(
            gettext_noop("'%(value)s' is not a date that exists"), line=line, value=text
        ) from None
    if day is None:
        raise RateFileError(
            gettext_noop("'%(value)s' is not a date (write 2026-12-05 or 05 December 2026)"),
            line=line,
            value=text,
        )
    if day < FIRST_EURO_DAY:
        raise RateFileError(
            gettext_noop("%(value)s is before the first euro reference rates (1999-01-04)"),
            line=line,
            value=text,
        )
    if latest is not None and day > latest:
        raise RateFileError(
            gettext_noop("%(value)s is in the future; the ECB does not publish ahead"),
            line=line,
            value=text,
        )
    return day


def _parse_rate(text: str, currency: str, line: int) -> Decimal:
    # The fast path: what the ECB writes (a positive number, at most 10 digits before the
    # point and 8 after). Anything else is looked at again to say what is wrong with it.
    point = text.find(".")
    whole = len(text) if point < 0 else point
    if (
        0 < whole <= 10
        and len(text) - whole != 1
        and len(text) - whole <= 9
        and text.isascii()
        and text.replace(".", "", 1).isdigit()
    ):
        rate = Decimal(text)
        if rate:
            return rate
    params = {"line": line, "currency": currency, "value": text}
    if not _NUMBER.fullmatch(text):
        raise RateFileError(
            gettext_noop("the %(currency)s rate '%(value)s' is not a number"), **params
        )
    rate = Decimal(text)
    if rate <= 0:
        raise RateFileError(
            gettext_noop("the %(currency)s rate must be positive, not %(value)s"), **params
        )
    if rate >= _RATE_LIMIT:
        raise RateFileError(gettext_noop("the %(currency)s rate %(value)s is too large"), **params)
    if rate != rate.quantize(_RATE_PLACES):
        raise RateFileError(
            gettext_noop("the %(currency)s rate %(value)s has more than 8 decimals"), **params
        )
    return rate.quantize(_RATE_PLACES)  # trailing zeros beyond the 8th decimal


def _check_currency(code: str, line: int) -> str:
    if code == "EUR":
        raise RateFileError(
            gettext_noop("EUR cannot have a rate against the euro"), line=line, value=code
        )
    if len(code) != 3 or not code.isupper() or not is_currency(code):
        raise RateFileError(
            gettext_noop("'%(value)s' is not a currency code"), line=line, value=code
        )
    return code


class _Collector:
    """Records in file order, a day at a time. A day given twice (the ECB never does, a
    hand-merged file might) may repeat its rates but not contradict them."""

    def __init__(self) -> None:
        self.records: list[RateRecord] = []
        self.days: dict[dt.date, int] = {}  # day -> index of its first record

    def add_day(self, day: dt.date, records: list[RateRecord]) -> None:
        start = self.days.get(day)
        if start is None:
            self.days[day] = len(self.records)
            self.records.extend(records)
            return
        earlier = {r.currency: r for r in self.records[start:] if r.date == day}
        for record in records:
            known = earlier.get(record.currency)
            if known is None:
                self.records.append(record)
                earlier[record.currency] = record
            elif known.rate != record.rate:
                raise RateFileError(
                    gettext_noop(
                        "the %(currency)s rate of %(date)s is given again, differently "
                        "(line %(earlier)s says %(rate)s)"
                    ),
                    line=record.line,
                    currency=record.currency,
                    date=day.isoformat(),
                    earlier=known.line,
                    rate=known.rate,
                )

    def result(self) -> list[RateRecord]:
        if not self.records:
            raise RateFileError(gettext_noop("the file holds no rates"))
        return self.records


def _csv_header(cells: list[str], line: int) -> list[str]:
    if not cells or cells[0].lower() != "date":
        raise RateFileError(
            gettext_noop(
                "the first column must be Date, as in the ECB's reference-rate CSV (Date,USD,JPY,…)"
            ),
            line=line,
        )
    columns = cells[1:]
    while columns and not columns[-1]:  # the ECB ends every line with a comma
        columns.pop()
    seen: set[str] = set()
    for position, code in enumerate(columns, start=2):
        if not code:
            raise RateFileError(
                gettext_noop("column %(column)s has no currency code"), line=line, column=position
            )
        _check_currency(code, line)
        if code in seen:
            raise RateFileError(
                gettext_noop("the column %(value)s appears twice"), line=line, value=code
            )
        seen.add(code)
    if not columns:
        raise RateFileError(gettext_noop("the header names no currencies"), line=line)
    return columns


def parse_ecb_csv(data: bytes, *, latest: dt.date | None = None) -> list[RateRecord]:
    """The ECB's CSVs: `Date,USD,JPY,…` then one line per day (newest first in the history),
    `N/A` where a currency had no rate. The daily file pads with spaces and writes its date
    as "05 December 2026"; both end each line with a comma."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    collector = _Collector()
    columns: list[str] | None = None
    try:
        for raw in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in raw]
            if not any(cells):
                continue
            if columns is None:
                columns = _csv_header(cells, line)
                continue
            values = cells[1:]
            if len(values) < len(columns) or any(values[len(columns) :]):
                raise RateFileError(
                    gettext_noop(
                        "the header names %(expected)s currencies, this line has another number "
                        "of values (%(found)s)"
                    ),
                    line=line,
                    found=len([v for v in values if v]),
                    expected=len(columns),
                )
            day = _parse_date(cells[0], line, latest)
            collector.add_day(
                day,
                [
                    RateRecord(day, currency, _parse_rate(text, currency, line), line)
                    for currency, text in zip(columns, values, strict=False)
                    if text not in _MISSING
                ],
            )
    except csv.Error as exc:
        raise RateFileError(
            gettext_noop("the CSV cannot be read (%(reason)s)"), line=reader.line_num, reason=exc
        ) from None
    return collector.result()


def parse_ecb_xml(data: bytes, *, latest: dt.date | None = None) -> list[RateRecord]:
    """The ECB's XMLs: gesmes:Envelope / Cube / Cube time="2026-12-04" / Cube currency="USD"
    rate="1.0765". Safe: a DOCTYPE is refused before lxml sees the file, and lxml runs
    without entities, DTDs or network; each day's elements are freed once read."""
    try:
        check_prolog(data[:65536])
    except StatementParseError as exc:
        raise RateFileError(
            gettext_noop("the XML contains a DOCTYPE declaration; such files are refused"),
            line=exc.line,
        ) from None
    etree.clear_error_log()
    events = etree.iterparse(
        io.BytesIO(data),
        events=("start", "end"),
        tag="{*}Cube",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )
    collector = _Collector()
    day: dt.date | None = None
    rates: dict[str, RateRecord] = {}  # the day being read
    try:
        for event, element in events:
            time = element.get("time")
            if event == "end":
                if time is not None and day is not None:
                    collector.add_day(day, list(rates.values()))
                    day, rates = None, {}
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
                continue
            line = element.sourceline or 0
            if time is not None:
                day = _parse_date(time.strip(), line, latest)
                continue
            currency = element.get("currency")
            if currency is None:
                continue  # the outer Cube
            if day is None:
                raise RateFileError(
                    gettext_noop('a rate outside a dated Cube (Cube time="…")'), line=line
                )
            code = _check_currency(currency.strip(), line)
            text = (element.get("rate") or "").strip()
            if text in _MISSING:
                raise RateFileError(
                    gettext_noop("the %(currency)s Cube has no rate"), line=line, currency=code
                )
            record = RateRecord(day, code, _parse_rate(text, code, line), line)
            if code in rates and rates[code].rate != record.rate:
                raise RateFileError(
                    gettext_noop("the %(currency)s rate is given twice in one day"),
                    line=line,
                    currency=code,
                )
            rates.setdefault(code, record)
    except etree.XMLSyntaxError as exc:
        raise RateFileError(
            gettext_noop("the XML is not well-formed (%(reason)s)"),
            line=exc.lineno,
            reason=_LXML_POSITION.sub("", exc.msg or ""),
        ) from None
    return collector.result()


# --- Storing them ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    file_name: str
    days: int
    currencies: int
    first: dt.date
    last: dt.date
    new: int
    changed: int
    unchanged: int


def check_file_size(size: int) -> None:
    """Refuse a file over MAX_FILE_BYTES before reading it (the ECB's largest is ~7 MB)."""
    if size > MAX_FILE_BYTES:
        raise RateFileError(
            gettext_noop("the file is larger than %(mb)s MB"), mb=MAX_FILE_BYTES // (1024 * 1024)
        )


def reference_rates_import_upload(*, upload, actor, agency: Agency) -> ImportSummary:
    """`reference_rates_import` of an uploaded file (the page's form, the API): its size is
    checked before it is read into memory."""
    check_file_size(upload.size)
    return reference_rates_import(
        data=upload.read(), file_name=upload.name or "upload", actor=actor, agency=agency
    )


def reference_rates_import(
    *, data: bytes, file_name: str, actor=None, agency: Agency | None = None
) -> ImportSummary:
    """Store every rate of an ECB reference-rate file (`parse_reference_rates`).

    Set-based (on PostgreSQL one INSERT … ON CONFLICT per 50,000 rates, fed by arrays); a
    re-published value replaces the stored one, an unchanged re-import changes nothing. All
    or nothing: a RateFileError stores no row. The table is shared by every agency; an
    import by an agency's staff is audited in that agency's log (`agency`).
    """
    check_file_size(len(data))
    records = parse_reference_rates(data, latest=timezone.localdate() + dt.timedelta(days=1))
    days = {r.date for r in records}
    currencies = {r.currency for r in records}
    first, last = min(days), max(days)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            new, changed = _upsert_postgresql(records)
        else:
            new, changed = _upsert(records)
        summary = ImportSummary(
            file_name=file_name,
            days=len(days),
            currencies=len(currencies),
            first=first,
            last=last,
            new=new,
            changed=changed,
            unchanged=len(records) - new - changed,
        )
        if agency is not None:
            audit_record(
                agency=agency,
                actor=actor,
                action="reference_rates.import",
                after={
                    "file": file_name,
                    "first": first,
                    "last": last,
                    "currencies": sorted(currencies),
                    "new": summary.new,
                    "changed": summary.changed,
                    "unchanged": summary.unchanged,
                },
            )
    return summary


_UPSERT_CHUNK = 50_000
_UPSERT_SQL = """
WITH incoming (date, currency, rate) AS (
    SELECT * FROM unnest(%(dates)s::date[], %(currencies)s::varchar[], %(rates)s::numeric[])
), compared AS (
    SELECT incoming.*, stored.rate AS stored_rate
    FROM incoming LEFT JOIN {table} AS stored USING (currency, date)
), written AS (
    INSERT INTO {table} AS stored (date, currency, rate, source, created_at)
    SELECT date, currency, rate, %(source)s, now() FROM compared
    WHERE stored_rate IS NULL OR stored_rate <> rate
    ON CONFLICT (currency, date) DO UPDATE SET rate = EXCLUDED.rate, source = EXCLUDED.source
    RETURNING 1
)
SELECT count(*) FILTER (WHERE stored_rate IS NULL),
       count(*) FILTER (WHERE stored_rate <> rate),
       (SELECT count(*) FROM written)
FROM compared
"""


def _upsert_postgresql(records: list[RateRecord]) -> tuple[int, int]:
    """(new, changed), comparing and writing in the database: one statement per chunk, fed
    by arrays, that inserts the new rates and updates the changed ones; an unchanged rate
    is not touched (no row lock, no new row version)."""
    table = connection.ops.quote_name(ReferenceRate._meta.db_table)
    sql = _UPSERT_SQL.format(table=table)
    new = changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(records), _UPSERT_CHUNK):
            chunk = records[start : start + _UPSERT_CHUNK]
            cursor.execute(
                sql,
                {
                    # Array literals: psycopg adapting 50,000 dates and Decimals one by one
                    # takes longer than the statement. Codes and numbers need no quoting.
                    "dates": _array(r.date.isoformat() for r in chunk),
                    "currencies": _array(r.currency for r in chunk),
                    "rates": _array(str(r.rate) for r in chunk),
                    "source": ECB,
                },
            )
            added, differing, _written = cursor.fetchone()
            new += added
            changed += differing
    return new, changed


def _array(values) -> str:
    return "{" + ",".join(values) + "}"


def _upsert(records: list[RateRecord]) -> tuple[int, int]:
    """(new, changed), for databases without the array upsert: read what is stored for the
    file's days, write what is new or different in bulk."""
    first, last = min(r.date for r in records), max(r.date for r in records)
    stored = {
        (day, currency): rate
        for day, currency, rate in ReferenceRate.objects.filter(
            date__range=(first, last)
        ).values_list("date", "currency", "rate")
    }
    new = [r for r in records if (r.date, r.currency) not in stored]
    changed = [r for r in records if stored.get((r.date, r.currency), r.rate) != r.rate]
    ReferenceRate.objects.bulk_create(
        [
            ReferenceRate(date=r.date, currency=r.currency, rate=r.rate, source=ECB)
            for r in (*new, *changed)
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["currency", "date"],
        update_fields=["rate", "source"],
    )
    return len(new), len(changed)


# --- The agency's own rates ------------------------------------------------------------------

FX_RATE_FIELDS = ["date", "base", "quote", "rate"]


def _clean_pair(base: str, quote: str) -> tuple[str, str]:
    base, quote = (base or "").strip().upper(), (quote or "").strip().upper()
    errors = {}
    for field, code in (("base", base), ("quote", quote)):
        if code not in SUPPORTED_CURRENCIES:
            errors[field] = gettext("Choose one of the supported currencies.")
    if not errors and base == quote:
        errors["quote"] = gettext("Choose a currency other than the one you convert from.")
    if errors:
        raise ValidationError(errors)
    return base, quote


def _clean_rate(rate: Decimal | str) -> Decimal:
    try:
        value = rate if isinstance(rate, Decimal) else Decimal(str(rate).strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value <= 0:
        raise ValidationError({"rate": gettext("The rate must be a number above zero.")})
    if value != value.quantize(_RATE_PLACES) or value >= _RATE_LIMIT:
        raise ValidationError(
            {"rate": gettext("Give the rate with at most 10 digits before the point and 8 after.")}
        )
    return value.quantize(_RATE_PLACES)


@transaction.atomic
def fx_rate_set(
    *, agency: Agency, actor, date: dt.date, base: str, quote: str, rate: Decimal | str
) -> FxRate:
    """Set the agency's rate for one `base` in `quote` on `date` (creates or changes it).

    Refused: a currency the app does not support, the same currency twice, a rate that is
    not above zero, a day after tomorrow (agency's time), and a pair whose inverse already
    has a rate that day (change that one instead). Locks the existing row; audited.
    """
    base, quote = _clean_pair(base, quote)
    value = _clean_rate(rate)
    tomorrow = timezone.localdate(timezone=agency.tzinfo) + dt.timedelta(days=1)
    if date > tomorrow:
        raise ValidationError({"date": gettext("Rates can be set up to tomorrow, not later.")})
    inverse = FxRate.objects.filter(agency=agency, date=date, base=quote, quote=base).first()
    if inverse is not None:
        raise ValidationError(
            {
                "base": gettext(
                    "This day already has a %(pair)s rate (%(rate)s); change that one instead."
                )
                % {"pair": f"{quote}/{base}", "rate": inverse.rate.normalize()}
            }
        )
    existing = (
        FxRate.objects.select_for_update()
        .filter(agency=agency, date=date, base=base, quote=quote)
        .first()
    )
    before = snapshot(existing, FX_RATE_FIELDS) if existing else None
    fx_rate = existing or FxRate(
        agency=agency, date=date, base=base, quote=quote, created_by=_user(actor)
    )
    fx_rate.rate = value
    fx_rate.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            fx_rate.save()
    except IntegrityError:
        # Someone entered the same pair and day between our read and this insert.
        raise ValidationError(
            gettext("Someone else just entered this rate; reload and try again.")
        ) from None
    audit_record(
        agency=agency,
        actor=actor,
        action="fx_rate.set",
        obj=fx_rate,
        before=before,
        after=snapshot(fx_rate, FX_RATE_FIELDS),
    )
    return fx_rate


@transaction.atomic
def fx_rate_delete(*, fx_rate: FxRate, actor) -> None:
    """Remove one of the agency's rates; the audit entry keeps what it said."""
    fx_rate = FxRate.objects.select_for_update().select_related("agency").get(pk=fx_rate.pk)
    audit_record(
        agency=fx_rate.agency,
        actor=actor,
        action="fx_rate.delete",
        obj=fx_rate,
        before=snapshot(fx_rate, FX_RATE_FIELDS),
    )
    fx_rate.delete()


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- Reads for the pages and the API ---------------------------------------------------------


def fx_rate_list(*, agency: Agency) -> models.QuerySet[FxRate]:
    """The agency's own rates, newest day first, with who entered them."""
    return (
        FxRate.objects.for_agency(agency)
        .select_related("created_by")
        .order_by("-date", "base", "quote", "-id")
    )


def reference_rate_list() -> models.QuerySet[ReferenceRate]:
    """The stored reference rates of the currencies the app supports, newest day first."""
    return ReferenceRate.objects.filter(currency__in=SUPPORTED_CURRENCIES).order_by(
        "-date", "currency"
    )


# --- The rate book ---------------------------------------------------------------------------


class RateSource(models.TextChoices):
    MANUAL = "manual", _("Entered by the agency")
    REFERENCE = "ecb", _("ECB reference rate")
    FALLBACK = "settings", _("Payout settings (undated)")
    SAME = "same", _("Same currency")


class RateQuote(NamedTuple):
    """A rate and where it came from; `date` is the day it was published or entered for
    (None for the undated fallback of the payout settings)."""

    rate: Decimal
    source: str
    date: dt.date | None

    @property
    def label(self) -> str:
        return str(RateSource(self.source).label)


_BACK = tuple(dt.timedelta(days=n) for n in range(LOOKBACK_DAYS + 1))


def fallback_rates(raw: Mapping[str, Any] | None) -> dict[tuple[str, str], Decimal]:
    """The payout settings' {"USD/EUR": "0.92"} as {("USD", "EUR"): Decimal("0.92")};
    an entry that does not read as a pair and a positive rate is left out."""
    rates: dict[tuple[str, str], Decimal] = {}
    for key, value in (raw or {}).items():
        try:
            base, quote = str(key).strip().upper().split("/")
            rate = Decimal(str(value).strip())
        except (ValueError, ArithmeticError):
            continue
        if rate.is_finite() and rate > 0 and base != quote:
            rates[(base, quote)] = rate
    return rates


class RateBook:
    """The rates reconciliation judges a deposit by, answered from memory.

    `rate(base, quote, on)` is one `base` in `quote` on day `on`, from the first of:
    1. the agency's own rate for that day (`FxRate`), or the inverse of its rate the other
       way round;
    2. the ECB reference rates of that day, or of the latest day published before it at most
       LOOKBACK_DAYS back, crossed through the euro: EUR/X is the published rate, X/EUR its
       inverse, X/Y = rate(Y) / rate(X), both of the same publication;
    3. the agency's undated fallback for the pair (payout settings), or its inverse;
    else None. Inverses and cross rates are computed to 28 significant digits; quantize
    (`payouts.money.quantize_rate`) before storing one. Answers are memoised.
    """

    __slots__ = ("_fallback", "_manual", "_memo", "_reference")

    def __init__(
        self,
        *,
        manual: Mapping[tuple[dt.date, str, str], Decimal] | None = None,
        reference: Mapping[dt.date, Mapping[str, Decimal]] | None = None,
        fallback: Mapping[tuple[str, str], Decimal] | None = None,
    ) -> None:
        self._manual = dict(manual or {})
        self._reference = {day: dict(rates) for day, rates in (reference or {}).items()}
        self._fallback = dict(fallback or {})
        self._memo: dict[tuple[str, str, dt.date], RateQuote | None] = {}

    @classmethod
    def for_agency(cls, agency: Agency, first: dt.date, last: dt.date) -> RateBook:
        """The book for deposits booked in [first, last], in three queries: the agency's
        fallback (payout settings), its own rates of the period, and the reference rates
        published from LOOKBACK_DAYS before `first` to `last`. Days outside that period get
        only the fallback."""
        fallback = (
            PayoutSettings.objects.filter(agency=agency)
            .values_list("fx_reference_rates", flat=True)
            .first()
        )
        manual = {
            (day, base, quote): rate
            for day, base, quote, rate in FxRate.objects.filter(
                agency=agency, date__range=(first, last)
            ).values_list("date", "base", "quote", "rate")
        }
        reference: dict[dt.date, dict[str, Decimal]] = {}
        for day, currency, rate in ReferenceRate.objects.filter(
            date__range=(first - _BACK[-1], last)
        ).values_list("date", "currency", "rate"):
            reference.setdefault(day, {})[currency] = rate
        return cls(manual=manual, reference=reference, fallback=fallback_rates(fallback))

    def rate(self, base: str, quote: str, on: dt.date) -> Decimal | None:
        """One `base` in `quote` on `on`, or None when no rate is known."""
        found = self.rate_with_source(base, quote, on)
        return None if found is None else found.rate

    def rate_with_source(self, base: str, quote: str, on: dt.date) -> RateQuote | None:
        """Like `rate`, with where the rate came from and the day it is of."""
        key = (base, quote, on)
        try:
            return self._memo[key]
        except KeyError:
            found = self._memo[key] = self._find(base, quote, on)
            return found

    def _find(self, base: str, quote: str, on: dt.date) -> RateQuote | None:
        if base == quote:
            return RateQuote(ONE, RateSource.SAME, on)
        rate = self._manual.get((on, base, quote))
        if rate is not None:
            return RateQuote(rate, RateSource.MANUAL, on)
        rate = self._manual.get((on, quote, base))
        if rate is not None:
            return RateQuote(_DIVISION.divide(ONE, rate), RateSource.MANUAL, on)
        for back in _BACK:
            day = on - back
            published = self._reference.get(day)
            if published is None:
                continue
            rate = _cross(published, base, quote)
            if rate is not None:
                return RateQuote(rate, RateSource.REFERENCE, day)
        rate = self._fallback.get((base, quote))
        if rate is not None:
            return RateQuote(rate, RateSource.FALLBACK, None)
        rate = self._fallback.get((quote, base))
        if rate is not None:
            return RateQuote(_DIVISION.divide(ONE, rate), RateSource.FALLBACK, None)
        return None


def _cross(per_euro: Mapping[str, Decimal], base: str, quote: str) -> Decimal | None:
    """One `base` in `quote` from one day's units-per-euro rates (None if one is missing)."""
    if base == "EUR":
        return per_euro.get(quote)
    base_rate = per_euro.get(base)
    if base_rate is None:
        return None
    if quote == "EUR":
        return _DIVISION.divide(ONE, base_rate)
    quote_rate = per_euro.get(quote)
    if quote_rate is None:
        return None
    return _DIVISION.divide(quote_rate, base_rate)

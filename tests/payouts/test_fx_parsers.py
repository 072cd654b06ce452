"""Reading the ECB's euro reference-rate files: every published layout, and clear refusals
naming the line for anything else."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from payouts.fx import RateFileError, parse_reference_rates

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "fx"
D = Decimal
DEC6 = dt.date(2024, 12, 6)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def rates_of(records, day: dt.date) -> dict[str, Decimal]:
    return {r.currency: r.rate for r in records if r.date == day}


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(RateFileError) as caught:
        parse_reference_rates(data, **kwargs)
    return str(caught.value)


# --- the published layouts -------------------------------------------------------------------


def test_the_historical_csv_gives_every_quoted_rate_of_every_day_newest_first():
    records = parse_reference_rates(read("eurofxref-hist.csv"))

    days = sorted({r.date for r in records}, reverse=True)
    assert days[0] == DEC6 and days[-1] == dt.date(2024, 11, 29) and len(days) == 6
    friday = rates_of(records, DEC6)
    assert (friday["USD"], friday["GBP"], friday["JPY"]) == (D("1.0581"), D("0.83010"), D("157.83"))
    # N/A (currencies that joined the euro or are no longer quoted) is no rate, not zero.
    assert "CYP" not in friday and "RUB" not in friday and len(friday) == 30
    assert "ISK" not in rates_of(records, dt.date(2024, 12, 4))
    assert records[0].line == 2


def test_the_daily_csv_with_spaces_and_a_written_out_date_reads_the_same():
    daily = parse_reference_rates(read("eurofxref.csv"))
    history = parse_reference_rates(read("eurofxref-hist.csv"))

    assert {r.date for r in daily} == {DEC6}
    assert rates_of(daily, DEC6) == rates_of(history, DEC6)


@pytest.mark.parametrize("name", ["eurofxref-daily.xml", "eurofxref-hist-90d.xml"])
def test_the_xml_files_read_like_the_csv(name):
    records = parse_reference_rates(read(name))
    history = parse_reference_rates(read("eurofxref-hist.csv"))

    for day in {r.date for r in records}:
        assert rates_of(records, day) == rates_of(history, day)
    assert len({r.date for r in records}) == (1 if "daily" in name else 4)


def test_the_daily_xml_names_the_line_of_each_rate():
    records = parse_reference_rates(read("eurofxref-daily.xml"))
    assert (records[0].currency, records[0].line) == ("USD", 9)


def test_the_zipped_history_the_ecb_serves_is_read_through():
    assert parse_reference_rates(read("eurofxref-hist.zip")) == parse_reference_rates(
        read("eurofxref-hist.csv")
    )


def test_a_byte_order_mark_and_windows_line_ends_are_fine():
    data = b"\xef\xbb\xbf" + read("eurofxref-hist.csv").replace(b"\n", b"\r\n")
    assert len(parse_reference_rates(data)) == len(
        parse_reference_rates(read("eurofxref-hist.csv"))
    )


def test_a_day_repeated_with_the_same_rates_is_kept_once():
    data = b"Date,USD,GBP,\n2024-12-06,1.0581,0.8301,\n2024-12-06,1.0581,0.8301,\n"
    assert len(parse_reference_rates(data)) == 2


# --- refusals --------------------------------------------------------------------------------

CSV_HEAD = b"Date,USD,JPY,GBP,\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (CSV_HEAD, "the file holds no rates"),
        (CSV_HEAD + b"2024-12-06,-1.0581,158.48,0.83,\n", "Line 2: the USD rate must be positive"),
        (CSV_HEAD + b"2024-12-06,0,158.48,0.83,\n", "Line 2: the USD rate must be positive"),
        (CSV_HEAD + b"2024-12-06,1.05,abc,0.83,\n", "Line 2: the JPY rate 'abc' is not a number"),
        (CSV_HEAD + b"2024-12-06,1.05,1e3,0.83,\n", "Line 2: the JPY rate '1e3' is not a number"),
        (
            CSV_HEAD + b"2024-12-06,1.05,158,0,83,\n",
            "Line 2: the header names 3 currencies, this line has another number of values (4)",
        ),
        (CSV_HEAD + b"2024-12-06,1.05\n", "of values (1)"),
        (CSV_HEAD + b"2024-12-06,1.0581234567,158,0.83,\n", "more than 8 decimals"),
        (CSV_HEAD + b"2024-12-06,12345678901,158,0.83,\n", "is too large"),
        (
            CSV_HEAD + b"2023-02-30,1.05,158,0.83,\n",
            "Line 2: '2023-02-30' is not a date that exists",
        ),
        (CSV_HEAD + b"06/12/2024,1.05,158,0.83,\n", "Line 2: '06/12/2024' is not a date"),
        (CSV_HEAD + b"31 Brumaire 2024,1.05,158,0.83,\n", "is not a date"),
        (CSV_HEAD + b"1998-12-31,1.05,158,0.83,\n", "before the first euro reference rates"),
        (b"Date,USD,XYZ,\n2024-12-06,1.05,2,\n", "Line 1: 'XYZ' is not a currency code"),
        (b"Date,USD,EUR,\n2024-12-06,1.05,1,\n", "Line 1: EUR cannot have a rate"),
        (b"Date,USD,,GBP,\n2024-12-06,1.05,,0.8,\n", "Line 1: column 3 has no currency code"),
        (b"Date,USD,USD,\n2024-12-06,1.05,1.06,\n", "Line 1: the column USD appears twice"),
        (b"Day;USD;GBP\n2024-12-06;1.05;0.8\n", "Line 1: the first column must be Date"),
        (b"Date,\n2024-12-06,\n", "Line 1: the header names no currencies"),
        (b"Date,USD,\n2024-12-06,1.05,\n2024-12-06,1.06,\n", "Line 3: the USD rate of 2024-12-06"),
        (b"Date,USD,\n2024-12-06,1.05\xff,\n", "Line 2: the file is not UTF-8 text"),
    ],
)
def test_a_csv_that_is_not_an_ecb_file_is_refused_naming_the_line(data, expected):
    assert expected in refusal(data)


def test_a_day_after_the_latest_possible_is_refused():
    data = b"Date,USD,\n2024-12-09,1.05,\n"
    assert "Line 2: 2024-12-09 is in the future" in refusal(data, latest=DEC6)
    assert parse_reference_rates(data, latest=dt.date(2024, 12, 9))


XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" \
xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
<Cube>
<Cube time="{day}">
<Cube currency="{code}" rate="{rate}"/>
</Cube>
</Cube>
</gesmes:Envelope>"""


def xml(day="2024-12-06", code="USD", rate="1.0581") -> bytes:
    return XML.format(day=day, code=code, rate=rate).encode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (xml(rate="-1"), "Line 5: the USD rate must be positive, not -1"),
        (xml(rate=""), "Line 5: the USD Cube has no rate"),
        (xml(code="XXQ"), "Line 5: 'XXQ' is not a currency code"),
        (xml(day="2024-13-01"), "Line 4: '2024-13-01' is not a date that exists"),
        (xml().replace(b"</Cube>\n</Cube>", b"</Cube>"), "the XML is not well-formed"),
        (xml().replace(b'<Cube time="2024-12-06">', b"<Cube>"), "Line 5: a rate outside a dated"),
        (
            xml().replace(b'rate="1.0581"/>', b'rate="1.0581"/><Cube currency="USD" rate="1.1"/>'),
            "Line 5: the USD rate is given twice in one day",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
            "Line 1: the XML contains a DOCTYPE declaration",
        ),
        (xml().split(b"<Cube>")[0] + b"</gesmes:Envelope>", "the file holds no rates"),
    ],
)
def test_an_xml_that_is_not_an_ecb_file_is_refused_naming_the_line(data, expected):
    assert expected in refusal(data)


def test_an_empty_cube_in_between_does_not_disturb_the_day():
    data = xml().replace(b"<Cube currency", b"<Cube/><Cube currency")
    assert [(r.currency, r.rate) for r in parse_reference_rates(data)] == [("USD", D("1.0581"))]


def test_an_external_entity_is_never_fetched_or_expanded():
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Envelope><Cube><Cube time="2024-12-06"><Cube currency="USD" rate="&x;"/></Cube>'
        b"</Cube></Envelope>"
    )
    assert "DOCTYPE" in refusal(data)


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (zipped(), "the zip file must hold exactly one rates file, not 0"),
        (zipped(("a.csv", b"x"), ("b.csv", b"y")), "exactly one rates file, not 2"),
        (
            zipped(("eurofxref-hist.csv", CSV_HEAD + b"2024-12-06,-1,158,0.83,\n")),
            "eurofxref-hist.csv: Line 2: the USD rate must be positive",
        ),
        (zipped(("inner.zip", zipped(("a.csv", b"x")))), "a zip inside the zip file is not read"),
        (b"PK\x03\x04 broken", "the zip file cannot be read"),
    ],
)
def test_a_zip_holds_exactly_one_readable_rates_file(data, expected):
    assert expected in refusal(data)


def test_a_zip_that_unpacks_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr("payouts.fx.MAX_UNZIPPED_BYTES", 1000)
    data = zipped(("eurofxref-hist.csv", read("eurofxref-hist.csv")))
    assert "the file in the zip is larger than" in refusal(data)


def test_the_error_renders_in_the_users_language():
    from django.utils import translation

    with pytest.raises(RateFileError) as caught:
        parse_reference_rates(CSV_HEAD + b"2024-12-06,-1,158,0.83,\n")
    with translation.override("nl"):
        text = caught.value.render(translation.gettext)
    assert text.startswith(("Regel 2", "Line 2"))  # Dutch once the catalogue has the strings
    assert "-1" in text

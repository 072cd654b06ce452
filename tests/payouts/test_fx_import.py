"""Storing the ECB's reference rates: set-based, idempotent, all or nothing; through the
service and through `manage.py import_fx_rates FILE`."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from agencies.models import AuditLog
from payouts.fx import RateFileError, reference_rates_import
from payouts.models import ReferenceRate

FILES = Path(__file__).resolve().parent.parent / "fixtures" / "fx"
D = Decimal
FRI = dt.date(2024, 12, 6)
pytestmark = pytest.mark.django_db


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


def stored(day: dt.date, currency: str) -> Decimal:
    return ReferenceRate.objects.get(date=day, currency=currency).rate


def test_the_history_is_stored_with_a_summary_of_what_it_held():
    summary = reference_rates_import(data=read("eurofxref-hist.csv"), file_name="hist.csv")

    assert (summary.days, summary.currencies) == (6, 30)
    assert (summary.first, summary.last) == (dt.date(2024, 11, 29), FRI)
    assert (summary.new, summary.changed, summary.unchanged) == (179, 0, 0)
    assert ReferenceRate.objects.count() == 179
    assert stored(FRI, "USD") == D("1.0581") and stored(FRI, "JPY") == D("157.83")
    assert ReferenceRate.objects.get(date=FRI, currency="USD").source == "ECB"
    assert not ReferenceRate.objects.filter(currency__in=["CYP", "RUB"]).exists()


def test_importing_the_same_rates_again_changes_nothing_whatever_the_file():
    reference_rates_import(data=read("eurofxref-hist.csv"), file_name="hist.csv")
    before = list(ReferenceRate.objects.order_by("pk").values_list("pk", "rate", "created_at"))

    for name in ("eurofxref-hist.zip", "eurofxref-hist-90d.xml", "eurofxref-daily.xml"):
        summary = reference_rates_import(data=read(name), file_name=name)
        assert (summary.new, summary.changed) == (0, 0), name
        assert summary.unchanged > 0

    assert list(ReferenceRate.objects.order_by("pk").values_list("pk", "rate", "created_at")) == (
        before
    )


def test_a_republished_value_replaces_the_stored_one_and_new_days_are_added():
    reference_rates_import(data=read("eurofxref-hist-90d.xml"), file_name="90d.xml")
    corrected = read("eurofxref.csv").replace(b", 1.0581,", b", 1.0590,")

    summary = reference_rates_import(data=corrected, file_name="eurofxref.csv")

    assert (summary.new, summary.changed, summary.unchanged) == (0, 1, 29)
    assert stored(FRI, "USD") == D("1.0590")
    summary = reference_rates_import(data=read("eurofxref-hist.csv"), file_name="hist.csv")
    assert (summary.new, summary.changed) == (179 - 119, 1)
    assert stored(FRI, "USD") == D("1.0581")


def test_a_bad_file_stores_nothing_even_when_its_first_lines_were_fine():
    data = read("eurofxref-hist.csv").rstrip() + b"\n2024-11-28,-1" + b",N/A" * 40 + b",\n"

    with pytest.raises(RateFileError, match="Line 8: the USD rate must be positive"):
        reference_rates_import(data=data, file_name="hist.csv")

    assert not ReferenceRate.objects.exists()


def test_a_day_after_tomorrow_is_refused(time_machine):
    time_machine.move_to(dt.datetime(2024, 12, 4, 12, tzinfo=dt.UTC))

    with pytest.raises(RateFileError, match="2024-12-06 is in the future"):
        reference_rates_import(data=read("eurofxref-hist.csv"), file_name="hist.csv")
    assert not ReferenceRate.objects.exists()


def test_a_file_over_the_limit_is_refused_unread(monkeypatch):
    monkeypatch.setattr("payouts.fx.MAX_FILE_BYTES", 100)

    with pytest.raises(RateFileError, match="larger than"):
        reference_rates_import(data=read("eurofxref-hist.csv"), file_name="hist.csv")


def test_an_import_by_an_agencys_staff_is_audited_there_and_a_command_import_is_not(
    agency, finance
):
    reference_rates_import(
        data=read("eurofxref-daily.xml"), file_name="daily.xml", actor=finance, agency=agency
    )
    reference_rates_import(data=read("eurofxref-hist.csv"), file_name="hist.csv")

    entry = AuditLog.objects.get()
    assert (entry.agency, entry.actor, entry.action) == (agency, finance, "reference_rates.import")
    assert entry.after["file"] == "daily.xml"
    assert (entry.after["new"], entry.after["first"], len(entry.after["currencies"])) == (
        30,
        "2024-12-06",
        30,
    )


# --- the command -----------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_fx_rates", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_imports_the_ecb_history_and_prints_the_summary():
    out = run(str(FILES / "eurofxref-hist.csv"))

    assert out.strip() == (
        "eurofxref-hist.csv: 6 days (2024-11-29 to 2024-12-06), 30 currencies: "
        "179 new, 0 changed, 0 unchanged."
    )
    assert run(str(FILES / "eurofxref-hist.zip")).endswith("0 new, 0 changed, 179 unchanged.\n")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "No such file: "),
        (b"", "bad.csv: the file is empty"),
        (b"Date,USD,\n2024-12-06,-1,\n", "bad.csv: Line 2: the USD rate must be positive, not -1"),
        (b"Date,USD,\n2024-02-30,1,\n", "bad.csv: Line 2: '2024-02-30' is not a date that exists"),
        (b"Date,ABC,\n2024-12-06,1,\n", "bad.csv: Line 1: 'ABC' is not a currency code"),
    ],
)
def test_the_command_refuses_bad_input_with_one_line_and_stores_nothing(tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError) as caught:
        run(str(path))

    assert str(caught.value).startswith(reason)
    assert "\n" not in str(caught.value)
    assert not ReferenceRate.objects.exists()


def test_the_command_takes_no_agency(tmp_path):
    with pytest.raises(CommandError):
        call_command("import_fx_rates", str(FILES / "eurofxref.csv"), "--agency", "acme")


def test_the_real_entry_point_exits_1_with_the_reason_on_one_line(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "eurofxref.csv"
    bad.write_bytes(b"Date,USD,\n2024-12-06,1.2.3,\n")
    # run_from_argv is what `manage.py` calls; it closes connections at the end, which
    # would end the test's transaction, so keep them open.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    command = load_command_class("payouts", "import_fx_rates")

    with pytest.raises(SystemExit) as exit_:
        command.run_from_argv(["manage.py", "import_fx_rates", str(bad)])

    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip() == (
        "CommandError: eurofxref.csv: Line 2: the USD rate '1.2.3' is not a number"
    )

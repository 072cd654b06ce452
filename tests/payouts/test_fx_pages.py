"""The exchange-rate pages and their API twin: the agency's own rates (list, set, change,
remove), the ECB reference rates (list, upload). Roles, another agency's rates, bad input
(a clear message, nothing written) and constant query counts."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from payouts.fx import fx_rate_set
from payouts.models import FxRate, ReferenceRate
from tests.agencies.support import scoping_queries

from .builders import settings_row

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parent.parent / "fixtures" / "fx"
D = Decimal
FRI = dt.date(2024, 12, 6)


def page(agency, name: str, **kwargs) -> str:
    return reverse(f"payouts:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def api(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def rate(agency, day=FRI, base="USD", quote="EUR", value="0.9400") -> FxRate:
    return FxRate.objects.create(agency=agency, date=day, base=base, quote=quote, rate=D(value))


def reference(days: int, start=FRI) -> None:
    ReferenceRate.objects.bulk_create(
        ReferenceRate(date=start - dt.timedelta(days=n), currency=code, rate=value)
        for n in range(days)
        for code, value in (("USD", D("1.0581")), ("GBP", D("0.8301")), ("ZAR", D("19.05")))
    )


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (FILES / name).read_bytes())


def form(**changes) -> dict:
    return {"date": "2024-12-06", "base": "USD", "quote": "EUR", "rate": "0.94", **changes}


# --- the page --------------------------------------------------------------------------------


def test_the_page_lists_the_agencys_rates_and_the_reference_rates_newest_first(
    manager_client, agency, other_agency
):
    rate(agency, FRI - dt.timedelta(days=1), value="0.95")
    rate(agency, FRI, value="0.94")
    rate(other_agency, FRI, value="0.11")
    reference(3)
    settings_row(agency, fx_reference_rates={"USD/EUR": "0.92"})

    response = manager_client.get(page(agency, "fx_rates"))

    assert response.status_code == 200
    assert [r.rate for r in response.context["manual_page"]] == [D("0.94"), D("0.95")]
    rows = list(response.context["page_obj"])
    # ZAR is no currency the app supports: not listed.
    assert [(r.date, r.currency) for r in rows[:2]] == [(FRI, "GBP"), (FRI, "USD")]
    assert len(rows) == 6
    assert rows[1].per_unit == D("0.94509026")  # one USD in euro
    html = response.content.decode()
    assert "0.11" not in html
    assert "USD/EUR 0.92" in html
    assert "Save rate" not in html  # a manager reads only


def test_the_page_filters_both_lists_by_currency_and_dates(finance_client, agency):
    rate(agency, FRI, "GBP", "EUR", "1.2")
    rate(agency, FRI, "USD", "EUR", "0.94")
    reference(10)

    response = finance_client.get(
        page(agency, "fx_rates") + "?currency=GBP&date_from=2024-12-01&date_to=2024-12-05"
    )

    assert [r.base for r in response.context["manual_page"]] == []
    assert {r.currency for r in response.context["page_obj"]} == {"GBP"}
    assert [r.date.day for r in response.context["page_obj"]] == [5, 4, 3, 2, 1]
    everything = finance_client.get(page(agency, "fx_rates") + "?currency=EUR")
    assert len(everything.context["page_obj"]) == 20  # every rate is against the euro


def test_a_bad_filter_is_shown_by_its_field_and_ignored(finance_client, agency):
    rate(agency)

    response = finance_client.get(page(agency, "fx_rates") + "?currency=XYZ&date_from=nope")

    assert response.status_code == 200
    assert set(response.context["filter_form"].errors) == {"currency", "date_from"}
    assert len(response.context["manual_page"]) == 1


@pytest.mark.parametrize("size", [5, 60])
def test_the_page_costs_the_same_queries_for_5_or_60_rows(
    finance_client, agency, size, django_assert_num_queries
):
    for n in range(size):
        rate(agency, FRI - dt.timedelta(days=n))
    reference(size)
    target = page(agency, "fx_rates") + "?currency=USD"
    finance_client.get(target)  # the first visit also saves the session

    # session, user, memberships + agencies (agency_view), savepoint + release (ATOMIC_REQUESTS);
    # then the count and the page of the agency's rates (with who entered them), the count and the
    # page of reference rates, the payout settings.
    with django_assert_num_queries(5 + 5 + scoping_queries()):
        response = finance_client.get(target)
    assert len(response.context["manual_page"]) == min(size, 50)


def test_finance_sets_a_rate_and_setting_it_again_changes_it(finance_client, finance, agency):
    response = finance_client.post(page(agency, "fx_rates"), form(rate="0.94"))

    assert response.status_code == 302
    saved = FxRate.objects.get(agency=agency)
    assert (saved.date, saved.base, saved.quote, saved.rate) == (FRI, "USD", "EUR", D("0.94"))
    assert saved.created_by == finance

    finance_client.post(page(agency, "fx_rates"), form(rate="0.9412"))

    assert FxRate.objects.get(agency=agency).rate == D("0.9412")
    entries = list(AuditLog.objects.filter(action="fx_rate.set").order_by("pk"))
    assert [e.after["rate"] for e in entries] == ["0.94000000", "0.94120000"]
    assert entries[1].before == {"rate": "0.94000000"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rate": "0"}, "rate", "above zero"),
        ({"rate": "-0.9"}, "rate", "above zero"),
        ({"rate": "abc"}, "rate", "Enter a number."),
        ({"rate": "0.123456789"}, "rate", "8 decimal places"),
        ({"quote": "USD"}, "quote", "other than"),
        ({"base": "XYZ"}, "base", "Select a valid choice"),
        ({"date": "2099-01-01"}, "date", "up to tomorrow"),
        ({"date": "2024-02-30"}, "date", "Enter a valid date."),
        ({"date": ""}, "date", "required"),
    ],
)
def test_a_bad_rate_is_refused_by_its_field_and_nothing_is_written(
    finance_client, agency, changes, field, message
):
    response = finance_client.post(page(agency, "fx_rates"), form(**changes))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not FxRate.objects.exists()
    assert not AuditLog.objects.filter(action="fx_rate.set").exists()


def test_a_rate_whose_inverse_the_day_already_has_is_refused(finance_client, agency):
    rate(agency, FRI, "EUR", "USD", "1.0581")

    response = finance_client.post(page(agency, "fx_rates"), form())

    assert response.status_code == 400
    assert "already has a EUR/USD rate (1.0581)" in response.context["form"].errors["base"][0]
    assert FxRate.objects.count() == 1


def test_a_manager_may_read_but_not_set_a_rate(manager_client, agency):
    assert manager_client.post(page(agency, "fx_rates"), form()).status_code == 403
    assert not FxRate.objects.exists()


def test_a_rate_is_changed_on_its_own_page(owner_client, agency):
    fx_rate = rate(agency)

    shown = owner_client.get(page(agency, "fx_rate_edit", pk=fx_rate.pk))
    refused = owner_client.post(page(agency, "fx_rate_edit", pk=fx_rate.pk), {"rate": "-1"})
    changed = owner_client.post(page(agency, "fx_rate_edit", pk=fx_rate.pk), {"rate": "0.9321"})

    assert shown.status_code == 200 and "USD/EUR" in shown.content.decode()
    assert shown.context["form"].initial["rate"] == D("0.94")
    assert refused.status_code == 400 and "above zero" in refused.content.decode()
    assert changed.status_code == 302
    fx_rate.refresh_from_db()
    assert fx_rate.rate == D("0.9321")


def test_a_rate_is_removed_and_the_audit_log_keeps_it(owner_client, owner, agency):
    fx_rate = rate(agency)

    response = owner_client.post(page(agency, "fx_rate_delete", pk=fx_rate.pk))

    assert response.status_code == 302
    assert not FxRate.objects.exists()
    entry = AuditLog.objects.get(action="fx_rate.delete")
    assert (entry.actor, entry.before["rate"], entry.before["base"]) == (owner, "0.94000000", "USD")


def test_another_agencys_rate_cannot_be_changed_or_removed(finance_client, agency, other_agency):
    theirs = rate(other_agency)

    assert finance_client.get(page(agency, "fx_rate_edit", pk=theirs.pk)).status_code == 404
    edit = finance_client.post(page(agency, "fx_rate_edit", pk=theirs.pk), {"rate": "1"})
    delete = finance_client.post(page(agency, "fx_rate_delete", pk=theirs.pk))

    assert (edit.status_code, delete.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.rate == D("0.94")


# --- uploading an ECB file -------------------------------------------------------------------


def test_finance_uploads_the_ecb_history_and_the_upload_is_audited(finance_client, finance, agency):
    response = finance_client.post(
        page(agency, "fx_import"), {"file": upload("eurofxref-hist.zip")}, follow=True
    )

    assert response.redirect_chain[-1][0] == page(agency, "fx_rates")
    assert "6 days of reference rates" in response.content.decode()
    assert "179 new, 0 changed, 0 unchanged" in response.content.decode()
    assert ReferenceRate.objects.count() == 179
    entry = AuditLog.objects.get(action="reference_rates.import")
    assert (entry.agency, entry.actor, entry.after["file"]) == (
        agency,
        finance,
        "eurofxref-hist.zip",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"Date,USD,\n2024-12-06,-1,\n", "Nothing was imported. Line 2: the USD rate must be"),
        (b"<Envelope><Cube>", "Nothing was imported. Line 1: the XML is not well-formed"),
        (b"Datum;USD\n", "Nothing was imported. Line 1: the first column must be Date"),
    ],
)
def test_a_bad_ecb_file_is_refused_with_the_line_and_nothing_is_stored(
    finance_client, agency, content, message
):
    response = finance_client.post(page(agency, "fx_import"), {"file": upload("x.csv", content)})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not ReferenceRate.objects.exists()
    assert not AuditLog.objects.filter(action="reference_rates.import").exists()


def test_an_upload_over_the_limit_is_refused_unread(finance_client, agency, monkeypatch):
    monkeypatch.setattr("payouts.fx.MAX_FILE_BYTES", 100)

    response = finance_client.post(
        page(agency, "fx_import"), {"file": upload("eurofxref-hist.csv")}
    )

    assert response.status_code == 400
    assert "larger than" in response.context["form"].errors["file"][0]


def test_a_manager_cannot_upload(manager_client, agency):
    response = manager_client.post(
        page(agency, "fx_import"), {"file": upload("eurofxref-daily.xml")}
    )
    assert response.status_code == 403
    assert not ReferenceRate.objects.exists()


# --- the API ---------------------------------------------------------------------------------


def post_json(client, target: str, body: dict):
    return client.post(target, json.dumps(body), content_type="application/json")


def test_the_api_lists_the_agencys_rates_filtered(manager_client, agency, other_agency):
    rate(agency, FRI, "GBP", "EUR", "1.2")
    rate(agency, FRI - dt.timedelta(days=3), "USD", "EUR", "0.94")
    rate(other_agency, FRI, "USD", "EUR", "0.11")

    everything = manager_client.get(api(agency, "fx-rate-list")).json()
    dollars = manager_client.get(api(agency, "fx-rate-list") + "?currency=USD").json()

    assert [(r["base"], r["rate"]) for r in everything["results"]] == [
        ("GBP", "1.20000000"),
        ("USD", "0.94000000"),
    ]
    assert [r["date"] for r in dollars["results"]] == ["2024-12-03"]
    bad = manager_client.get(api(agency, "fx-rate-list") + "?currency=XYZ")
    assert bad.status_code == 400 and "currency" in bad.json()


def test_the_api_sets_a_rate_and_setting_it_again_changes_it(finance_client, agency):
    body = {"date": "2024-12-06", "base": "USD", "quote": "EUR", "rate": "0.94"}

    created = post_json(finance_client, api(agency, "fx-rate-list"), body)
    changed = post_json(finance_client, api(agency, "fx-rate-list"), {**body, "rate": "0.95"})

    assert created.status_code == 201 and changed.status_code == 201
    assert created.json()["id"] == changed.json()["id"]
    assert changed.json()["rate"] == "0.95000000"
    assert FxRate.objects.get(agency=agency).rate == D("0.95")
    assert AuditLog.objects.filter(action="fx_rate.set").count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rate": "0"}, "rate"),
        ({"rate": "-1"}, "rate"),
        ({"rate": "x"}, "rate"),
        ({"rate": "0.123456789"}, "rate"),
        ({"base": "EUR"}, "quote"),
        ({"base": "XYZ"}, "base"),
        ({"date": "2099-12-31"}, "date"),
        ({"date": "2024-02-30"}, "date"),
        ({"date": None}, "date"),
    ],
)
def test_the_api_refuses_a_bad_rate_and_writes_nothing(finance_client, agency, changes, field):
    body = {"date": "2024-12-06", "base": "USD", "quote": "EUR", "rate": "0.94", **changes}
    if changes.get("base") == "EUR":
        body["quote"] = "EUR"

    response = post_json(finance_client, api(agency, "fx-rate-list"), body)

    assert response.status_code == 400
    assert field in response.json()
    assert not FxRate.objects.exists()


def test_the_api_shows_and_deletes_a_rate_but_not_another_agencys(
    finance_client, agency, other_agency
):
    ours, theirs = rate(agency), rate(other_agency)

    assert finance_client.get(api(agency, "fx-rate-detail", pk=ours.pk)).json()["base"] == "USD"
    assert finance_client.get(api(agency, "fx-rate-detail", pk=theirs.pk)).status_code == 404
    assert finance_client.delete(api(agency, "fx-rate-detail", pk=theirs.pk)).status_code == 404
    assert finance_client.delete(api(agency, "fx-rate-detail", pk=ours.pk)).status_code == 204

    assert list(FxRate.objects.all()) == [theirs]
    assert AuditLog.objects.filter(action="fx_rate.delete", agency=agency).count() == 1


def test_a_manager_cannot_set_or_delete_through_the_api(manager_client, agency):
    ours = rate(agency)
    body = {"date": "2024-12-06", "base": "GBP", "quote": "EUR", "rate": "1.2"}

    assert post_json(manager_client, api(agency, "fx-rate-list"), body).status_code == 403
    assert manager_client.delete(api(agency, "fx-rate-detail", pk=ours.pk)).status_code == 403
    assert FxRate.objects.count() == 1


def test_the_api_lists_the_reference_rates_filtered(manager_client, agency):
    reference(5)

    response = manager_client.get(
        api(agency, "reference-rate-list") + "?currency=USD&date_from=2024-12-05"
    ).json()

    assert response["results"] == [
        {"date": "2024-12-06", "currency": "USD", "rate": "1.05810000", "source": "ECB"},
        {"date": "2024-12-05", "currency": "USD", "rate": "1.05810000", "source": "ECB"},
    ]


@pytest.mark.parametrize(
    ("name", "queries", "what"),
    [
        ("fx-rate-list", 2, "count, the page"),
        ("reference-rate-list", 2, "count, the page"),
    ],
)
@pytest.mark.parametrize("size", [5, 60])
def test_each_api_list_costs_the_same_queries_for_5_or_60_rows(
    finance_client, agency, size, name, queries, what, django_assert_num_queries
):
    for n in range(size):
        rate(agency, FRI - dt.timedelta(days=n))
    reference(size)
    target = api(agency, name)
    finance_client.get(target)
    # session, user, membership + agency (the API base), savepoint + release
    # (ATOMIC_REQUESTS), then: {what}.
    with django_assert_num_queries(5 + queries + scoping_queries()):
        response = finance_client.get(target)
    assert response.status_code == 200
    assert response.json()["count"] >= size


def test_the_api_imports_an_ecb_file(finance_client, finance, agency):
    response = finance_client.post(
        api(agency, "reference-rate-import"), {"file": upload("eurofxref-hist-90d.xml")}
    )

    assert response.status_code == 200
    assert response.json() == {
        "file_name": "eurofxref-hist-90d.xml",
        "days": 4,
        "currencies": 30,
        "first": "2024-12-03",
        "last": "2024-12-06",
        "new": 119,
        "changed": 0,
        "unchanged": 0,
    }
    assert AuditLog.objects.get(action="reference_rates.import").actor == finance


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "No file was submitted."),
        ({"file": upload("x.csv", b"Date,USD,\n2024-12-06,0,\n")}, "Line 2: the USD rate must"),
    ],
)
def test_the_api_refuses_a_bad_ecb_file_and_stores_nothing(finance_client, agency, data, message):
    response = finance_client.post(api(agency, "reference-rate-import"), data)

    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not ReferenceRate.objects.exists()


def test_the_api_refuses_an_upload_over_the_limit_unread(finance_client, agency, monkeypatch):
    monkeypatch.setattr("payouts.fx.MAX_FILE_BYTES", 100)

    response = finance_client.post(
        api(agency, "reference-rate-import"), {"file": upload("eurofxref-hist.csv")}
    )

    assert response.status_code == 400
    assert "larger than" in response.json()["file"][0]
    assert not ReferenceRate.objects.exists()


def test_a_manager_cannot_import_through_the_api(manager_client, agency):
    response = manager_client.post(
        api(agency, "reference-rate-import"), {"file": upload("eurofxref-daily.xml")}
    )
    assert response.status_code == 403


def test_tomorrow_is_the_agencys_own(agency, time_machine):
    # 23:30 UTC on 5 December is already 6 December in Amsterdam: tomorrow there is the 7th.
    time_machine.move_to(dt.datetime(2024, 12, 5, 23, 30, tzinfo=dt.UTC))
    sat, sun = FRI + dt.timedelta(days=1), FRI + dt.timedelta(days=2)

    fx_rate_set(agency=agency, actor=None, date=sat, base="USD", quote="EUR", rate="0.94")
    with pytest.raises(ValidationError, match="up to tomorrow"):
        fx_rate_set(agency=agency, actor=None, date=sun, base="USD", quote="EUR", rate="0.94")

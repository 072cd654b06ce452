"""Exporting the roster: the current filters, streamed, and never a live spreadsheet formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.spreadsheets import (
    FORMULA_PREFIXES,
    SafeCsvWriter,
    csv_text,
    spreadsheet_safe,
    spreadsheet_unescape,
)
from creators.roster_csv import EXPORT_COLUMNS, parse_roster_csv
from creators.roster_import import roster_import
from tests.factories import CreatorFactory, NicheTagFactory, SocialAccountFactory

from .support import scoping_queries


def _export(client, agency, **query):
    url = reverse("creators:export", args=[agency.slug])
    response = client.get(url, query)
    assert response.status_code == 200
    assert response.streaming
    content = b"".join(response.streaming_content).decode("utf-8")
    return response, content


def _rows(content: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.removeprefix("\ufeff"))))


# --- the helper ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+31 6 1234", "'+31 6 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Mila", "Mila"),
        ("", ""),
        (None, ""),
        (48200, "48200"),
    ],
)
def test_cells_that_start_a_formula_get_a_leading_quote(value, cell):
    assert spreadsheet_safe(value) == cell


@given(st.text())
def test_no_exported_cell_ever_starts_with_a_formula_character(value):
    assert not spreadsheet_safe(value).startswith(FORMULA_PREFIXES)


@given(st.text())
def test_reading_back_an_escaped_cell_gives_the_original(value):
    assert spreadsheet_unescape(spreadsheet_safe(value)) == value


@given(st.lists(st.lists(st.text(), min_size=1, max_size=5), min_size=1, max_size=5))
def test_a_whole_csv_written_safely_has_no_formula_cell(rows):
    buffer = io.StringIO()
    SafeCsvWriter(buffer).writerows(rows)

    for row in csv.reader(io.StringIO(buffer.getvalue(), newline="")):
        assert not any(cell.startswith(FORMULA_PREFIXES) for cell in row)


def test_csv_text_starts_with_a_byte_order_mark_for_excel():
    assert csv_text(["a"], [["=1"]]) == "\ufeffa\r\n'=1\r\n"


# --- the roster export -----------------------------------------------------------------------


def test_the_export_is_a_streamed_attachment_with_every_column(manager_client, agency):
    CreatorFactory(agency=agency, display_name="Mila")

    response, content = _export(manager_client, agency)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-creators-')
    assert content.startswith("\ufeff")
    assert list(_rows(content)[0]) == EXPORT_COLUMNS


def test_the_export_neutralises_formulas_a_creator_could_smuggle_in(manager_client, agency):
    creator = CreatorFactory(
        agency=agency,
        display_name='=HYPERLINK("http://evil.example","click")',
        legal_name="@SUM(1+1)",
        notes="-1+2",
    )
    SocialAccountFactory(creator=creator, handle="plain")

    _, content = _export(manager_client, agency)

    row = _rows(content)[0]
    assert row["display_name"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["legal_name"] == "'@SUM(1+1)"
    assert row["notes"] == "'-1+2"
    for cells in csv.reader(io.StringIO(content.removeprefix("\ufeff"))):
        assert not any(cell.startswith(FORMULA_PREFIXES) for cell in cells)


def test_the_export_applies_the_current_search_filters_and_sort(manager_client, agency):
    beauty = NicheTagFactory(agency=agency, name="beauty")
    CreatorFactory(agency=agency, display_name="Mila", niches=[beauty], country="NL")
    CreatorFactory(agency=agency, display_name="Anna", niches=[beauty], country="NL")
    CreatorFactory(agency=agency, display_name="Noah", country="NL")
    CreatorFactory(agency=agency, display_name="Sara", niches=[beauty], country="BE")

    _, content = _export(manager_client, agency, niche="beauty", country="NL", sort="-name")

    assert [r["display_name"] for r in _rows(content)] == ["Mila", "Anna"]


def test_the_export_never_contains_another_agencys_creators(manager_client, agency, other_agency):
    CreatorFactory(agency=agency, display_name="Ours")
    CreatorFactory(agency=other_agency, display_name="Theirs")

    _, content = _export(manager_client, agency)

    assert "Theirs" not in content


def test_an_export_imports_back_without_changes(manager_client, agency, manager):
    beauty = NicheTagFactory(agency=agency, name="beauty")
    mila = CreatorFactory(
        agency=agency,
        display_name="=Mila",
        email="mila@example.com",
        account_manager=manager,
        niches=[beauty],
    )
    SocialAccountFactory(creator=mila, handle="milamakes", followers=48200)
    SocialAccountFactory(creator=mila, platform="youtube", handle="milatube", followers=900)

    _, content = _export(manager_client, agency)
    parsed = parse_roster_csv(content.encode(), max_bytes=10**6, max_rows=100)
    summary = roster_import(agency=agency, actor=manager, parsed=parsed)

    assert parsed.errors == []
    assert parsed.ignored_columns == []
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)


@pytest.mark.parametrize("size", [10, 300])
def test_the_export_costs_the_same_queries_for_10_or_300_creators(
    manager_client, agency, manager, size, django_assert_num_queries
):
    from .roster_data import bulk_roster

    bulk_roster(agency, size, manager=manager)
    url = reverse("creators:export", args=[agency.slug])
    manager_client.get(url)
    # savepoint, session, user, membership + agency, release savepoint; then, while
    # streaming, one chunk of creators with their niches and social accounts (one chunk
    # holds 1,000 creators).
    with django_assert_num_queries(8 + scoping_queries()):
        response = manager_client.get(url)
        rows = b"".join(response.streaming_content).count(b"\n") - 1
    assert rows == size


@pytest.mark.parametrize("value", ["'=", "''=1", "'abc", "'", "'+31"])
def test_text_whose_leading_quotes_hide_a_formula_reads_back_as_typed(value):
    assert spreadsheet_unescape(spreadsheet_safe(value)) == value

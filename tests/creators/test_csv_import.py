"""Importing the roster from CSV: every row checked, errors by row and column, all or nothing,
re-imports update instead of duplicating."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from agencies.models import AuditLog
from creators.models import Creator, CreatorStatus, NicheTag, SocialAccount
from creators.roster_csv import CellError, parse_roster_csv
from creators.roster_import import RosterImportError, roster_import
from tests.factories import CreatorFactory, SocialAccountFactory

LIMITS = {"max_bytes": 1024 * 1024, "max_rows": 100}

GOOD = (
    "display_name,email,country,date_of_birth,account_type,status,account_manager_email,"
    "niches,notes,tiktok_handle,tiktok_followers,instagram_handle\n"
    "Mila Jansen,mila@example.com,NL,1998-04-17,creator,active,manager@acme.test,"
    "beauty; Lifestyle,,@milamakes,48200,mila.ig\n"
    'Noah Bakker,noah@example.com,gb,,business,paused,,tech,"Says hi, often",noahplays,'
    '"1,250,000",\n'
)


def parse(text: str | bytes, **limits):
    data = text.encode() if isinstance(text, str) else text
    return parse_roster_csv(data, **{**LIMITS, **limits})


def errors_of(parsed) -> set[tuple[int, str]]:
    return {(e.row, e.column) for e in parsed.errors}


def do_import(agency, actor, text: str | bytes, filename: str = "roster.csv"):
    return roster_import(agency=agency, actor=actor, parsed=parse(text), filename=filename)


# --- parsing (pure) --------------------------------------------------------------------------


def test_a_good_file_parses_into_clean_rows():
    parsed = parse(GOOD)

    assert parsed.errors == []
    mila, noah = parsed.rows
    assert mila.row == 2
    assert mila.values["country"] == "NL"
    assert str(mila.values["date_of_birth"]) == "1998-04-17"
    assert mila.values["niches"] == ["beauty", "Lifestyle"]
    assert [(s.platform, s.handle, s.followers) for s in mila.socials] == [
        ("tiktok", "milamakes", 48200),
        ("instagram", "mila.ig", None),
    ]
    assert noah.values["country"] == "GB"
    assert noah.values["notes"] == "Says hi, often"
    assert noah.socials[0].followers == 1_250_000


def test_columns_are_matched_by_name_in_any_order_and_case():
    parsed = parse("E-Mail,TikTok Handle,Display Name\nmila@example.com,milamakes,Mila\n")

    assert parsed.errors == []
    assert parsed.columns == ["display_name", "email", "tiktok_handle"]
    assert parsed.rows[0].values == {"email": "mila@example.com", "display_name": "Mila"}


def test_unknown_columns_are_reported_and_ignored():
    parsed = parse("display_name,email,shoe_size,total_followers\nMila,mila@example.com,38,5\n")

    assert parsed.errors == []
    assert parsed.ignored_columns == ["shoe_size"]  # total_followers comes from our export


def test_a_missing_required_column_is_reported_on_the_header():
    parsed = parse("display_name,country\nMila,NL\n")

    assert [(e.row, e.column) for e in parsed.errors] == [(1, "email")]
    assert parsed.rows == []


def test_every_bad_cell_is_reported_with_its_row_and_column():
    text = (
        "display_name,email,country,date_of_birth,account_type,status,tiktok_handle,"
        "tiktok_followers,instagram_followers\n"
        "Mila,mila@example.com,NL,1998-04-17,creator,active,mila,100,\n"  # row 2: fine
        ",not-an-email,XX,17-04-1998,celebrity,retired,bad handle,lots,5\n"  # row 3
        "Sara,sara@example.com,NL,2001-02-30,,,,,\n"  # row 4: no such date
    )

    parsed = parse(text)

    assert errors_of(parsed) == {
        (3, "display_name"),
        (3, "email"),
        (3, "country"),
        (3, "date_of_birth"),
        (3, "account_type"),
        (3, "status"),
        (3, "tiktok_handle"),
        (3, "tiktok_followers"),
        (3, "instagram_followers"),  # followers without a handle
        (4, "date_of_birth"),
    }
    assert parsed.rows == []  # nothing is usable when anything is wrong


def test_row_numbers_are_spreadsheet_rows_even_with_blank_lines_and_multiline_cells():
    text = (
        "display_name,email,notes\n"
        'Mila,mila@example.com,"line one\nline two"\n'  # row 2 spans two lines
        "\n"  # row 3: blank
        "Noah,broken,\n"  # row 4
    )

    parsed = parse(text)

    assert [(e.row, e.column) for e in parsed.errors] == [(4, "email")]


def test_duplicate_emails_inside_the_file_are_reported_on_the_later_row():
    text = (
        "display_name,email\nMila,mila@example.com\nNoah,noah@example.com\nCopy,MILA@example.com\n"
    )

    parsed = parse(text)

    assert [(e.row, e.column) for e in parsed.errors] == [(4, "email")]
    assert "row 2" in parsed.errors[0].message


def test_duplicate_handles_inside_the_file_are_reported():
    text = (
        "display_name,email,tiktok_handle\n"
        "Mila,mila@example.com,milamakes\n"
        "Noah,noah@example.com,@MilaMakes\n"
    )

    parsed = parse(text)

    assert [(e.row, e.column) for e in parsed.errors] == [(3, "tiktok_handle")]


def test_a_byte_order_mark_is_accepted():
    parsed = parse("\ufeff" + GOOD)

    assert parsed.errors == []
    assert parsed.columns[0] == "display_name"


def test_semicolon_separated_files_are_read():
    text = "display_name;email;niches;notes\nMila;mila@example.com;beauty, tech;Hi, there\n"

    parsed = parse(text)

    assert parsed.errors == []
    assert parsed.rows[0].values["niches"] == ["beauty", "tech"]
    assert parsed.rows[0].values["notes"] == "Hi, there"


def test_a_file_that_is_not_utf8_is_refused_with_a_hint():
    parsed = parse("display_name,email\nJosé,jose@example.com\n".encode("latin-1"))

    assert [(e.row, e.column) for e in parsed.errors] == [(0, "")]
    assert "UTF-8" in parsed.errors[0].message


def test_an_oversized_file_is_refused_before_it_is_read():
    parsed = parse(GOOD, max_bytes=50)

    assert parsed.rows == []
    assert "larger" in parsed.errors[0].message


def test_too_many_rows_are_refused():
    text = "display_name,email\n" + "".join(f"C{i},c{i}@example.com\n" for i in range(4))

    parsed = parse(text, max_rows=3)

    assert parsed.rows == []
    assert "more than 3 rows" in parsed.errors[0].message


@pytest.mark.parametrize(
    "data",
    [b"", b"   \n", b"display_name,email\n", b"\x00\x01\x02binary", b"display_name,email\n\n\n"],
)
def test_empty_or_binary_files_are_refused(data):
    parsed = parse(data)

    assert parsed.rows == []
    assert parsed.errors and parsed.errors[0].row == 0


def test_a_row_longer_than_the_header_is_reported():
    parsed = parse("display_name,email\nMila,mila@example.com,extra\n")

    assert [(e.row, e.column) for e in parsed.errors] == [(2, "")]


def test_a_short_row_means_empty_cells():
    parsed = parse("display_name,email,country,notes\nMila,mila@example.com\n")

    assert parsed.errors == []
    assert parsed.rows[0].values["country"] == ""


def test_cells_escaped_by_our_export_are_read_back_as_they_were():
    parsed = parse("display_name,email\n'=Mila,mila@example.com\n")

    assert parsed.rows[0].values["display_name"] == "=Mila"


@given(st.binary(max_size=400))
def test_the_parser_never_crashes_on_arbitrary_bytes(data):
    parsed = parse_roster_csv(data, max_bytes=10_000, max_rows=50)

    assert parsed.rows == [] or parsed.errors == []
    assert all(isinstance(e, CellError) for e in parsed.errors)


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=30,
        ),
        min_size=2,
        max_size=12,
    )
)
def test_any_text_row_parses_or_reports_errors_with_a_known_column(cells):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["display_name", "email", "country", "tiktok_handle", "tiktok_followers"])
    writer.writerow(cells)

    parsed = parse_roster_csv(buffer.getvalue().encode(), max_bytes=10_000, max_rows=50)

    known = {"", "display_name", "email", "country", "tiktok_handle", "tiktok_followers"}
    assert all(e.column in known for e in parsed.errors)


# --- persisting ------------------------------------------------------------------------------


def test_a_good_file_creates_creators_niches_and_accounts(agency, owner, manager):
    summary = do_import(agency, owner, GOOD)

    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    mila = Creator.objects.get(agency=agency, email="mila@example.com")
    assert mila.account_manager == manager
    assert sorted(t.name for t in mila.niches.all()) == ["Lifestyle", "beauty"]
    assert {(a.platform, a.handle, a.followers) for a in mila.social_accounts.all()} == {
        ("tiktok", "milamakes", 48200),
        ("instagram", "mila.ig", 0),
    }
    tiktok = mila.social_accounts.get(platform="tiktok")
    assert tiktok.agency == agency
    assert tiktok.profile_url == "https://www.tiktok.com/@milamakes"
    noah = Creator.objects.get(agency=agency, email="noah@example.com")
    assert noah.status == CreatorStatus.PAUSED
    assert noah.account_type == "business"


def test_an_import_is_audited_once_for_the_file_and_once_per_creator(agency, owner, manager):
    do_import(agency, owner, GOOD, filename="spring.csv")

    entries = AuditLog.objects.filter(agency=agency)
    assert sorted(entries.values_list("action", flat=True)) == [
        "creator.create",
        "creator.create",
        "creator.import",
    ]
    summary = entries.get(action="creator.import")
    assert summary.actor == owner
    assert summary.after == {
        "file": "spring.csv",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }


def test_importing_the_same_file_again_changes_nothing(agency, owner, manager):
    do_import(agency, owner, GOOD)

    summary = do_import(agency, owner, GOOD)

    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 2)
    assert Creator.objects.filter(agency=agency).count() == 2
    assert SocialAccount.objects.filter(agency=agency).count() == 3
    assert NicheTag.objects.filter(agency=agency).count() == 3


def test_a_reimport_matches_by_email_whatever_its_case_and_updates(agency, owner, manager):
    do_import(agency, owner, GOOD)
    changed = (
        "EMAIL,display_name,country,niches,tiktok_handle,tiktok_followers\n"
        "MILA@EXAMPLE.COM,Mila J.,BE,beauty,milamakes,50000\n"
    )

    summary = do_import(agency, owner, changed)

    assert (summary.created, summary.updated) == (0, 1)
    mila = Creator.objects.get(agency=agency, email="mila@example.com")
    assert mila.display_name == "Mila J."
    assert mila.country.code == "BE"
    assert [t.name for t in mila.niches.all()] == ["beauty"]
    assert mila.social_accounts.get(platform="tiktok").followers == 50000
    # Columns left out are left alone.
    assert str(mila.date_of_birth) == "1998-04-17"
    assert mila.account_manager == manager
    entry = AuditLog.objects.filter(action="creator.update").get()
    assert entry.before["display_name"] == "Mila Jansen"
    assert entry.after["social_accounts"] == ["tiktok:@milamakes:50000"]


def test_a_reimport_renames_the_only_account_on_a_platform(agency, owner, manager):
    do_import(agency, owner, GOOD)

    do_import(agency, owner, "display_name,email,tiktok_handle\nMila,mila@example.com,mila2\n")

    mila = Creator.objects.get(email="mila@example.com")
    assert list(
        mila.social_accounts.filter(platform="tiktok").values_list("handle", flat=True)
    ) == ["mila2"]
    assert mila.social_accounts.get(platform="tiktok").followers == 48200


def test_offboarding_through_an_import_sets_the_time(agency, owner):
    do_import(agency, owner, "display_name,email,status\nMila,mila@example.com,offboarded\n")

    mila = Creator.objects.get(email="mila@example.com")
    assert mila.status == CreatorStatus.OFFBOARDED
    assert mila.offboarded_at is not None


def test_one_bad_row_writes_nothing_at_all(agency, owner, manager):
    text = GOOD + "Sara,sara@example.com,ZZ,,,,,,,,,\n"

    with pytest.raises(RosterImportError) as exc:
        do_import(agency, owner, text)

    assert [(e.row, e.column) for e in exc.value.errors] == [(4, "country")]
    assert not Creator.objects.filter(agency=agency).exists()
    assert not NicheTag.objects.filter(agency=agency).exists()
    assert not AuditLog.objects.filter(agency=agency).exists()


def test_an_unknown_account_manager_is_reported_and_nothing_is_written(
    agency, owner, finance, outsider
):
    text = (
        "display_name,email,account_manager_email\n"
        "Mila,mila@example.com,finance@acme.test\n"  # finance cannot manage creators
        "Noah,noah@example.com,owner@rival.test\n"  # another agency's owner
        "Sara,sara@example.com,owner@acme.test\n"
    )

    with pytest.raises(RosterImportError) as exc:
        do_import(agency, owner, text)

    assert [(e.row, e.column) for e in exc.value.errors] == [
        (2, "account_manager_email"),
        (3, "account_manager_email"),
    ]
    assert not Creator.objects.exists()


def test_a_handle_of_another_creator_in_the_roster_is_reported(agency, owner):
    SocialAccountFactory(
        creator=CreatorFactory(agency=agency, display_name="Existing Person"), handle="taken"
    )

    with pytest.raises(RosterImportError) as exc:
        do_import(agency, owner, "display_name,email,tiktok_handle\nMila,mila@example.com,TAKEN\n")

    error = exc.value.errors[0]
    assert (error.row, error.column) == (2, "tiktok_handle")
    assert "Existing Person" in error.message


def test_another_agencys_roster_is_neither_matched_nor_touched(agency, other_agency, owner):
    rival = CreatorFactory(agency=other_agency, email="mila@example.com", display_name="Rival")
    SocialAccountFactory(creator=rival, handle="milamakes")

    summary = do_import(
        agency, owner, "display_name,email,tiktok_handle\nMila,mila@example.com,milamakes\n"
    )

    assert summary.created == 1
    rival.refresh_from_db()
    assert rival.display_name == "Rival"
    assert Creator.objects.get(agency=agency).social_accounts.get().handle == "milamakes"


# --- the import page -------------------------------------------------------------------------


def _upload(content: bytes, name: str = "roster.csv", content_type: str = "text/csv"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_import_page_documents_every_column(manager_client, agency):
    response = manager_client.get(reverse("creators:import", args=[agency.slug]))

    body = response.content.decode()
    for column in ("display_name", "account_manager_email", "niches", "tiktok_followers"):
        assert f"<code>{column}</code>" in body
    assert reverse("creators:import-template", args=[agency.slug]) in body


def test_the_template_is_a_csv_that_imports_cleanly(manager_client, agency, manager):
    response = manager_client.get(reverse("creators:import-template", args=[agency.slug]))

    content = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    parsed = parse(content)
    assert parsed.errors == [], parsed.errors
    assert parsed.rows[0].email == "mila@example.com"


def test_uploading_a_good_file_imports_it_and_says_how_many(manager_client, agency, manager):
    response = manager_client.post(
        reverse("creators:import", args=[agency.slug]),
        {"file": _upload(GOOD.encode())},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("creators:list", args=[agency.slug])
    assert b"Import done: 2 created, 0 updated, 0 unchanged." in response.content
    assert Creator.objects.filter(agency=agency).count() == 2


def test_uploading_a_bad_file_shows_the_error_table_and_writes_nothing(manager_client, agency):
    text = "display_name,email,country\nMila,mila@example.com,NL\nNoah,not-an-email,NL\n"

    response = manager_client.post(
        reverse("creators:import", args=[agency.slug]), {"file": _upload(text.encode())}
    )

    assert response.status_code == 200
    assert b"Nothing was imported" in response.content
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, "email")]
    assert not Creator.objects.exists()


def test_unknown_columns_are_mentioned_after_an_import(manager_client, agency):
    text = "display_name,email,favourite_colour\nMila,mila@example.com,blue\n"

    response = manager_client.post(
        reverse("creators:import", args=[agency.slug]),
        {"file": _upload(text.encode())},
        follow=True,
    )

    assert b"favourite_colour" in response.content


def test_an_upload_over_the_size_limit_is_refused(manager_client, agency, settings):
    settings.CSV_IMPORT_MAX_BYTES = 100

    response = manager_client.post(
        reverse("creators:import", args=[agency.slug]), {"file": _upload(GOOD.encode())}
    )

    assert response.context["form"].errors["file"]
    assert not Creator.objects.exists()


def test_the_row_limit_comes_from_the_settings(manager_client, agency, settings):
    settings.CSV_IMPORT_MAX_ROWS = 1

    response = manager_client.post(
        reverse("creators:import", args=[agency.slug]), {"file": _upload(GOOD.encode())}
    )

    assert "more than 1 rows" in response.context["errors"][0].message
    assert not Creator.objects.exists()


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("roster.xlsx", "application/vnd.openxmlformats"), ("roster.csv", "image/png")],
)
def test_a_file_that_is_not_csv_is_refused(manager_client, agency, name, content_type):
    response = manager_client.post(
        reverse("creators:import", args=[agency.slug]),
        {"file": _upload(GOOD.encode(), name, content_type)},
    )

    assert response.context["form"].errors["file"]
    assert not Creator.objects.exists()


def test_a_large_import_runs_in_a_bounded_number_of_queries(
    agency, owner, manager, django_assert_max_num_queries
):
    rows = "".join(
        f"Creator {i},c{i}@example.com,NL,beauty;n{i % 7},h{i},{i * 10}\n" for i in range(300)
    )
    text = "display_name,email,country,niches,tiktok_handle,tiktok_followers\n" + rows
    parsed = parse(text, max_rows=1000)

    # Bulk writes: the audit entries are the only per-row statements.
    with django_assert_max_num_queries(300 + 40):
        summary = roster_import(agency=agency, actor=owner, parsed=parsed)

    assert summary.created == 300
    assert SocialAccount.objects.filter(agency=agency).count() == 300

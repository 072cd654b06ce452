"""Metrics from CSV exports: the pure parser (every bad cell by row and column), the
all-or-nothing import, and the upload page."""

from __future__ import annotations

import datetime as dt
from datetime import date
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from creators.metrics_import import (
    ACCOUNTS,
    VIDEOS,
    MetricsImportError,
    metrics_import,
    parse_creator_metrics_csv,
)
from creators.models import AccountSnapshot, MetricsSource, Video
from tests.factories import CreatorFactory, SocialAccountFactory

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2024, 6, 15, 12, tzinfo=dt.UTC)


def parse(text: str, kind: str = ACCOUNTS, **kwargs):
    options = {"tz": AMSTERDAM, "max_bytes": 100_000, "max_rows": 100, "now": NOW, **kwargs}
    return parse_creator_metrics_csv(text.encode("utf-8"), kind=kind, **options)


def errors(parsed) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in parsed.errors]


ACCOUNT_FILE = (
    "handle,date,followers,views_last_30_days,audience_country\n"
    "@mila,2024-06-01,9800,95000,US\n"
    "mila,2024-06-02,10100,101000,\n"
    'noah,2024-06-02,"52,000",400000,gb\n'
)


# --- the parser ------------------------------------------------------------------------------


def test_an_account_file_is_read_row_by_row():
    parsed = parse(ACCOUNT_FILE)

    assert parsed.ok
    first, second, third = parsed.rows
    assert (first.row, first.platform, first.handle) == (2, "tiktok", "mila")
    assert first.date == date(2024, 6, 1)
    assert (first.followers, first.views_last_30_days) == (9_800, 95_000)
    assert first.audience_country == "US"
    assert second.audience_country == ""
    assert (third.followers, third.audience_country) == (52_000, "GB")


def test_headings_match_by_alias_case_and_punctuation_with_semicolons_and_a_bom():
    text = (
        "\ufeffUsername;Day;Total Followers;Video views (last 30 days);Top territory;Likes\n"
        "mila;2024-06-01;12000;150000;US;999\n"
    )

    parsed = parse(text)

    assert parsed.ok
    assert parsed.rows[0].followers == 12_000
    assert parsed.ignored_columns == ["Likes"]


def test_a_video_file_reads_times_in_the_agencys_zone_and_lengths_as_m_ss():
    text = (
        "handle,video_id,posted_at,duration_seconds,views,qualified_views,average_watch_seconds\n"
        'mila,111,2024-06-01 18:30,1:15,52000,31000,"21,4"\n'
        "mila,222,2024-06-02T10:00:00+00:00,60s,1000,,\n"
    )

    parsed = parse(text, VIDEOS)

    assert parsed.ok, parsed.errors
    first, second = parsed.rows
    assert first.posted_at == dt.datetime(2024, 6, 1, 16, 30, tzinfo=dt.UTC)  # CEST = UTC+2
    assert (first.duration_seconds, first.qualified_views) == (75, 31_000)
    assert first.average_watch_seconds == D("21.40")
    assert (second.duration_seconds, second.qualified_views) == (60, 0)
    assert second.average_watch_seconds is None


def test_every_bad_cell_is_reported_by_row_and_column_and_no_row_is_kept():
    text = (
        "handle,date,followers,views_last_30_days,platform\n"
        "mila,2024-06-01,lots,1000,tiktok\n"  # 2: followers
        "mila,2024-02-30,10,1000,tiktok\n"  # 3: a date that does not exist
        "mila,2024-06-16,10,1000,tiktok\n"  # 4: tomorrow (agency time)
        ",2024-06-01,10,1000,tiktok\n"  # 5: no handle
        "mila,2024-06-03,10,-5,tiktok\n"  # 6: negative views
        "mila,2024-06-04,10,1000,myspace\n"  # 7: platform
        "bad handle!,2024-06-05,10,1000,\n"  # 8: handle
        "mila,2024-06-06,10,1000,tiktok\n"
        "mila,2024-06-06,11,1000,tiktok\n"  # 10: the same account and day as row 9
        "mila,2024-06-07,10,1000,tiktok,extra\n"  # 11: more cells than columns
    )

    parsed = parse(text)

    assert errors(parsed) == [
        (2, "followers"),
        (3, "date"),
        (4, "date"),
        (5, "handle"),
        (6, "views_last_30_days"),
        (7, "platform"),
        (8, "handle"),
        (10, "date"),
        (11, ""),
    ]
    assert parsed.rows == []
    assert parsed.errors[2].message == "The date is in the future."
    assert parsed.errors[7].message == "The same row is on row 9."


def test_bad_video_cells_are_reported():
    text = (
        "handle,video_id,posted_at,duration_seconds,views,qualified_views\n"
        "mila,1,2024-06-01 10:00,0,100,0\n"  # 2: zero seconds
        "mila,2,yesterday,61,100,0\n"  # 3: time
        "mila,3,2024-06-01 10:00,61,100,200\n"  # 4: more qualified views than views
        "mila,4,2024-06-20 10:00,61,100,0\n"  # 5: in the future
        "mila,,2024-06-01 10:00,61,100,0\n"  # 6: no id
    )

    parsed = parse(text, VIDEOS)

    assert errors(parsed) == [
        (2, "duration_seconds"),
        (3, "posted_at"),
        (4, "qualified_views"),
        (5, "posted_at"),
        (6, "video_id"),
    ]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "The file is empty."),
        (b"\xff\xfe\x00h\x00a", "The file is not UTF-8 text"),
        (b"handle,date,followers,views_last_30_days\n", "The file has a header but no rows."),
        (b"x" * 100_001, "The file is larger than"),
    ],
)
def test_a_bad_file_is_one_error_on_row_0(data, problem):
    parsed = parse_creator_metrics_csv(
        data, kind=ACCOUNTS, tz=AMSTERDAM, max_bytes=100_000, max_rows=100, now=NOW
    )

    assert errors(parsed) == [(0, "")]
    assert problem in parsed.errors[0].message


def test_missing_and_repeated_columns_are_reported_on_row_1():
    parsed = parse("handle,date,handle\nmila,2024-06-01,mila\n")

    assert errors(parsed) == [(1, "handle"), (1, "followers"), (1, "views_last_30_days")]


def test_too_many_rows_is_refused():
    text = "handle,date,followers,views_last_30_days\n" + "".join(
        f"mila,2024-05-{day:02d},1,1\n" for day in range(1, 6)
    )

    parsed = parse(text, max_rows=4)

    assert "more than 4 rows" in parsed.errors[0].message


# --- persisting ------------------------------------------------------------------------------


@pytest.fixture
def accounts(agency):
    mila = SocialAccountFactory(
        creator=CreatorFactory(agency=agency), handle="Mila", followers=9_000
    )
    noah = SocialAccountFactory(creator=CreatorFactory(agency=agency), handle="noah")
    return {"mila": mila, "noah": noah}


def test_an_import_writes_every_row_and_the_newest_day_sets_the_followers(
    agency, manager, accounts
):
    summary = metrics_import(
        agency=agency, actor=manager, parsed=parse(ACCOUNT_FILE), filename="june.csv"
    )

    assert (summary.created, summary.updated, summary.unchanged) == (3, 0, 0)
    mila = accounts["mila"]
    assert list(
        AccountSnapshot.objects.filter(social_account=mila)
        .order_by("date")
        .values_list("date", "followers", "views_last_30_days", "source")
    ) == [
        (date(2024, 6, 1), 9_800, 95_000, MetricsSource.CSV),
        (date(2024, 6, 2), 10_100, 101_000, MetricsSource.CSV),
    ]
    mila.refresh_from_db()
    assert mila.followers == 10_100  # handles match case-insensitively ("@mila" is "Mila")
    entry = AuditLog.objects.get(agency=agency, action="metrics.import")
    assert entry.actor == manager
    assert entry.after == {
        "kind": "accounts",
        "file": "june.csv",
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
    }


def test_importing_the_same_file_twice_changes_nothing(agency, manager, accounts):
    metrics_import(agency=agency, actor=manager, parsed=parse(ACCOUNT_FILE))

    again = metrics_import(agency=agency, actor=manager, parsed=parse(ACCOUNT_FILE))
    corrected = metrics_import(
        agency=agency, actor=manager, parsed=parse(ACCOUNT_FILE.replace("101000", "102000"))
    )

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 1, 2)
    assert AccountSnapshot.objects.filter(agency=agency).count() == 3


def test_an_older_day_does_not_overwrite_the_followers(agency, manager, accounts):
    metrics_import(agency=agency, actor=manager, parsed=parse(ACCOUNT_FILE))
    older = "handle,date,followers,views_last_30_days\nmila,2024-05-01,5000,1000\n"

    metrics_import(agency=agency, actor=manager, parsed=parse(older))

    accounts["mila"].refresh_from_db()
    assert accounts["mila"].followers == 10_100


def test_an_unknown_handle_stops_the_whole_import(agency, other_agency, manager, accounts):
    # A handle of another agency is as unknown as one that does not exist.
    SocialAccountFactory(creator=CreatorFactory(agency=other_agency), handle="rival")
    text = ACCOUNT_FILE + "rival,2024-06-01,1,1\nnobody,2024-06-01,1,1\n"

    with pytest.raises(MetricsImportError) as raised:
        metrics_import(agency=agency, actor=manager, parsed=parse(text))

    assert [(e.row, e.column) for e in raised.value.errors] == [(5, "handle"), (6, "handle")]
    assert raised.value.errors[0].message == "No TikTok account @rival on the roster."
    assert not AccountSnapshot.objects.exists()
    assert not AuditLog.objects.filter(action="metrics.import").exists()


def test_a_parsed_file_with_errors_writes_nothing(agency, manager, accounts):
    parsed = parse("handle,date,followers,views_last_30_days\nmila,2024-06-01,x,1\n")

    with pytest.raises(MetricsImportError):
        metrics_import(agency=agency, actor=manager, parsed=parsed)

    assert not AccountSnapshot.objects.exists()


def test_videos_are_added_then_updated_by_their_id(agency, manager, accounts):
    header = "handle,video_id,posted_at,duration_seconds,views,qualified_views,title\n"
    first = header + "mila,111,2024-06-01 18:30,75,1000,500,Hello\nnoah,222,2024-06-02,30,10,0,\n"
    second = header + "mila,111,2024-06-01 18:30,75,5000,2500,Hello\n"

    created = metrics_import(agency=agency, actor=manager, parsed=parse(first, VIDEOS))
    updated = metrics_import(agency=agency, actor=manager, parsed=parse(second, VIDEOS))

    assert (created.created, updated.updated) == (2, 1)
    video = Video.objects.get(platform_video_id="111")
    assert (video.views, video.qualified_views, video.title) == (5_000, 2_500, "Hello")
    assert video.social_account == accounts["mila"]


# --- the page --------------------------------------------------------------------------------


def _upload(client, agency, text: str, kind: str = ACCOUNTS, name: str = "metrics.csv"):
    upload = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    return client.post(
        reverse("creators:metrics-import", args=[agency.slug]), {"kind": kind, "file": upload}
    )


def test_the_import_page_documents_the_columns(manager_client, agency):
    response = manager_client.get(reverse("creators:metrics-import", args=[agency.slug]))

    body = response.content.decode()
    for column in ("views_last_30_days", "audience_country", "qualified_views", "posted_at"):
        assert f"<code>{column}</code>" in body
    assert "top territory" in body


def test_a_good_upload_imports_and_says_so(manager_client, agency, accounts):
    response = _upload(manager_client, agency, ACCOUNT_FILE)

    assert response.status_code == 302
    assert AccountSnapshot.objects.filter(agency=agency).count() == 3


def test_a_bad_upload_lists_the_problems_and_imports_nothing(manager_client, agency, accounts):
    text = ACCOUNT_FILE + "mila,2024-06-03,many,1\nghost,2024-06-03,1,1\n"

    response = _upload(manager_client, agency, text)

    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["errors"]] == [(5, "followers")]
    assert "Nothing was imported" in response.content.decode()
    assert not AccountSnapshot.objects.exists()


def test_unknown_handles_are_listed_on_the_page(manager_client, agency, accounts):
    response = _upload(manager_client, agency, ACCOUNT_FILE + "ghost,2024-06-03,1,1\n")

    assert [(e.row, e.column) for e in response.context["errors"]] == [(5, "handle")]
    assert not AccountSnapshot.objects.exists()


def test_only_csv_files_are_accepted(manager_client, agency):
    response = _upload(manager_client, agency, ACCOUNT_FILE, name="metrics.xlsx")

    assert response.context["form"].errors["file"] == ["Upload a .csv file."]


@pytest.mark.parametrize(("kind", "first"), [("accounts", "handle"), ("videos", "handle")])
def test_the_templates_download_as_csv(manager_client, agency, kind, first):
    url = reverse("creators:metrics-import-template", args=[agency.slug])

    response = manager_client.get(url, {"kind": kind})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header = text.splitlines()[0].split(",")
    assert header[0] == first
    assert ("video_id" in header) is (kind == "videos")
    assert manager_client.get(url, {"kind": "other"}).status_code == 404

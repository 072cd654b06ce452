"""Metrics from CSV exports: account snapshots (one row per account and day) and videos (one
row per video with its latest figures).

`parse_creator_metrics_csv` is pure (bytes in; rows or errors by row and column out).
`metrics_import` checks the rows against the agency's accounts and writes every row or none,
in bulk, in one transaction, with one audit entry for the file. Importing the same file twice
changes nothing the second time: a day (or a video id) already recorded is updated in place.

Rules of the file (shown on the import page):
- UTF-8 (with or without byte-order mark), comma- or semicolon-separated; the first line
  names the columns, in any order and case, with the names or aliases of `ACCOUNT_COLUMNS` /
  `VIDEO_COLUMNS` (TikTok Studio's English export headings are aliases).
- Handles name accounts already on the roster (with or without @); `platform` defaults to
  TikTok. Dates are YYYY-MM-DD; posting times ISO 8601, read in the agency's time zone when
  they carry no offset. Durations in seconds or m:ss.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.audit import audit_record
from agencies.models import Agency
from core.csv_import import (
    CellError,
    Column,
    CsvTable,
    country_code,
    iso_date,
    read_csv,
    whole_number,
)
from core.numbers import is_ascii_digits
from core.spreadsheets import spreadsheet_unescape

from .models import AccountSnapshot, MetricsSource, Platform, SocialAccount, Video
from .services import handle_error, normalise_handle

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

ACCOUNTS = "accounts"
VIDEOS = "videos"
KINDS = (ACCOUNTS, VIDEOS)
MAX_COUNT = 10**13
MAX_FOLLOWERS = 10**11
MAX_DURATION = 24 * 60 * 60
_BATCH = 1000


_COMMON = (
    Column(
        "handle",
        gettext_lazy("The account's handle as on the roster, with or without @."),
        "milajansen",
        required=True,
        aliases=("account", "username", "user name"),
    ),
    Column(
        "platform",
        gettext_lazy("tiktok, instagram, youtube, x or twitch (empty: tiktok)."),
        "tiktok",
    ),
)
ACCOUNT_COLUMNS: tuple[Column, ...] = (
    *_COMMON,
    Column(
        "date", gettext_lazy("The day of the figures, YYYY-MM-DD."), "2025-03-31", True, ("day",)
    ),
    Column(
        "followers",
        gettext_lazy("Followers on that day, a whole number."),
        "48200",
        True,
        ("total followers", "follower count"),
    ),
    Column(
        "views_last_30_days",
        gettext_lazy("Video views in the 30 days up to that day."),
        "182000",
        True,
        ("video views last 30 days", "views 30 days", "views_30d", "last 30 days views"),
    ),
    Column(
        "audience_country",
        gettext_lazy("The country most viewers are in, ISO code (optional)."),
        "US",
        aliases=("top territory", "top country"),
    ),
)
VIDEO_COLUMNS: tuple[Column, ...] = (
    *_COMMON,
    Column(
        "video_id",
        gettext_lazy("The platform's id of the video."),
        "7351234567890123456",
        True,
        ("video id", "post id", "id"),
    ),
    Column(
        "posted_at",
        gettext_lazy("When it was posted: YYYY-MM-DD HH:MM (agency time) or ISO 8601 with offset."),
        "2025-03-28 18:30",
        True,
        ("post time", "posted", "create time", "date posted"),
    ),
    Column(
        "duration_seconds",
        gettext_lazy("Length in seconds, or m:ss."),
        "75",
        True,
        ("duration", "video duration", "length"),
    ),
    Column(
        "views",
        gettext_lazy("Views so far."),
        "52000",
        True,
        ("video views", "total views", "plays"),
    ),
    Column(
        "qualified_views",
        gettext_lazy("Qualified views (Creativity Program); empty: 0."),
        "31000",
        aliases=("qualified video views",),
    ),
    Column(
        "average_watch_seconds",
        gettext_lazy("Average watch time in seconds (optional)."),
        "21.4",
        aliases=("average watch time", "avg watch time", "average time watched"),
    ),
    Column(
        "title",
        gettext_lazy("Title or caption (optional)."),
        "",
        aliases=("caption", "video title"),
    ),
)
COLUMNS = {ACCOUNTS: ACCOUNT_COLUMNS, VIDEOS: VIDEO_COLUMNS}

_MINUTES_RE = re.compile(r"^(\d+):([0-5]\d)$", re.ASCII)


@dataclass(frozen=True)
class AccountRow:
    row: int
    platform: str
    handle: str
    date: date
    followers: int
    views_last_30_days: int
    audience_country: str


@dataclass(frozen=True)
class VideoRow:
    row: int
    platform: str
    handle: str
    video_id: str
    posted_at: datetime
    duration_seconds: int
    views: int
    qualified_views: int
    average_watch_seconds: Decimal | None
    title: str


@dataclass
class ParsedMetrics(CsvTable):
    """A metrics file of `kind` as read: `rows` are `AccountRow`s or `VideoRow`s."""

    kind: str = ACCOUNTS


# --- cells ---------------------------------------------------------------------------------------


def _count(text: str, *, limit: int = MAX_COUNT) -> int:
    return whole_number(
        text,
        limit=limit,
        invalid=_("Use a whole number, such as 12000."),
        too_large=_("That number is too large."),
    )


def _day(text: str, *, today: date) -> date:
    day = iso_date(text)
    if day > today:
        raise ValueError(_("The date is in the future."))
    return day


def _moment(text: str, *, tz: tzinfo, now: datetime) -> datetime:
    value = text.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}", value, re.ASCII):
        raise ValueError(_("Write the time as YYYY-MM-DD HH:MM, or ISO 8601."))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(_("This is not a valid date and time.")) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, tz)
    if moment > now:
        raise ValueError(_("The posting time is in the future."))
    return moment


def _duration(text: str) -> int:
    value = text.strip().lower().removesuffix("s").strip()
    if match := _MINUTES_RE.match(value):
        seconds = int(match.group(1)) * 60 + int(match.group(2))
    elif is_ascii_digits(value):
        seconds = int(value)
    else:
        raise ValueError(_("Give the length in seconds (75) or as m:ss (1:15)."))
    if not 1 <= seconds <= MAX_DURATION:
        raise ValueError(_("A video lasts between 1 second and 24 hours."))
    return seconds


def _seconds(text: str) -> Decimal | None:
    value = text.strip().lower().removesuffix("s").strip().replace(",", ".")
    if not value:
        return None
    try:
        if not value.isascii():
            raise InvalidOperation
        seconds = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(_("Give the time in seconds, such as 21.4.")) from exc
    if not seconds.is_finite() or seconds < 0 or seconds >= 10**7:
        raise ValueError(_("Give the time in seconds, such as 21.4."))
    return seconds.quantize(Decimal("0.01"))


def _platform(text: str) -> str:
    wanted = text.strip().casefold()
    if not wanted:
        return Platform.TIKTOK
    for value, label in Platform.choices:
        if wanted in (value, str(label).casefold()):
            return value
    raise ValueError(_("Use one of: %(values)s.") % {"values": ", ".join(Platform.values)})


def _handle(text: str) -> str:
    handle = normalise_handle(text)
    if message := handle_error(handle):
        raise ValueError(message)
    return handle


def _video_id(text: str) -> str:
    value = text.strip()
    if len(value) > Video._meta.get_field("platform_video_id").max_length:
        raise ValueError(_("At most 64 characters."))
    return value


def _title(text: str) -> str:
    value = text.strip()
    if len(value) > Video._meta.get_field("title").max_length:
        raise ValueError(_("At most 200 characters."))
    return value


def _spec(kind: str, *, tz: tzinfo, now: datetime, today: date) -> list[Column]:
    """The columns of `kind` with their parsers (dates are checked against `today`)."""
    parsers: dict[str, Callable[[str], Any]] = {
        "handle": _handle,
        "platform": _platform,
        "date": lambda t: _day(t, today=today),
        "followers": lambda t: _count(t, limit=MAX_FOLLOWERS),
        "views_last_30_days": _count,
        "audience_country": country_code,
        "video_id": _video_id,
        "posted_at": lambda t: _moment(t, tz=tz, now=now),
        "duration_seconds": _duration,
        "views": _count,
        "qualified_views": lambda t: _count(t) if t.strip() else 0,
        "average_watch_seconds": _seconds,
        "title": _title,
    }
    empty = _("This cell is empty.")
    return [
        replace(c, parse=parsers[c.name], blank_error=empty if c.required else None)
        for c in COLUMNS[kind]
    ]


def _qualified_within_views(values: dict[str, Any]):
    if len(values) == len(VIDEO_COLUMNS) and values["qualified_views"] > values["views"]:
        yield "qualified_views", _("More qualified views than views.")


# --- the file ------------------------------------------------------------------------------------


def parse_creator_metrics_csv(
    data: bytes,
    *,
    kind: str,
    tz: tzinfo,
    max_bytes: int,
    max_rows: int,
    now: datetime | None = None,
) -> ParsedMetrics:
    """Read a metrics file of `kind` (ACCOUNTS or VIDEOS). Every row is checked and every
    problem reported with its row (as a spreadsheet numbers it, header = 1) and column; the
    rows are usable only when there are no errors. Pure: no database."""
    if kind not in KINDS:
        raise ValueError(kind)
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=tz)
    table = read_csv(
        data,
        _spec(kind, tz=tz, now=now, today=today),
        max_bytes=max_bytes,
        max_rows=max_rows,
        unescape=spreadsheet_unescape,
        check=_qualified_within_views if kind == VIDEOS else None,
    )
    result = ParsedMetrics(kind=kind, errors=table.errors, ignored_columns=table.ignored_columns)
    row_class = AccountRow if kind == ACCOUNTS else VideoRow
    seen: dict[tuple, int] = {}
    for parsed in table.rows:
        row = row_class(parsed.row, **parsed.values)
        key, column = _identity(row)
        if key in seen:
            result.errors.append(
                CellError(
                    row.row, column, _("The same row is on row %(row)d.") % {"row": seen[key]}
                )
            )
            continue
        seen[key] = row.row
        result.rows.append(row)
    if result.errors:
        result.rows = []
        result.errors.sort(key=lambda error: error.row)
    return result


def _identity(row: AccountRow | VideoRow) -> tuple[tuple, str]:
    if isinstance(row, AccountRow):
        return (row.platform, row.handle.lower(), row.date), "date"
    return (row.platform, row.handle.lower(), row.video_id), "video_id"


# --- persisting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


class MetricsImportError(Exception):
    def __init__(self, errors: list[CellError]):
        super().__init__(f"{len(errors)} problem(s) in the metrics file")
        self.errors = errors


def _accounts_for(agency: Agency, rows) -> tuple[dict[tuple[str, str], SocialAccount], list]:
    wanted = {(row.platform, row.handle.lower()) for row in rows}
    handles = {handle for _platform, handle in wanted}
    found = {}
    # One query: the agency's accounts with any of the handles (compared case-insensitively).
    for account in (
        SocialAccount.objects.for_agency(agency)
        .select_for_update(of=("self",))
        .annotate(handle_lower=Lower("handle"))
        .filter(handle_lower__in=sorted(handles))
        .order_by("pk")
    ):
        found[(account.platform, account.handle.lower())] = account
    errors = [
        CellError(
            row.row,
            "handle",
            _("No %(platform)s account @%(handle)s on the roster.")
            % {"platform": Platform(row.platform).label, "handle": row.handle},
        )
        for row in rows
        if (row.platform, row.handle.lower()) not in found
    ]
    return found, errors


@transaction.atomic
def metrics_import(
    *,
    agency: Agency,
    actor: AbstractUser | None,
    parsed: ParsedMetrics,
    filename: str = "",
    source: str = MetricsSource.CSV,
) -> ImportSummary:
    """Write a parsed metrics file: every row or none (`MetricsImportError` lists the rows
    whose handle is not on the roster). Locks the accounts named, so a concurrent entry for
    the same account waits. The newest snapshot of an account also sets its followers.
    `source` names where the figures came from (the platforms app's sync passes `api`)."""
    if parsed.errors:
        raise MetricsImportError(parsed.errors)
    accounts, errors = _accounts_for(agency, parsed.rows)
    if errors:
        raise MetricsImportError(errors)
    if parsed.kind == ACCOUNTS:
        summary = _write_snapshots(agency, parsed.rows, accounts, source)
    else:
        summary = _write_videos(agency, parsed.rows, accounts, source)
    audit_record(
        agency=agency,
        actor=actor,
        action="metrics.import",
        after={
            "kind": parsed.kind,
            "file": filename[:200],
            "rows": len(parsed.rows),
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
    )
    return summary


def _write_snapshots(
    agency: Agency, rows: list[AccountRow], accounts, source: str = MetricsSource.CSV
) -> ImportSummary:
    account_ids = {a.pk for a in accounts.values()}
    days = {row.date for row in rows}
    existing = {
        (snap.social_account_id, snap.date): snap
        for snap in AccountSnapshot.objects.filter(
            agency=agency,
            social_account_id__in=account_ids,
            date__gte=min(days),
            date__lte=max(days),
        )
    }
    new, changed, unchanged = [], [], 0
    fields = ("followers", "views_last_30_days", "audience_country")
    for row in rows:
        account = accounts[(row.platform, row.handle.lower())]
        snap = existing.get((account.pk, row.date))
        if snap is None:
            new.append(
                AccountSnapshot(
                    agency=agency,
                    social_account=account,
                    date=row.date,
                    followers=row.followers,
                    views_last_30_days=row.views_last_30_days,
                    audience_country=row.audience_country,
                    source=source,
                )
            )
            continue
        current = (snap.followers, snap.views_last_30_days, snap.audience_country or "")
        wanted = (row.followers, row.views_last_30_days, row.audience_country)
        if current == wanted:
            unchanged += 1
            continue
        snap.followers, snap.views_last_30_days, snap.audience_country = wanted
        snap.source = source
        snap.updated_at = timezone.now()
        changed.append(snap)
    AccountSnapshot.objects.bulk_create(new, batch_size=_BATCH)
    AccountSnapshot.objects.bulk_update(
        changed, [*fields, "source", "updated_at"], batch_size=_BATCH
    )
    _sync_followers(agency, account_ids)
    return ImportSummary(len(new), len(changed), unchanged)


def _sync_followers(agency: Agency, account_ids: set[int]) -> None:
    """Set each account's followers from its newest snapshot (what the roster shows)."""
    latest = dict(
        AccountSnapshot.objects.filter(agency=agency, social_account_id__in=account_ids)
        .values("social_account_id")
        .annotate(last=Max("date"))
        .values_list("social_account_id", "last")
    )
    newest = {
        snap.social_account_id: snap.followers
        for snap in AccountSnapshot.objects.filter(
            agency=agency, social_account_id__in=account_ids, date__in=set(latest.values())
        )
        if latest.get(snap.social_account_id) == snap.date
    }
    accounts = list(SocialAccount.objects.filter(agency=agency, pk__in=newest).order_by("pk"))
    changed = []
    for account in accounts:
        if account.followers != newest[account.pk]:
            account.followers = newest[account.pk]
            account.updated_at = timezone.now()
            changed.append(account)
    SocialAccount.objects.bulk_update(changed, ["followers", "updated_at"], batch_size=_BATCH)


def _write_videos(
    agency: Agency, rows: list[VideoRow], accounts, source: str = MetricsSource.CSV
) -> ImportSummary:
    account_ids = {a.pk for a in accounts.values()}
    existing = {
        (video.social_account_id, video.platform_video_id): video
        for video in Video.objects.filter(
            agency=agency,
            social_account_id__in=account_ids,
            platform_video_id__in={row.video_id for row in rows},
        )
    }
    fields = (
        "posted_at",
        "duration_seconds",
        "views",
        "qualified_views",
        "average_watch_seconds",
        "title",
    )
    new, changed, unchanged = [], [], 0
    for row in rows:
        account = accounts[(row.platform, row.handle.lower())]
        values = {
            "posted_at": row.posted_at,
            "duration_seconds": row.duration_seconds,
            "views": row.views,
            "qualified_views": row.qualified_views,
            "average_watch_seconds": row.average_watch_seconds,
            "title": row.title,
        }
        video = existing.get((account.pk, row.video_id))
        if video is None:
            new.append(
                Video(
                    agency=agency,
                    social_account=account,
                    platform_video_id=row.video_id,
                    source=source,
                    **values,
                )
            )
            continue
        if all(getattr(video, name) == value for name, value in values.items()):
            unchanged += 1
            continue
        for name, value in values.items():
            setattr(video, name, value)
        video.source = source
        video.updated_at = timezone.now()
        changed.append(video)
    Video.objects.bulk_create(new, batch_size=_BATCH)
    Video.objects.bulk_update(changed, [*fields, "source", "updated_at"], batch_size=_BATCH)
    return ImportSummary(len(new), len(changed), unchanged)


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """Header and one example row for the downloadable template."""
    columns = COLUMNS[kind]
    return [c.name for c in columns], [[c.example for c in columns]]

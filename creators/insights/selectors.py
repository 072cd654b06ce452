"""Reads for creator insights: eligibility in SQL (roster filters), and eligibility,
estimates, forecasts and rate-card tiers for many creators in a fixed number of queries.

`creator_insights` loads everything the pure modules (`eligibility`, `estimates`,
`forecast`, `rate_cards`) need with one query per kind of row, whatever the number of
creators: the creators, their TikTok accounts with the latest snapshot, unresolved strikes,
niches, the last videos of each account (a window function), the RPM table, the agency's
settings and its rate card.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from agencies.models import Agency
from creators.models import (
    AccountSnapshot,
    AccountType,
    Creator,
    InsightSettings,
    PolicyStrike,
    Program,
    RpmRate,
    SocialAccount,
    Video,
)
from creators.models import Platform as PlatformChoices

from . import eligibility, rate_cards
from .estimates import (
    DEFAULT_RPM,
    MonthEstimate,
    Range,
    RpmChoice,
    RpmRange,
    RpmRow,
    VideoFacts,
    choose_rpm,
    monthly_estimates,
    sort_key,
    video_estimate,
)
from .forecast import (
    FORECAST_POSTS,
    AccuracySummary,
    Forecast,
    StatementFacts,
    forecast,
    forecast_accuracy,
    settled_statements_reader,
)

TIKTOK = PlatformChoices.TIKTOK
PROGRAMS: tuple[str, ...] = (Program.CREATIVITY_PROGRAM, Program.CREATOR_FUND)
DEFAULT_Q4_UPLIFT = InsightSettings._meta.get_field("q4_uplift").default
# The creator page reads at most this many of the main account's videos (months and the
# forecast backtest need more than the last ten).
DETAIL_VIDEOS = 500


def agency_today(agency: Agency) -> date:
    """Today in the agency's time zone: ages, Q4 and months are the agency's."""
    return timezone.localdate(timezone=agency.tzinfo)


def q4_uplift(*, agency: Agency) -> Decimal:
    value = InsightSettings.objects.for_agency(agency).values_list("q4_uplift", flat=True).first()
    return value if value is not None else DEFAULT_Q4_UPLIFT


def rpm_rows(*, agency: Agency) -> list[RpmRow]:
    return [
        RpmRow(program, country or "", niche_id, low, high)
        for program, country, niche_id, low, high in RpmRate.objects.for_agency(agency).values_list(
            "program", "country", "niche_id", "rpm_low", "rpm_high"
        )
    ]


def default_rpm_rows() -> list[tuple[str, RpmRange]]:
    """The DESIGN.md RPMs that apply where the agency's table has no matching row."""
    return [(str(Program(program).label), DEFAULT_RPM[program]) for program in PROGRAMS]


def rpm_table(*, agency: Agency) -> QuerySet[RpmRate]:
    return (
        RpmRate.objects.for_agency(agency)
        .select_related("niche")
        .order_by("program", "country", "niche__name", "pk")
    )


# --- eligibility in SQL (the roster's "eligible" and "close to eligible" filters) ---------------


def _main_account(field_name: str) -> Subquery:
    """A field of the creator's main TikTok account (most followers, then oldest)."""
    return Subquery(
        SocialAccount.objects.filter(creator=OuterRef("pk"), platform=TIKTOK)
        .order_by("-followers", "pk")
        .values(field_name)[:1]
    )


def eligibility_annotations() -> dict:
    latest_views = (
        AccountSnapshot.objects.filter(social_account=OuterRef("insight_account"))
        .order_by("-date")
        .values("views_last_30_days")[:1]
    )
    return {
        "insight_account": _main_account("pk"),
        "insight_followers": Coalesce(_main_account("followers"), Value(-1)),
        "insight_views": Coalesce(Subquery(latest_views), Value(-1)),
    }


def eligibility_q(program: str, *, agency: Agency, today: date, close: bool = False) -> Q:
    """Creators meeting every deciding rule of `program` (or, with `close`, all but the
    follower/view thresholds, missed by at most 10 %). Needs `eligibility_annotations()`.
    The SQL twin of `eligibility.evaluate_program`; `test_insights_eligibility` checks they
    agree."""
    strikes = PolicyStrike.objects.filter(
        agency=agency, creator=OuterRef("pk"), resolved_on__isnull=True
    )
    rules = eligibility.PROGRAM_RULES[program]
    q = Q(date_of_birth__lte=eligibility.adult_birth_cutoff(today)) & Q(
        country__in=sorted(eligibility.PROGRAM_COUNTRIES[program])
    )
    q &= ~Exists(strikes)
    if eligibility.ACCOUNT_TYPE in rules:
        q &= Q(account_type__in=sorted(eligibility.CREATIVITY_ACCOUNT_TYPES))
    meets = Q(insight_followers__gte=eligibility.MIN_FOLLOWERS) & Q(
        insight_views__gte=eligibility.MIN_VIEWS_30_DAYS
    )
    if not close:
        return q & meets
    nearly = Q(insight_followers__gte=eligibility.close_minimum(eligibility.MIN_FOLLOWERS)) & Q(
        insight_views__gte=eligibility.close_minimum(eligibility.MIN_VIEWS_30_DAYS)
    )
    return q & nearly & ~meets


def filter_by_eligibility(
    queryset: QuerySet[Creator], program: str, *, agency: Agency, close: bool = False
) -> QuerySet[Creator]:
    today = agency_today(agency)
    return queryset.annotate(**eligibility_annotations()).filter(
        eligibility_q(program, agency=agency, today=today, close=close)
    )


# --- many creators at once ------------------------------------------------------------------------


@dataclass(frozen=True)
class MainAccount:
    pk: int
    handle: str
    followers: int
    snapshot_date: date | None
    views_last_30_days: int | None
    audience_country: str


@dataclass
class CreatorInsight:
    creator_id: int
    account: MainAccount | None
    facts: eligibility.CreatorFacts
    eligibility: dict[str, eligibility.ProgramResult]
    rpm: dict[str, RpmChoice]
    forecasts: dict[str, Forecast]
    top_followers: int | None
    band: rate_cards.Band | None
    suggested_fee: Decimal | None
    uplift: Decimal
    today: date
    videos: list[VideoFacts] = field(default_factory=list)

    @property
    def audience_country(self) -> str:
        return (self.account.audience_country if self.account else "") or self.facts.country

    def rpm_range(self, program: str) -> RpmRange:
        return self.rpm[program].rpm

    def redacted(self, *, personal_data: bool) -> CreatorInsight:
        """The insight as a reader sees it (`eligibility.redact`)."""
        if personal_data:
            return self
        results = {
            program: eligibility.redact(result, personal_data=False)
            for program, result in self.eligibility.items()
        }
        return replace(self, eligibility=results)


def video_facts(
    *, key: int, posted_at, duration_seconds: int, views: int, qualified_views: int, tz
) -> VideoFacts:
    return VideoFacts(
        key=key,
        posted_at=posted_at,
        posted_on=posted_at.astimezone(tz).date(),  # the agency's calendar day
        duration_seconds=duration_seconds,
        views=views,
        qualified_views=qualified_views,
    )


def creator_insights(
    *,
    agency: Agency,
    creators: QuerySet[Creator] | Sequence[int],
    today: date | None = None,
    videos_per_account: int = FORECAST_POSTS,
) -> dict[int, CreatorInsight]:
    """Eligibility, RPM, 30-day forecast and rate-card tier of each of `creators` (an
    unsliced queryset, e.g. a filtered roster, or the ids of a page), keyed by creator id.
    Costs eight queries whatever the number of creators."""
    today = today or agency_today(agency)
    tz = agency.tzinfo
    if isinstance(creators, QuerySet):
        creators = creators.filter(agency=agency).order_by()
        # Related rows are read through a subquery: no list of 10,000 ids in the SQL.
        ids = creators.values("pk")
    else:
        ids = list(creators)
        creators = Creator.objects.filter(agency=agency, pk__in=ids)
    # 1. the creators, with their largest account's followers (for the tier)
    rows = list(
        creators.annotate(insight_top=rate_cards.top_followers_subquery()).values_list(
            "pk", "date_of_birth", "country", "account_type", "insight_top"
        )
    )
    if not rows:
        return {}

    # 2. TikTok accounts with their latest snapshot
    latest = AccountSnapshot.objects.filter(social_account=OuterRef("pk")).order_by("-date", "-pk")
    accounts: dict[int, MainAccount] = {}
    for pk, creator_id, handle, followers, snap_date, views, country in (
        SocialAccount.objects.filter(agency=agency, creator_id__in=ids, platform=TIKTOK)
        .annotate(
            snap_date=Subquery(latest.values("date")[:1]),
            snap_views=Subquery(latest.values("views_last_30_days")[:1]),
            snap_country=Subquery(latest.values("audience_country")[:1]),
        )
        .order_by("creator_id", "-followers", "pk")
        .values_list(
            "pk", "creator_id", "handle", "followers", "snap_date", "snap_views", "snap_country"
        )
    ):
        # Ordered by followers, highest first: the first account seen is the main one.
        accounts.setdefault(
            creator_id, MainAccount(pk, handle, followers, snap_date, views, country or "")
        )

    # 3. unresolved policy strikes
    strikes = dict(
        PolicyStrike.objects.filter(agency=agency, creator_id__in=ids, resolved_on__isnull=True)
        .order_by()
        .values("creator_id")
        .annotate(n=Count("pk"))
        .values_list("creator_id", "n")
    )

    # 4. niches
    niches: dict[int, list[int]] = defaultdict(list)
    for creator_id, niche_id in Creator.niches.through.objects.filter(
        creator_id__in=ids
    ).values_list("creator_id", "nichetag_id"):
        niches[creator_id].append(niche_id)

    # 5. the last videos of every TikTok account (newest first)
    main_accounts = {account.pk for account in accounts.values()}
    videos: dict[int, list[VideoFacts]] = defaultdict(list)
    ranked = (
        Video.objects.filter(
            agency=agency, social_account__creator_id__in=ids, social_account__platform=TIKTOK
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("social_account_id")],
                order_by=[F("posted_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=videos_per_account)
        .values_list(
            "pk",
            "social_account_id",
            "posted_at",
            "duration_seconds",
            "views",
            "qualified_views",
        )
    )
    for pk, account_id, posted_at, duration, views, qualified in ranked:
        if account_id in main_accounts:
            videos[account_id].append(
                video_facts(
                    key=pk,
                    posted_at=posted_at,
                    duration_seconds=duration,
                    views=views,
                    qualified_views=qualified,
                    tz=tz,
                )
            )

    # 6-8. the agency's RPM table, Q4 uplift and rate card
    table = rpm_rows(agency=agency)
    uplift = q4_uplift(agency=agency)
    bands = rate_cards.rate_card(agency=agency)

    result = {}
    for creator_id, dob, country, account_type, top in rows:
        account = accounts.get(creator_id)
        own_videos = sorted(
            videos.get(account.pk, []) if account else [], key=sort_key, reverse=True
        )
        facts = eligibility.CreatorFacts(
            date_of_birth=dob,
            country=country or "",
            account_type=account_type or AccountType.PERSONAL,
            followers=account.followers if account else None,
            views_last_30_days=account.views_last_30_days if account else None,
            unresolved_strikes=strikes.get(creator_id, 0),
            recent_video_seconds=[v.duration_seconds for v in own_videos[:FORECAST_POSTS]],
            views_as_of=account.snapshot_date if account else None,
            account_handle=account.handle if account else "",
        )
        audience = (account.audience_country if account else "") or facts.country
        choices = {
            program: choose_rpm(table, program, country=audience, niche_ids=niches[creator_id])
            for program in PROGRAMS
        }
        band = rate_cards.band_for(top, bands)
        result[creator_id] = CreatorInsight(
            creator_id=creator_id,
            account=account,
            facts=facts,
            eligibility=eligibility.evaluate(facts, today=today),
            rpm=choices,
            forecasts={
                program: forecast(program, own_videos, choices[program].rpm, uplift, as_of=today)
                for program in PROGRAMS
            },
            top_followers=top,
            band=band,
            suggested_fee=rate_cards.suggested_fee(top, band) if band else None,
            uplift=uplift,
            today=today,
            videos=own_videos,
        )
    return result


def creator_insight(
    *, agency: Agency, creator: Creator, today: date | None = None, videos: int = DETAIL_VIDEOS
) -> CreatorInsight:
    """One creator's insights, with up to `videos` of the main account's videos."""
    insights = creator_insights(
        agency=agency,
        creators=Creator.objects.filter(pk=creator.pk),
        today=today,
        videos_per_account=videos,
    )
    return insights[creator.pk]


# --- one creator's history --------------------------------------------------------------------


def settled_statements(*, agency: Agency, creator: Creator) -> list[StatementFacts]:
    """The creator's settled program statements, oldest first (none without payouts)."""
    reader = settled_statements_reader()
    return reader(agency=agency, creator=creator, programs=PROGRAMS) if reader else []


def account_history(*, account_id: int | None, since: date) -> list[AccountSnapshot]:
    """An account's snapshots from `since`, oldest first (for the charts)."""
    if account_id is None:
        return []
    return list(
        AccountSnapshot.objects.filter(social_account_id=account_id, date__gte=since).order_by(
            "date"
        )
    )


def recent_snapshots(*, agency: Agency, creator: Creator, limit: int = 30) -> QuerySet:
    return (
        AccountSnapshot.objects.for_agency(agency)
        .filter(social_account__creator=creator)
        .select_related("social_account")
        .order_by("-date", "social_account__platform", "-pk")[:limit]
    )


def creator_snapshots(*, agency: Agency, creator: Creator) -> QuerySet[AccountSnapshot]:
    return (
        AccountSnapshot.objects.for_agency(agency)
        .filter(social_account__creator=creator)
        .select_related("social_account")
        .order_by("-date", "-pk")
    )


def creator_videos(*, agency: Agency, creator: Creator) -> QuerySet[Video]:
    return (
        Video.objects.for_agency(agency)
        .filter(social_account__creator=creator)
        .select_related("social_account")
        .order_by("-posted_at", "-pk")
    )


def creator_strikes(*, agency: Agency, creator: Creator) -> QuerySet[PolicyStrike]:
    return PolicyStrike.objects.for_agency(agency).filter(creator=creator).order_by("-date", "-pk")


# --- the creator's insight page ---------------------------------------------------------------


@dataclass(frozen=True)
class ProgramView:
    program: str
    result: eligibility.ProgramResult
    rpm: RpmChoice
    forecast: Forecast
    months: list[MonthEstimate]

    @property
    def label(self) -> str:
        return str(Program(self.program).label)


@dataclass(frozen=True)
class VideoView:
    video: Video
    estimates: dict[str, Range]

    @property
    def rewarded_by_creativity(self) -> bool:
        return self.video.duration_seconds > eligibility.MIN_REWARDED_SECONDS

    @property
    def creativity(self) -> Range:
        return self.estimates[Program.CREATIVITY_PROGRAM]

    @property
    def creator_fund(self) -> Range:
        return self.estimates[Program.CREATOR_FUND]


@dataclass(frozen=True)
class InsightPage:
    insight: CreatorInsight
    programs: list[ProgramView]
    videos: list[VideoView]
    accuracy: AccuracySummary | None
    history: list[AccountSnapshot]

    @property
    def month_rows(self) -> list[dict]:
        """One row per month, newest first: first_day, videos and each program's range."""
        rows: dict[tuple[int, int], dict] = {}
        for view in self.programs:
            for month in view.months:
                row = rows.setdefault(
                    (month.year, month.month),
                    {"first_day": month.first_day, "videos": month.videos},
                )
                row[view.program] = month.estimate
        return [rows[key] for key in sorted(rows, reverse=True)]

    def redacted(self, *, personal_data: bool) -> InsightPage:
        """The page as a reader sees it: without the age rule's date, days and age for
        roles that may not see the creator's personal data (`eligibility.redact`)."""
        if personal_data:
            return self
        programs = [
            replace(view, result=eligibility.redact(view.result, personal_data=False))
            for view in self.programs
        ]
        return replace(self, insight=self.insight.redacted(personal_data=False), programs=programs)


def insight_page(
    *,
    agency: Agency,
    creator: Creator,
    today: date | None = None,
    months: int = 12,
    video_rows: int = 20,
    history_days: int = 365,
    with_accuracy: bool = True,
    detail_videos: int = DETAIL_VIDEOS,
) -> InsightPage:
    """Everything the creator's insight page shows, in eleven queries whatever the number of
    videos, snapshots or statements: the insights (eight), the latest videos, the settled
    statements and the main account's history."""
    insight = creator_insight(agency=agency, creator=creator, today=today, videos=detail_videos)
    today = insight.today
    first_month = date(today.year, today.month, 1)
    for _step in range(months - 1):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    recent = [v for v in insight.videos if v.posted_on >= first_month]
    programs = [
        ProgramView(
            program=program,
            result=insight.eligibility[program],
            rpm=insight.rpm[program],
            forecast=insight.forecasts[program],
            months=monthly_estimates(program, recent, insight.rpm_range(program), insight.uplift)
            if months
            else [],
        )
        for program in PROGRAMS
    ]
    account = insight.account
    videos = []
    if account is not None and video_rows:
        tz = agency.tzinfo
        for video in Video.objects.filter(agency=agency, social_account_id=account.pk).order_by(
            "-posted_at", "-pk"
        )[:video_rows]:
            facts = video_facts(
                key=video.pk,
                posted_at=video.posted_at,
                duration_seconds=video.duration_seconds,
                views=video.views,
                qualified_views=video.qualified_views,
                tz=tz,
            )
            videos.append(
                VideoView(
                    video,
                    {
                        program: video_estimate(
                            program, facts, insight.rpm_range(program), insight.uplift
                        )
                        for program in PROGRAMS
                    },
                )
            )
    accuracy = None
    if with_accuracy:
        accuracy = forecast_accuracy(
            settled_statements(agency=agency, creator=creator),
            insight.videos,
            {program: insight.rpm_range(program) for program in PROGRAMS},
            insight.uplift,
        )
    history = account_history(
        account_id=account.pk if account else None, since=today - timedelta(days=history_days)
    )
    return InsightPage(insight, programs, videos, accuracy, history)

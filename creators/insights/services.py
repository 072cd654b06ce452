"""Insight writes: metric snapshots and videos (by hand or through the API), policy strikes,
the RPM table and the Q4 uplift. (Rate cards: `rate_cards.rate_card_update`; CSV imports:
`metrics_import`; threshold notifications: `eligibility_watch`.)

Every service is keyword-only, runs in one transaction, validates before it saves and writes
an audit entry naming the actor. A broken rule raises `ValidationError` keyed by field,
nothing written.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from creators.models import (
    AccountSnapshot,
    Creator,
    InsightSettings,
    MetricsSource,
    NicheTag,
    PolicyStrike,
    RpmRate,
    SocialAccount,
    Video,
)

from .selectors import agency_today

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

SNAPSHOT_FIELDS = ["social_account", "date", "followers", "views_last_30_days", "audience_country"]
VIDEO_FIELDS = [
    "social_account",
    "platform_video_id",
    "title",
    "posted_at",
    "duration_seconds",
    "views",
    "qualified_views",
    "average_watch_seconds",
]


def _full_clean(obj, *, exclude: list[str] | None = None) -> None:
    # Uniqueness is the upsert's business, and agency/account are set by the service.
    obj.full_clean(
        exclude=["agency", *(exclude or [])], validate_unique=False, validate_constraints=False
    )


# --- account snapshots --------------------------------------------------------------------------


def snapshot_errors(snap: AccountSnapshot, *, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        _full_clean(snap, exclude=["social_account"])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if snap.date and snap.date > today:
        errors.setdefault("date", []).append(_("The date is in the future."))
    return errors


def _sync_followers(account: SocialAccount, snap: AccountSnapshot) -> dict[str, Any] | None:
    """The newest snapshot sets the account's follower count (the roster and eligibility
    read it). Returns the change for the audit entry, or None."""
    newer = AccountSnapshot.objects.filter(social_account=account, date__gt=snap.date).exists()
    if newer or account.followers == snap.followers:
        return None
    change = {"before": account.followers, "after": snap.followers}
    account.followers = snap.followers
    account.save(update_fields=["followers", "updated_at"])
    return change


@transaction.atomic
def account_snapshot_record(
    *,
    account: SocialAccount,
    actor: AbstractUser | None,
    date: date,
    followers: int,
    views_last_30_days: int,
    audience_country: str = "",
    source: str = MetricsSource.MANUAL,
) -> tuple[AccountSnapshot, bool]:
    """Record (or correct) an account's figures for one day; returns (snapshot, created).
    Locks the account row so two writers cannot both create the day. A snapshot newer than
    every other also updates the account's follower count."""
    account = (
        SocialAccount.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=account.pk, agency_id=account.agency_id)
    )
    snap = AccountSnapshot.objects.filter(social_account=account, date=date).first()
    created = snap is None
    before = None if created else snapshot(snap, SNAPSHOT_FIELDS)
    if created:
        snap = AccountSnapshot(agency_id=account.agency_id, social_account=account, date=date)
    snap.followers = followers
    snap.views_last_30_days = views_last_30_days
    snap.audience_country = (audience_country or "").upper()
    snap.source = source
    if errors := snapshot_errors(snap, today=agency_today(account.agency)):
        raise ValidationError(errors)
    snap.save()
    after = snapshot(snap, SNAPSHOT_FIELDS)
    followers_change = _sync_followers(account, snap)
    if followers_change:
        after["account_followers"] = followers_change["after"]
        before = {**(before or {}), "account_followers": followers_change["before"]}
    if created or after != before:
        audit_record(
            agency=account.agency,
            actor=actor,
            action="account_snapshot.create" if created else "account_snapshot.update",
            obj=snap,
            before=before,
            after={**after, "source": source},
        )
    return snap, created


# --- videos -------------------------------------------------------------------------------------


def video_errors(video: Video) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        _full_clean(video, exclude=["social_account"])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if video.posted_at and video.posted_at > timezone.now():
        errors.setdefault("posted_at", []).append(_("The posting time is in the future."))
    if video.duration_seconds is not None and video.duration_seconds < 1:
        errors.setdefault("duration_seconds", []).append(_("A video lasts at least 1 second."))
    if (
        video.views is not None
        and video.qualified_views is not None
        and video.qualified_views > video.views
    ):
        errors.setdefault("qualified_views", []).append(
            _("Qualified views cannot be more than the views.")
        )
    return errors


@transaction.atomic
def video_record(
    *,
    account: SocialAccount,
    actor: AbstractUser | None,
    platform_video_id: str,
    posted_at: datetime,
    duration_seconds: int,
    views: int,
    qualified_views: int = 0,
    average_watch_seconds: Decimal | None = None,
    title: str = "",
    source: str = MetricsSource.MANUAL,
) -> tuple[Video, bool]:
    """Record a video or update its figures (matched by the platform's video id within the
    account); returns (video, created). Locks the account row."""
    account = (
        SocialAccount.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=account.pk, agency_id=account.agency_id)
    )
    video_id = (platform_video_id or "").strip()
    video = Video.objects.filter(social_account=account, platform_video_id=video_id).first()
    created = video is None
    before = None if created else snapshot(video, VIDEO_FIELDS)
    if created:
        video = Video(agency_id=account.agency_id, social_account=account)
    video.platform_video_id = video_id
    video.posted_at = posted_at
    video.duration_seconds = duration_seconds
    video.views = views
    video.qualified_views = qualified_views or 0
    video.average_watch_seconds = average_watch_seconds
    video.title = (title or "").strip()
    video.source = source
    if errors := video_errors(video):
        raise ValidationError(errors)
    video.save()
    after = snapshot(video, VIDEO_FIELDS)
    if created or after != before:
        audit_record(
            agency=account.agency,
            actor=actor,
            action="video.create" if created else "video.update",
            obj=video,
            before=before,
            after={**after, "source": source},
        )
    return video, created


# --- policy strikes -----------------------------------------------------------------------------


@transaction.atomic
def policy_strike_add(
    *, creator: Creator, actor: AbstractUser | None, date: date, reason: str
) -> PolicyStrike:
    """Record a platform policy strike; the creator is out of good standing until resolved."""
    strike = PolicyStrike(
        agency_id=creator.agency_id, creator=creator, date=date, reason=(reason or "").strip()
    )
    errors: dict[str, list[str]] = {}
    try:
        _full_clean(strike, exclude=["creator"])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if date and date > agency_today(creator.agency):
        errors.setdefault("date", []).append(_("The date is in the future."))
    if errors:
        raise ValidationError(errors)
    strike.save()
    audit_record(
        agency=creator.agency,
        actor=actor,
        action="policy_strike.create",
        obj=strike,
        after={**snapshot(strike, ["date", "reason"]), "creator": creator.pk},
    )
    return strike


@transaction.atomic
def policy_strike_resolve(
    *, strike: PolicyStrike, actor: AbstractUser | None, resolved_on: date | None = None
) -> PolicyStrike:
    """Mark a strike resolved (today in the agency's time zone unless given). Locks it."""
    strike = (
        PolicyStrike.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=strike.pk, agency_id=strike.agency_id)
    )
    if strike.resolved_on is not None:
        raise ValidationError(_("This strike is already resolved."))
    today = agency_today(strike.agency)
    resolved_on = resolved_on or today
    if resolved_on < strike.date or resolved_on > today:
        raise ValidationError({"resolved_on": _("Pick a day between the strike and today.")})
    strike.resolved_on = resolved_on
    strike.save(update_fields=["resolved_on"])
    audit_record(
        agency=strike.agency,
        actor=actor,
        action="policy_strike.resolve",
        obj=strike,
        before={"resolved_on": None},
        after={"resolved_on": resolved_on},
    )
    return strike


# --- the RPM table and the Q4 uplift --------------------------------------------------------------

RPM_FIELDS = ["program", "country", "niche", "rpm_low", "rpm_high"]


@transaction.atomic
def rpm_rate_set(
    *,
    agency: Agency,
    actor: AbstractUser | None,
    program: str,
    country: str,
    niche: NicheTag | None,
    rpm_low: Decimal,
    rpm_high: Decimal,
) -> RpmRate:
    """Set the RPM range of a program for an audience country and niche (either may be
    "any"); replaces the row for the same program, country and niche."""
    if niche is not None and niche.agency_id != agency.pk:
        raise ValidationError({"niche": _("Pick one of this agency's niches.")})
    country = (country or "").upper()
    # By pk, not the model's ordering: that joins the niche, and PostgreSQL cannot lock the
    # nullable side of an outer join (the "any niche" rate could not be set).
    rate = (
        RpmRate.objects.for_agency(agency)
        .select_for_update(of=("self",))
        .filter(program=program, country=country, niche=niche)
        .order_by("pk")
        .first()
    )
    before = None if rate is None else snapshot(rate, RPM_FIELDS)
    rate = rate or RpmRate(agency=agency, program=program, country=country, niche=niche)
    rate.rpm_low, rate.rpm_high = rpm_low, rpm_high
    errors: dict[str, list[str]] = {}
    try:
        _full_clean(rate, exclude=["niche"])
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if rpm_low is not None and rpm_high is not None and rpm_low > rpm_high:
        errors.setdefault("rpm_high", []).append(_("The high RPM must be at least the low one."))
    if errors:
        raise ValidationError(errors)
    rate.save()
    after = snapshot(rate, RPM_FIELDS)
    if after != before:
        audit_record(
            agency=agency,
            actor=actor,
            action="rpm_rate.create" if before is None else "rpm_rate.update",
            obj=rate,
            before=before,
            after=after,
        )
    return rate


@transaction.atomic
def rpm_rate_remove(*, rate: RpmRate, actor: AbstractUser | None) -> None:
    rate = RpmRate.objects.select_related("agency").get(pk=rate.pk, agency_id=rate.agency_id)
    audit_record(
        agency=rate.agency,
        actor=actor,
        action="rpm_rate.remove",
        obj=rate,
        before=snapshot(rate, RPM_FIELDS),
    )
    rate.delete()


@transaction.atomic
def insight_settings_update(
    *, agency: Agency, actor: AbstractUser | None, q4_uplift: Decimal
) -> InsightSettings:
    settings_row = InsightSettings.objects.for_agency(
        agency
    ).select_for_update().first() or InsightSettings(agency=agency)
    created = settings_row.pk is None
    before = {"q4_uplift": str(settings_row.q4_uplift)}  # the default for a new row
    settings_row.q4_uplift = q4_uplift
    _full_clean(settings_row)
    settings_row.save()
    after = {"q4_uplift": str(settings_row.q4_uplift)}
    if created or after != before:
        audit_record(
            agency=agency,
            actor=actor,
            action="insight_settings.update",
            obj=settings_row,
            before=before,
            after=after,
        )
    return settings_row


def insight_settings_ensure(*, agency: Agency) -> InsightSettings:
    """The agency's insight settings row, created with the defaults if it has none yet."""
    settings_row, _created = InsightSettings.objects.get_or_create(agency=agency)
    return settings_row

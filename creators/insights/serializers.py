"""Insight API shapes. Input serializers check shape only (the services apply the rules);
output serializers describe the payloads built from the pure results, so the OpenAPI schema
documents them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.countries import country_alpha2
from creators.models import AccountSnapshot, Program, SocialAccount, Tier, Video

from .eligibility import ProgramResult, redact
from .estimates import CURRENCY, Range
from .rate_cards import Band
from .selectors import CreatorInsight, InsightPage


class _CreatorAccountMixin:
    """Limits `social_account` to the creator's own accounts (`creator` in the context)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        creator = self.context.get("creator")
        if creator is not None and "social_account" in self.fields:
            self.fields["social_account"].queryset = SocialAccount.objects.filter(
                agency_id=creator.agency_id, creator=creator
            )


class AccountSnapshotSerializer(_CreatorAccountMixin, serializers.ModelSerializer):
    social_account = serializers.PrimaryKeyRelatedField(
        queryset=SocialAccount.objects.none(), help_text=_("Id of one of the creator's accounts.")
    )
    # A plain code field: a second name for the country enum would warn in the schema.
    audience_country = serializers.CharField(
        max_length=2,
        allow_blank=True,
        required=False,
        help_text=_("ISO 3166-1 alpha-2 code of the top audience country, or empty."),
    )
    source = serializers.CharField(read_only=True, help_text=_("manual, csv or api"))

    def validate_audience_country(self, value: str) -> str:
        code = country_alpha2(value) if value else ""
        if value and not code:
            raise serializers.ValidationError(_("Unknown country code."))
        return code

    class Meta:
        model = AccountSnapshot
        fields = [
            "id",
            "social_account",
            "date",
            "followers",
            "views_last_30_days",
            "audience_country",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "source", "created_at", "updated_at"]
        # The service decides what a second snapshot of the same day means (an update).
        validators: list = []


class VideoSerializer(_CreatorAccountMixin, serializers.ModelSerializer):
    social_account = serializers.PrimaryKeyRelatedField(
        queryset=SocialAccount.objects.none(), help_text=_("Id of one of the creator's accounts.")
    )
    source = serializers.CharField(read_only=True, help_text=_("manual, csv or api"))

    class Meta:
        model = Video
        fields = [
            "id",
            "social_account",
            "platform_video_id",
            "title",
            "posted_at",
            "duration_seconds",
            "views",
            "qualified_views",
            "average_watch_seconds",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "source", "created_at", "updated_at"]
        validators: list = []
        extra_kwargs = {
            "posted_at": {"help_text": _("ISO 8601 with an offset.")},
            "platform_video_id": {"help_text": _("A known id updates that video's figures.")},
        }


# --- output ----------------------------------------------------------------------------------


class RangeSerializer(serializers.Serializer):
    low = serializers.DecimalField(max_digits=14, decimal_places=2)
    high = serializers.DecimalField(max_digits=14, decimal_places=2)


class RuleSerializer(serializers.Serializer):
    """One `eligibility.RuleResult`."""

    rule = serializers.CharField(source="key")
    label = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField(
        help_text=_(
            "For the age rule, only owners, account managers and the creator see the date "
            "and the age; others read whether the creator is 18 or older."
        )
    )
    shortfall = serializers.IntegerField(
        allow_null=True,
        help_text=_(
            "How far a failing rule is from passing (followers, views, days until 18, "
            "strikes, seconds). Null on the age rule for roles that may not see the date "
            "of birth."
        ),
    )
    advisory = serializers.BooleanField(help_text=_("Informs, does not decide eligibility."))


class ProgramEligibilitySerializer(serializers.Serializer):
    """One `eligibility.ProgramResult`, redacted (`eligibility.redact`) unless the context
    says `personal_data` is True (the view decides by role)."""

    program = serializers.ChoiceField(choices=Program.choices)
    status = serializers.CharField(help_text=_("eligible, close or not_eligible"))
    closed_to_new_members = serializers.BooleanField()
    rules = RuleSerializer(many=True)

    def to_representation(self, instance: ProgramResult) -> dict:
        shown = redact(instance, personal_data=self.context.get("personal_data") is True)
        return super().to_representation(shown)


class MainAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    handle = serializers.CharField()
    followers = serializers.IntegerField()
    snapshot_date = serializers.DateField(allow_null=True)
    views_last_30_days = serializers.IntegerField(allow_null=True)
    audience_country = serializers.CharField(allow_blank=True)


class TierSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(choices=Tier.choices)
    min_followers = serializers.IntegerField(min_value=0, max_value=10**11)
    max_followers = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("The next tier's minimum (exclusive).")
    )
    fee_min = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    fee_max = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, allow_null=True, required=False
    )


class CreatorEligibilitySerializer(serializers.Serializer):
    creator = serializers.IntegerField()
    as_of = serializers.DateField(help_text=_("Today in the agency's time zone."))
    account = MainAccountSerializer(allow_null=True)
    tier = serializers.ChoiceField(choices=Tier.choices, allow_null=True)
    suggested_fee = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    fee_currency = serializers.CharField(allow_null=True)
    programs = ProgramEligibilitySerializer(many=True)


class RosterEligibilitySerializer(CreatorEligibilitySerializer):
    display_name = serializers.CharField()


class ForecastSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    low = serializers.DecimalField(max_digits=14, decimal_places=2)
    high = serializers.DecimalField(max_digits=14, decimal_places=2)
    posts_used = serializers.IntegerField()
    window_days = serializers.IntegerField()
    q4_days = serializers.IntegerField()


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    videos = serializers.IntegerField()
    rewarded_views = serializers.IntegerField()
    low = serializers.DecimalField(max_digits=14, decimal_places=2)
    high = serializers.DecimalField(max_digits=14, decimal_places=2)


class RpmSerializer(serializers.Serializer):
    low = serializers.DecimalField(max_digits=8, decimal_places=4)
    high = serializers.DecimalField(max_digits=8, decimal_places=4)
    source = serializers.CharField(
        help_text=_("default (DESIGN.md figures) or table (a row of the agency's RPM table)")
    )


class ProgramEstimateSerializer(serializers.Serializer):
    program = serializers.ChoiceField(choices=Program.choices)
    rpm = RpmSerializer()
    forecast_30_days = ForecastSerializer()
    months = MonthSerializer(many=True)


class VideoEstimateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform_video_id = serializers.CharField()
    posted_at = serializers.DateTimeField()
    duration_seconds = serializers.IntegerField()
    views = serializers.IntegerField()
    qualified_views = serializers.IntegerField()
    creativity_program = RangeSerializer()
    creator_fund = RangeSerializer()


class AccuracyRowSerializer(serializers.Serializer):
    statement = serializers.CharField()
    program = serializers.ChoiceField(choices=Program.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    currency = serializers.CharField()
    settled_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    forecast = RangeSerializer(allow_null=True)
    within_range = serializers.BooleanField(allow_null=True)
    error_percent = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class AccuracySerializer(serializers.Serializer):
    compared = serializers.IntegerField()
    within_range = serializers.IntegerField()
    mean_absolute_error_percent = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )
    statements = AccuracyRowSerializer(many=True)


class CreatorEstimatesSerializer(serializers.Serializer):
    creator = serializers.IntegerField()
    as_of = serializers.DateField()
    currency = serializers.CharField()
    q4_uplift = serializers.DecimalField(max_digits=4, decimal_places=2)
    programs = ProgramEstimateSerializer(many=True)
    videos = VideoEstimateSerializer(many=True)
    accuracy = AccuracySerializer(allow_null=True)


class RateCardSerializer(serializers.Serializer):
    currency = serializers.CharField(max_length=3)
    tiers = TierSerializer(many=True)

    def validate_tiers(self, value):
        names = [t["tier"] for t in value]
        if sorted(names) != sorted(Tier.values):
            raise serializers.ValidationError(_("Give each of the four tiers exactly once."))
        return value


# --- payloads --------------------------------------------------------------------------------


def _range(value: Range) -> dict:
    return {"low": value.low, "high": value.high}


def band_payload(band: Band) -> dict:
    return {k: v for k, v in band.as_dict().items() if k != "currency"}


def eligibility_payload(insight: CreatorInsight) -> dict:
    account = insight.account
    return {
        "creator": insight.creator_id,
        "as_of": insight.today,
        "account": None
        if account is None
        else {
            "id": account.pk,
            "handle": account.handle,
            "followers": account.followers,
            "snapshot_date": account.snapshot_date,
            "views_last_30_days": account.views_last_30_days,
            "audience_country": insight.audience_country,
        },
        "tier": insight.band.tier if insight.band else None,
        "suggested_fee": insight.suggested_fee,
        "fee_currency": insight.band.currency if insight.band else None,
        # Results, not dicts: ProgramEligibilitySerializer redacts them by its context.
        "programs": list(insight.eligibility.values()),
    }


def estimates_payload(page: InsightPage) -> dict:
    insight = page.insight
    accuracy = page.accuracy
    return {
        "creator": insight.creator_id,
        "as_of": insight.today,
        "currency": CURRENCY,
        "q4_uplift": insight.uplift,
        "programs": [
            {
                "program": view.program,
                "rpm": {
                    "low": view.rpm.rpm.low,
                    "high": view.rpm.rpm.high,
                    "source": view.rpm.source,
                },
                "forecast_30_days": {
                    "start": view.forecast.start,
                    "end": view.forecast.end,
                    **_range(view.forecast.estimate),
                    "posts_used": view.forecast.posts_used,
                    "window_days": view.forecast.window_days,
                    "q4_days": view.forecast.q4_days,
                },
                "months": [
                    {
                        "month": f"{m.year:04d}-{m.month:02d}",
                        "videos": m.videos,
                        "rewarded_views": m.rewarded_views,
                        **_range(m.estimate),
                    }
                    for m in view.months
                ],
            }
            for view in page.programs
        ],
        "videos": [
            {
                "id": row.video.pk,
                "platform_video_id": row.video.platform_video_id,
                "posted_at": row.video.posted_at,
                "duration_seconds": row.video.duration_seconds,
                "views": row.video.views,
                "qualified_views": row.video.qualified_views,
                "creativity_program": _range(row.creativity),
                "creator_fund": _range(row.creator_fund),
            }
            for row in page.videos
        ],
        "accuracy": None
        if accuracy is None
        else {
            "compared": len(accuracy.compared),
            "within_range": accuracy.within_range,
            "mean_absolute_error_percent": accuracy.mean_absolute_error_percent,
            "statements": [
                {
                    "statement": row.statement.key,
                    "program": row.statement.program,
                    "period_start": row.statement.period_start,
                    "period_end": row.statement.period_end,
                    "currency": row.statement.currency,
                    "settled_amount": row.statement.settled_amount,
                    "forecast": _range(row.forecast.estimate) if row.forecast else None,
                    "within_range": row.within_range,
                    "error_percent": row.error_percent,
                }
                for row in accuracy.rows
            ],
        },
    }

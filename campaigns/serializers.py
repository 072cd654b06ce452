from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.api_base import StaffField
from creators.models import Creator

from .models import (
    CAMPAIGN_CODE_VALIDATOR,
    Campaign,
    Checklist,
    Contract,
    ContractStatus,
    ConversionEvent,
    ConversionSource,
    Deliverable,
    Experiment,
    MetricSnapshot,
    Sponsor,
    UsageChannel,
)
from .significance import UPLIFT_METHOD


class AgencyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key limited to the request's agency: another agency's id is 'invalid'."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        return self.model.objects.filter(agency=self.context["agency"])


class SponsorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sponsor
        fields = [
            "id",
            "brand",
            "category",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class ContractSerializer(serializers.ModelSerializer):
    sponsor = AgencyRelatedField(Sponsor)
    creators = AgencyRelatedField(Creator, many=True)
    exclusivity_territory = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=2),
        required=False,
        allow_empty=True,
        help_text="ISO 3166-1 alpha-2 country codes, e.g. NL, BE.",
    )
    usage_channels = serializers.ListField(
        child=serializers.ChoiceField(choices=UsageChannel.choices), required=False
    )
    has_signed_pdf = serializers.SerializerMethodField()
    confirm_exclusivity_conflict = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Save even though the exclusivity conflicts with another binding contract "
        "of one of the creators (the contract form's checkbox). Without it such a write is "
        "refused with 409 and the conflicting contracts listed.",
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "title",
            "sponsor",
            "creators",
            "fee",
            "currency",
            "payment_terms",
            "start_date",
            "end_date",
            "exclusivity_category",
            "exclusivity_worldwide",
            "exclusivity_territory",
            "exclusivity_start",
            "exclusivity_end",
            "usage_channels",
            "usage_rights_until",
            "paid_ads_allowed",
            "attribution_requirements",
            "indemnification",
            "platform_rewards_allowed",
            "commission_rate",
            "status",
            "signed_at",
            "has_signed_pdf",
            "override_reason",
            "confirm_exclusivity_conflict",
        ]
        read_only_fields = ["status", "signed_at", "override_reason"]

    def validate_exclusivity_territory(self, value: list[str]) -> list[str]:
        codes = [code.upper() for code in value]
        unknown = [code for code in codes if code not in countries]
        if unknown:
            raise serializers.ValidationError(f"Unknown country codes: {', '.join(unknown)}")
        return codes

    def get_has_signed_pdf(self, obj: Contract) -> bool:
        return bool(obj.signed_pdf)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["exclusivity_territory"] = sorted(instance.territory_codes)
        return data


class ExclusivityConflictSerializer(serializers.Serializer):
    """One binding contract the written contract's exclusivity conflicts with."""

    contract = serializers.IntegerField(help_text="The conflicting contract's id.")
    title = serializers.CharField()
    creators = serializers.ListField(child=serializers.CharField())
    countries = serializers.ListField(
        child=serializers.CharField(), help_text="Country codes both cover; * for worldwide."
    )
    overlap_start = serializers.DateField()
    overlap_end = serializers.DateField()


class ExclusivityConflictErrorSerializer(serializers.Serializer):
    """The 409 answer to an unconfirmed conflicting contract write."""

    detail = serializers.CharField()
    code = serializers.CharField()
    conflicts = ExclusivityConflictSerializer(many=True)


class ContractTransitionSerializer(serializers.Serializer):
    # A plain string: the service names the allowed transitions in its error.
    to_status = serializers.CharField(
        help_text="One of: " + ", ".join(ContractStatus.values), max_length=16
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class CampaignSerializer(serializers.ModelSerializer):
    sponsor = AgencyRelatedField(Sponsor)
    code = serializers.CharField(max_length=40, help_text="Upper-cased, e.g. SPRING-24.")
    contract = AgencyRelatedField(Contract, required=False, allow_null=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "code",
            "sponsor",
            "contract",
            "brief",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "attribution_window_days",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Uniqueness per agency is checked by the service (the agency is not a field).
        validators: list = []

    def validate_code(self, value: str) -> str:
        value = value.strip().upper()
        try:
            CAMPAIGN_CODE_VALIDATOR(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return value


class ChecklistSerializer(serializers.ModelSerializer):
    """A campaign's disclosure checklist: what every caption must contain, who approves."""

    campaign = serializers.IntegerField(source="campaign_id", read_only=True)
    required_hashtags = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=50,
        help_text='With or without the #, e.g. ["#ad", "SpringDrop"].',
    )
    required_mentions = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        max_length=50,
        help_text='With or without the @, e.g. ["@brand"].',
    )
    approver = StaffField(
        required=False,
        allow_null=True,
        help_text="User id of the designated approver (an owner or account manager).",
    )

    class Meta:
        model = Checklist
        fields = [
            "campaign",
            "disclosure_text",
            "required_hashtags",
            "required_mentions",
            "draft_due_date",
            "publish_by_date",
            "approver",
            "updated_at",
        ]
        read_only_fields = ["campaign", "updated_at"]


class CaptionCheckSerializer(serializers.Serializer):
    caption = serializers.CharField(allow_blank=True, max_length=5000, trim_whitespace=False)


class ChecklistItemSerializer(serializers.Serializer):
    item = serializers.CharField(help_text="The disclosure text, a #hashtag or an @mention.")
    kind = serializers.ChoiceField(choices=["disclosure", "hashtag", "mention"])
    present = serializers.BooleanField()


class CaptionCheckResultSerializer(serializers.Serializer):
    passes = serializers.BooleanField()
    items = ChecklistItemSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())


class DeliverableSerializer(serializers.ModelSerializer):
    campaign = AgencyRelatedField(Campaign)
    creator = AgencyRelatedField(Creator)
    experiment = AgencyRelatedField(Experiment, required=False, allow_null=True)
    earns_creativity_rewards = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = Deliverable
        fields = [
            "id",
            "campaign",
            "creator",
            "kind",
            "platform",
            "due_date",
            "fee",
            "caption",
            "status",
            "post_url",
            "post_id",
            "posted_at",
            "video_duration_seconds",
            "earns_creativity_rewards",
            "experiment",
            "variant",
            "submitted_at",
            "approved_at",
        ]
        read_only_fields = [
            "status",
            "post_url",
            "post_id",
            "posted_at",
            "submitted_at",
            "approved_at",
        ]
        extra_kwargs = {"due_date": {"required": False}}


class DeliverableSubmitSerializer(serializers.Serializer):
    caption = serializers.CharField()
    video_duration_seconds = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=86400
    )


class DeliverableReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class DeliverablePostedSerializer(serializers.Serializer):
    post_url = serializers.URLField()
    post_id = serializers.CharField(required=False, allow_blank=True, default="")
    posted_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    video_duration_seconds = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=86400, default=None
    )


class SnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricSnapshot
        fields = [
            "id",
            "deliverable",
            "captured_at",
            "views",
            "likes",
            "comments",
            "shares",
            "saves",
            "avg_watch_seconds",
            "completion_25",
            "completion_50",
            "completion_75",
            "completion_100",
            "unique_reach",
            "source",
        ]
        read_only_fields = ["deliverable", "source"]
        validators: list = []


@extend_schema_field(
    {"type": "string", "enum": ConversionSource.values}, component_name="ConversionSourceEnum"
)
class ConversionSourceField(serializers.ChoiceField):
    """Read-only: "conversation" conversions are recorded by the leads app only, so the
    sponsor report's conversation leads cannot be posted through the API."""

    def __init__(self, **kwargs):
        super().__init__(choices=ConversionSource.choices, **kwargs)


class ConversionSerializer(serializers.ModelSerializer):
    creator = AgencyRelatedField(Creator, required=False, allow_null=True)
    source = ConversionSourceField(read_only=True)

    class Meta:
        model = ConversionEvent
        fields = [
            "id",
            "campaign",
            "kind",
            "occurred_at",
            "value",
            "currency",
            "external_id",
            "creator",
            "deliverable",
            "source",
        ]
        read_only_fields = ["campaign", "deliverable", "source"]
        extra_kwargs = {"currency": {"required": False}}
        validators: list = []


class HoldoutUpliftSerializer(serializers.Serializer):
    """Variants A and B together against the holdout; rates and bounds as proportions."""

    exposed_views = serializers.IntegerField()
    exposed_successes = serializers.IntegerField()
    holdout_views = serializers.IntegerField()
    holdout_successes = serializers.IntegerField()
    rate_exposed = serializers.FloatField()
    rate_holdout = serializers.FloatField()
    difference = serializers.FloatField(help_text="Exposed rate minus holdout rate.")
    ci_low = serializers.FloatField(source="low")
    ci_high = serializers.FloatField(source="high")
    relative = serializers.FloatField(allow_null=True)
    significant = serializers.BooleanField()
    holdout_share = serializers.FloatField(help_text="The holdout's share of the views.")
    confidence = serializers.SerializerMethodField()
    method = serializers.SerializerMethodField()

    def get_confidence(self, obj) -> float:
        return 0.95

    def get_method(self, obj) -> str:
        return UPLIFT_METHOD


class PostingParitySerializer(serializers.Serializer):
    """Each variant's mean posting time of day in the agency's time zone."""

    time_a = serializers.TimeField(allow_null=True, format="%H:%M")
    time_b = serializers.TimeField(allow_null=True, format="%H:%M")
    gap_minutes = serializers.IntegerField(allow_null=True)
    differs = serializers.BooleanField()


class ExperimentSummarySerializer(serializers.Serializer):
    verdict = serializers.CharField()
    verdict_waits_until = serializers.SerializerMethodField()
    views_short = serializers.IntegerField(source="gate.views_short")
    too_short = serializers.BooleanField(
        source="gate.too_short", help_text="It ended before a whole weekly cycle: no verdict."
    )
    views_a = serializers.IntegerField(source="result.views_a")
    views_b = serializers.IntegerField(source="result.views_b")
    rate_a = serializers.FloatField(source="result.rate_a", allow_null=True)
    rate_b = serializers.FloatField(source="result.rate_b", allow_null=True)
    p_value = serializers.SerializerMethodField()
    holdout = HoldoutUpliftSerializer(allow_null=True)
    posting_parity = PostingParitySerializer(source="parity")

    def get_verdict_waits_until(self, obj) -> date | None:
        return obj.gate.ready_on if obj.gate.waits_for_date else None

    def get_p_value(self, obj) -> float | None:
        # Held back with the verdict: a p-value read before the gate opens invites peeking.
        return obj.result.p_value if obj.gate.open else None


class ExperimentSerializer(serializers.ModelSerializer):
    summary = serializers.SerializerMethodField()

    @extend_schema_field(ExperimentSummarySerializer(allow_null=True))
    def get_summary(self, obj):
        """The verdict, holdout uplift and posting-time parity; the view puts them in the
        context by experiment id."""
        summary = self.context.get("experiment_summaries", {}).get(obj.pk)
        return ExperimentSummarySerializer(summary).data if summary else None

    class Meta:
        model = Experiment
        fields = [
            "id",
            "campaign",
            "name",
            "hypothesis",
            "metric",
            "variant_a_label",
            "variant_b_label",
            "holdout_percent",
            "start_date",
            "end_date",
            "summary",
        ]
        read_only_fields = ["campaign"]


class FiguresSerializer(serializers.Serializer):
    deliverables = serializers.IntegerField()
    posted = serializers.IntegerField()
    views = serializers.IntegerField()
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    shares = serializers.IntegerField()
    saves = serializers.IntegerField()
    reach = serializers.IntegerField()
    engagements = serializers.IntegerField()
    engagement_rate = serializers.DecimalField(max_digits=10, decimal_places=4, allow_null=True)
    avg_watch_seconds = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    funnel = serializers.SerializerMethodField()
    conversions = serializers.IntegerField()
    conversion_value = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2)
    cost_per_result = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)

    @extend_schema_field(serializers.DictField(child=serializers.CharField(allow_null=True)))
    def get_funnel(self, obj) -> dict:
        return {str(k): (str(v) if v is not None else None) for k, v in obj.funnel.items()}


class CreatorFiguresSerializer(serializers.Serializer):
    creator_id = serializers.IntegerField()
    creator_name = serializers.CharField()
    figures = FiguresSerializer()


class DeliverableFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    creator_id = serializers.IntegerField()
    status = serializers.CharField()
    variant = serializers.CharField()
    figures = FiguresSerializer()


class DashboardSerializer(serializers.Serializer):
    currency = serializers.CharField()
    total = FiguresSerializer()
    creators = CreatorFiguresSerializer(many=True)
    deliverables = DeliverableFiguresSerializer(many=True)
    conversions_by_kind = serializers.DictField(child=serializers.IntegerField())
    unattributed_conversions = serializers.IntegerField()
    cost_from_budget = serializers.BooleanField()

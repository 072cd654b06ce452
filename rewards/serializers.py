"""API shapes for rewards. Serializers validate shapes only; services do every write."""

from __future__ import annotations

from rest_framework import serializers

from campaigns.models import Campaign

from .models import BonusAward, BonusPool, BonusRule
from .services import RULE_FIELDS


class AgencyCampaignField(serializers.PrimaryKeyRelatedField):
    """A campaign of the request's agency; another agency's id reads as unknown."""

    def get_queryset(self):
        agency = self.context.get("agency")
        return Campaign.objects.filter(agency=agency) if agency else Campaign.objects.none()


class AgencyPoolField(serializers.PrimaryKeyRelatedField):
    """A bonus pool of the request's agency; another agency's id reads as unknown."""

    def get_queryset(self):
        agency = self.context.get("agency")
        return BonusPool.objects.filter(agency=agency) if agency else BonusPool.objects.none()


class BonusPoolSerializer(serializers.ModelSerializer):
    campaign = AgencyCampaignField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = BonusPool
        fields = [
            "id",
            "campaign",
            "name",
            "amount",
            "currency",
            "period_start",
            "period_end",
            "awarded_amount",
            "remaining",
            "created_at",
        ]
        read_only_fields = ["awarded_amount", "created_at"]


class BonusRuleSerializer(serializers.ModelSerializer):
    pool = AgencyPoolField()
    threshold = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = BonusRule
        fields = ["id", "pool", *RULE_FIELDS, "created_at"]
        read_only_fields = ["created_at"]


class BonusRuleChangeSerializer(BonusRuleSerializer):
    """A rule stays in its pool: `pool` is read-only on a change."""

    pool = serializers.PrimaryKeyRelatedField(read_only=True)


class BonusAwardSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="pool.campaign_id", read_only=True)
    campaign_code = serializers.CharField(source="pool.campaign.code", read_only=True)
    statement_status = serializers.CharField(
        source="statement.status", read_only=True, default=None
    )

    class Meta:
        model = BonusAward
        fields = [
            "id",
            "rule",
            "pool",
            "campaign",
            "campaign_code",
            "deliverable",
            "creator",
            "amount",
            "currency",
            "capped",
            "kpi",
            "kpi_value",
            "threshold",
            "measured_at",
            "statement",
            "statement_status",
            "created_at",
        ]
        read_only_fields = fields

"""API shapes for payouts. Serializers validate shapes only; services do every write."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Contract
from creators.models import Creator

from .models import (
    Adjustment,
    BankTransaction,
    Dispute,
    Hold,
    Match,
    PayoutLine,
    PayoutSource,
    PayoutStatement,
    ReconciliationRun,
    StatementStatus,
)
from .services import STATEMENT_FIELDS


class AgencyCreatorField(serializers.PrimaryKeyRelatedField):
    """A creator of the request's agency; another agency's id reads as unknown."""

    def get_queryset(self):
        agency = self.context.get("agency")
        return Creator.objects.filter(agency=agency) if agency else Creator.objects.none()


class AgencyContractField(serializers.PrimaryKeyRelatedField):
    """A contract of the request's agency (optional); another agency's id reads as unknown."""

    def get_queryset(self):
        agency = self.context.get("agency")
        return Contract.objects.filter(agency=agency) if agency else Contract.objects.none()


def _named_choice_field(choices, component: str):
    """A ChoiceField whose enum is one named schema component (spectacular would otherwise
    hash-name it: other apps also have fields called "status" and "source")."""

    @extend_schema_field(
        {"type": "string", "enum": [value for value, _label in choices]},
        component_name=component,
    )
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return Field


StatementStatusField = _named_choice_field(StatementStatus.choices, "PayoutStatementStatusEnum")
PayoutSourceField = _named_choice_field(PayoutSource.choices, "PayoutSourceEnum")


class PayoutStatementSerializer(serializers.ModelSerializer):
    creator = AgencyCreatorField()
    contract = AgencyContractField(required=False, allow_null=True)
    source = PayoutSourceField()
    status = StatementStatusField(required=False)
    creator_name = serializers.CharField(source="creator.display_name", read_only=True)
    received = serializers.DecimalField(
        source="allocated_amount", max_digits=14, decimal_places=2, read_only=True
    )
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = PayoutStatement
        fields = [
            "id",
            *STATEMENT_FIELDS,
            "creator_name",
            "received",
            "open_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        # Uniqueness includes the agency, which the service sets and checks.
        validators: list = []


class PayoutLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayoutLine
        fields = ["id", "asset_reference", "campaign_code", "description", "amount"]


class AdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Adjustment
        fields = ["id", "kind", "amount", "reason", "created_at"]


class HoldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hold
        fields = ["id", "reason", "expected_release", "released_at", "created_at"]


class DisputeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dispute
        fields = [
            "id",
            "opened_at",
            "transaction_data",
            "links",
            "status",
            "outcome",
            "closed_at",
        ]


class PayoutStatementDetailSerializer(PayoutStatementSerializer):
    lines = PayoutLineSerializer(many=True, read_only=True)
    adjustments = AdjustmentSerializer(many=True, read_only=True)
    holds = HoldSerializer(many=True, read_only=True)
    disputes = DisputeSerializer(many=True, read_only=True)

    class Meta(PayoutStatementSerializer.Meta):
        fields = [
            *PayoutStatementSerializer.Meta.fields,
            "lines",
            "adjustments",
            "holds",
            "disputes",
        ]


class BankTransactionSerializer(serializers.ModelSerializer):
    bank_account_iban = serializers.CharField(source="bank_account.iban", read_only=True)
    open_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = BankTransaction
        fields = [
            "id",
            "bank_account",
            "bank_account_iban",
            "booking_date",
            "value_date",
            "amount",
            "currency",
            "credit_debit",
            "counterparty_name",
            "counterparty_iban",
            "remittance_info",
            "end_to_end_id",
            "bank_reference",
            "is_reversal",
            "reverses",
            "allocated_amount",
            "open_amount",
            "created_at",
        ]
        read_only_fields = fields


class MatchSerializer(serializers.ModelSerializer):
    statement_reference = serializers.CharField(
        source="statement.platform_reference", read_only=True
    )

    class Meta:
        model = Match
        fields = [
            "id",
            "statement",
            "statement_reference",
            "transaction",
            "run",
            "amount",
            "statement_amount",
            "fx_rate",
            "difference",
            "rule",
            "confidence",
            "status",
            "group",
            "note",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class ReconciliationRunSerializer(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()

    class Meta:
        model = ReconciliationRun
        fields = [
            "id",
            "status",
            "created_at",
            "started_at",
            "finished_at",
            "current_pass",
            "total",
            "processed",
            "percent",
            "matched_count",
            "ambiguous_count",
            "unmatched_count",
            "summary",
            "error",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_percent(self, run: ReconciliationRun) -> int:
        return run.percent


StatementImportKindField = _named_choice_field(
    [("statements", "statements"), ("lines", "lines")], "PayoutStatementImportKindEnum"
)


class StatementImportSerializer(serializers.Serializer):
    """A CSV upload: payout statements, or the line items of statements (`kind=lines`)."""

    file = serializers.FileField()
    kind = StatementImportKindField(default="statements")


class ImportProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Line in the file; the header is line 1.")
    column = serializers.CharField()
    message = serializers.CharField()


class StatementImportResultSerializer(serializers.Serializer):
    kind = StatementImportKindField()
    created = serializers.IntegerField(required=False, help_text="Statements (kind=statements).")
    updated = serializers.IntegerField(required=False, help_text="Statements (kind=statements).")
    unchanged = serializers.IntegerField(help_text="Statements left as they were.")
    replaced = serializers.IntegerField(
        required=False, help_text="Statements whose line items were replaced (kind=lines)."
    )
    lines = serializers.IntegerField(required=False, help_text="Line items written (kind=lines).")
    warnings = ImportProblemSerializer(many=True, required=False)

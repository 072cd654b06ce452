"""API shapes for payouts. Serializers validate shapes only; services do every write."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Contract
from creators.models import Creator

from .models import (
    Adjustment,
    AdjustmentKind,
    BankAccount,
    BankImport,
    BankTransaction,
    CreatorPayment,
    Dispute,
    DisputeStatus,
    Hold,
    ImportStatus,
    IssueKind,
    Match,
    PayoutLine,
    PayoutSource,
    PayoutStatement,
    ReconciliationIssue,
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
AdjustmentKindField = _named_choice_field(AdjustmentKind.choices, "PayoutAdjustmentKindEnum")
DisputeStatusField = _named_choice_field(DisputeStatus.choices, "PayoutDisputeStatusEnum")
DisputeOutcomeField = _named_choice_field(
    [c for c in DisputeStatus.choices if c[0] != DisputeStatus.OPEN], "PayoutDisputeOutcomeEnum"
)
ImportStatusField = _named_choice_field(ImportStatus.choices, "BankImportStatusEnum")
IssueKindField = _named_choice_field(IssueKind.choices, "ReconciliationIssueKindEnum")


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
    """An adjustment of a statement: an invalid-activity deduction, a refund or a
    policy-violation penalty (negative reduces the payout; never zero)."""

    kind = AdjustmentKindField()

    class Meta:
        model = Adjustment
        fields = ["id", "kind", "amount", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]


class HoldSerializer(serializers.ModelSerializer):
    """A hold on a statement while the platform verifies it; released by POSTing to the
    hold's release."""

    class Meta:
        model = Hold
        fields = ["id", "reason", "expected_release", "released_at", "created_at"]
        read_only_fields = ["id", "released_at", "created_at"]


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute with the platform: what was sent (transaction data and links, one http(s)
    address per line); opened now, closed by POSTing to the dispute's close."""

    status = DisputeStatusField(read_only=True)

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
        read_only_fields = ["id", "opened_at", "status", "outcome", "closed_at"]


class DisputeCloseSerializer(serializers.Serializer):
    status = DisputeOutcomeField()
    outcome = serializers.CharField(help_text="What was decided.")


class CreatorPaymentSerializer(serializers.ModelSerializer):
    """The agency's payment of a reconciled statement to its creator. `currency` is the one
    the money arrived in; it may be left out when it arrived in one."""

    class Meta:
        model = CreatorPayment
        fields = ["id", "paid_on", "reference", "amount", "currency", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "currency": {"required": False},
            "amount": {"min_value": Decimal("0.01")},
        }


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


# --- Bank accounts and bank statement imports ---------------------------------------------------


class BankAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "name", "iban", "currency", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The IBAN is unique per agency, which the service checks.
        validators: list = []


BankFileFormatField = _named_choice_field(
    [("", ""), ("camt053", "CAMT.053"), ("mt940", "MT940"), ("ofx", "OFX"), ("csv", "CSV")],
    "BankFileFormatEnum",
)


class BankFileUploadSerializer(serializers.Serializer):
    """A bank statement file (CAMT.053, MT940, OFX or CSV with the account's column
    mapping); `format` empty or left out detects it."""

    file = serializers.FileField()
    format = BankFileFormatField(required=False, allow_blank=True, default="")


class BankImportSerializer(serializers.ModelSerializer):
    """One bank statement file and how its import went: queued and importing (a large file,
    imported in the background), done with its counts, or failed with the reason (nothing
    of it saved)."""

    status = ImportStatusField(read_only=True)
    bank_account_iban = serializers.CharField(source="bank_account.iban", read_only=True)

    class Meta:
        model = BankImport
        fields = [
            "id",
            "bank_account",
            "bank_account_iban",
            "file_name",
            "format",
            "status",
            "error",
            "transaction_count",
            "new_count",
            "duplicate_count",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


# --- Match decisions and reconciliation issues --------------------------------------------------


class ManualMatchSerializer(serializers.Serializer):
    statement = serializers.IntegerField(min_value=1, max_value=10**18 - 1)
    transaction = serializers.IntegerField(min_value=1, max_value=10**18 - 1)


class ReconciliationIssueSerializer(serializers.ModelSerializer):
    kind = IssueKindField(read_only=True)

    class Meta:
        model = ReconciliationIssue
        fields = [
            "id",
            "kind",
            "transaction",
            "statement",
            "base",
            "quote",
            "rate_date",
            "run",
            "created_at",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields


class IssueResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        required=False, allow_blank=True, help_text="How the issue was handled."
    )

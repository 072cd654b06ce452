"""Payouts: what platforms say they paid, what reached the bank, and what matched.

Invariants that must never break live in the database as constraints, not only in code:
a bank transaction is never allocated beyond its amount, a statement never receives more
than it is worth, a platform reference is unique per agency and source, and a bank
transaction is stored once per (account, fingerprint, occurrence).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES, Agency, TenantModel

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def validate_iban(value: str) -> None:
    # Lazily: keeps schwifty out of django.setup(), which imports every model module.
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(value)
    except (SchwiftyException, ValueError) as exc:
        raise ValidationError(_("Enter a valid IBAN (%(reason)s).") % {"reason": exc}) from exc


def validate_csv_mapping(value: object) -> None:
    if not isinstance(value, dict) or any(not isinstance(k, str) for k in value):
        raise ValidationError(_("The CSV column mapping must map field names to column names."))


def _agency_covered() -> models.ForeignKey:
    """The tenant key without an index of its own, for tables whose unique constraint starts
    with agency_id: it serves the agency's queries, the row-level-security filter and the
    cascade from the agency (tests/test_indexes.py)."""
    return models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)


class PayoutSource(models.TextChoices):
    CREATOR_FUND = "creator_fund", _("TikTok Creator Fund")
    CREATIVITY_PROGRAM = "creativity_program", _("TikTok Creativity Program")
    BRAND_DEAL = "brand_deal", _("Brand deal")
    AFFILIATE = "affiliate", _("Affiliate")
    LIVE_GIFTS = "live_gifts", _("LIVE gifts")
    # Income beyond the reward programs: each a stream of its own in the income mix.
    SUBSCRIPTIONS = "subscriptions", _("Creator Next / subscriptions")
    MERCHANDISE = "merchandise", _("Merchandise")
    # A sponsor's campaign bonus a rule awarded (rewards/): expected until the sponsor pays.
    BONUS = "bonus", _("Campaign bonus")
    OTHER = "other", _("Other")


class StatementStatus(models.TextChoices):
    ESTIMATED = "estimated", _("Estimated")
    SETTLED = "settled", _("Settled")
    PAID_BY_PLATFORM = "paid_by_platform", _("Paid by platform")
    RECONCILED = "reconciled", _("Reconciled")
    ON_HOLD = "on_hold", _("On hold")
    DISPUTED = "disputed", _("Disputed")
    ADJUSTED = "adjusted", _("Adjusted")


# Statuses in which the final settled amount is known.
SETTLED_STATUSES = frozenset(
    {
        StatementStatus.SETTLED,
        StatementStatus.PAID_BY_PLATFORM,
        StatementStatus.RECONCILED,
        StatementStatus.ADJUSTED,
    }
)


# Statuses a reconciliation run may allocate money to (RECONCILED only while something is
# still open, which the allocation constraint never allows: listed so a reopen is seen).
MATCHABLE_STATUSES = (
    StatementStatus.SETTLED,
    StatementStatus.PAID_BY_PLATFORM,
    StatementStatus.ADJUSTED,
    StatementStatus.RECONCILED,
)


class CommissionBasis(models.TextChoices):
    RECEIVED = "received", _("What reached the bank")
    SETTLED = "settled", _("The platform's settled amount")


class CostBearer(models.TextChoices):
    CREATOR = "creator", _("The creator")
    AGENCY = "agency", _("The agency")


class PayoutSettings(TenantModel):
    """Per-agency reconciliation and commission settings (one row per agency)."""

    default_commission_rate = models.DecimalField(
        _("default commission rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2000"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Share the agency keeps, 0.2000 = 20%."),
    )
    date_window_days = models.PositiveSmallIntegerField(
        _("date window (days)"),
        default=10,
        validators=[MaxValueValidator(120)],
        help_text=_("How many days after the settled date a deposit may arrive."),
    )
    fx_tolerance = models.DecimalField(
        _("FX tolerance"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0300"),
        validators=[MinValueValidator(0), MaxValueValidator(Decimal("0.5"))],
        help_text=_("Allowed deviation of the implied rate from the reference rate."),
    )
    fee_allowance = models.DecimalField(
        _("fee allowance"),
        **MONEY,
        default=Decimal("25.00"),
        validators=[MinValueValidator(0)],
        help_text=_("Largest bank or transfer fee accepted on one deposit."),
    )
    # {"USD/EUR": "0.92"}: one unit of the first currency in the second. A fallback when
    # no dated rate (FxRate, ReferenceRate) is known for the day.
    fx_reference_rates = models.JSONField(_("FX reference rates"), default=dict, blank=True)
    commission_basis = models.CharField(
        _("commission on"),
        max_length=10,
        choices=CommissionBasis.choices,
        default=CommissionBasis.RECEIVED,
        help_text=_("Take commission on what reached the bank, or on the settled amount."),
    )
    costs_borne_by = models.CharField(
        _("bank and FX costs borne by"),
        max_length=10,
        choices=CostBearer.choices,
        default=CostBearer.CREATOR,
    )

    class Meta:
        verbose_name = _("payout settings")
        verbose_name_plural = _("payout settings")
        constraints = [
            models.UniqueConstraint(fields=["agency"], name="payoutsettings_one_per_agency"),
            models.CheckConstraint(
                condition=Q(default_commission_rate__gte=0, default_commission_rate__lte=1),
                name="payoutsettings_commission_0_1",
            ),
            models.CheckConstraint(
                condition=Q(commission_basis__in=CommissionBasis.values),
                name="payoutsettings_basis_valid",
            ),
            models.CheckConstraint(
                condition=Q(costs_borne_by__in=CostBearer.values),
                name="payoutsettings_bearer_valid",
            ),
        ]


class CreatorCommission(TenantModel):
    """The agency's commission on one creator's payouts (overrides the default)."""

    agency = _agency_covered()
    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.CASCADE, related_name="commissions"
    )
    rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("creator commission")
        verbose_name_plural = _("creator commissions")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "creator"], name="commission_one_per_creator"
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0, rate__lte=1), name="commission_rate_0_1"
            ),
        ]


class BankAccount(TenantModel):
    agency = _agency_covered()
    name = models.CharField(_("name"), max_length=120)
    iban = models.CharField(_("IBAN"), max_length=34, validators=[validate_iban])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    csv_mapping = models.JSONField(
        _("CSV column mapping"), default=dict, blank=True, validators=[validate_csv_mapping]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "iban"], name="bankaccount_unique_iban"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.iban})"


class PayoutStatement(TenantModel):
    # No index of its own: the indexes below all start with the agency.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    creator = models.ForeignKey(
        "creators.Creator",
        verbose_name=_("creator"),
        on_delete=models.PROTECT,
        related_name="payout_statements",
    )
    source = models.CharField(_("source"), max_length=24, choices=PayoutSource.choices)
    # The contract the payout was earned under; its commission rate, when set, wins over the
    # creator's (payouts/commission.py). Same agency and including the creator: see services.
    contract = models.ForeignKey(
        "campaigns.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payout_statements",
        help_text=_("Blank: the creator's commission rate applies."),
    )
    platform_reference = models.CharField(_("platform reference"), max_length=80)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    estimated_amount = models.DecimalField(
        _("estimated amount"), **MONEY, validators=[MinValueValidator(0)]
    )
    settled_amount = models.DecimalField(
        _("settled amount"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=StatementStatus.choices,
        default=StatementStatus.ESTIMATED,
    )
    settled_date = models.DateField(_("settled date"), null=True, blank=True)
    # Denormalised sum of confirmed allocations in the statement's currency; the CHECK
    # below makes over-payment of a statement impossible at the database.
    allocated_amount = models.DecimalField(_("received"), **MONEY, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payout statement")
        verbose_name_plural = _("payout statements")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "source", "platform_reference"],
                name="statement_unique_reference",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="statement_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(status__in=StatementStatus.values), name="statement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=PayoutSource.values), name="statement_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(estimated_amount__gte=0)
                & (Q(settled_amount__isnull=True) | Q(settled_amount__gte=0)),
                name="statement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=sorted(SETTLED_STATUSES))
                | Q(settled_amount__isnull=False, settled_date__isnull=False),
                name="statement_settled_has_amount_and_date",
            ),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0)
                & (
                    Q(settled_amount__isnull=False, allocated_amount__lte=F("settled_amount"))
                    | Q(settled_amount__isnull=True, allocated_amount=0)
                ),
                name="statement_not_overallocated",
            ),
        ]
        # No index on status: a reconciliation run changes it on most rows it touches, and
        # an indexed column makes each such update write every index of the row again.
        indexes = [
            models.Index(fields=["agency", "platform_reference"], name="statement_agency_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.platform_reference} ({self.get_source_display()})"

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_start > self.period_end:
            errors["period_end"] = _("The period must end on or after its start.")
        if self.status in SETTLED_STATUSES:
            if self.settled_amount is None:
                errors["settled_amount"] = _("A settled statement needs its settled amount.")
            if self.settled_date is None:
                errors["settled_date"] = _("A settled statement needs its settled date.")
        if errors:
            raise ValidationError(errors)

    @property
    def amount_due(self) -> Decimal:
        """What the platform owes: the settled amount once known, else the estimate."""
        return self.settled_amount if self.settled_amount is not None else self.estimated_amount

    @property
    def open_amount(self) -> Decimal:
        if self.settled_amount is None:
            return ZERO
        return self.settled_amount - self.allocated_amount


class PayoutLine(TenantModel):
    statement = models.ForeignKey(PayoutStatement, on_delete=models.CASCADE, related_name="lines")
    asset_reference = models.CharField(_("asset"), max_length=200)
    campaign_code = models.CharField(_("campaign code"), max_length=60, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["id"]


class AdjustmentKind(models.TextChoices):
    INVALID_ACTIVITY = "invalid_activity", _("Invalid activity")
    REFUND = "refund", _("Refund")
    POLICY_VIOLATION = "policy_violation", _("Policy violation")


class Adjustment(TenantModel):
    statement = models.ForeignKey(
        PayoutStatement, on_delete=models.CASCADE, related_name="adjustments"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AdjustmentKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY, help_text=_("Negative reduces the payout."))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AdjustmentKind.values), name="adjustment_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_has_reason"),
        ]


class Hold(TenantModel):
    statement = models.ForeignKey(PayoutStatement, on_delete=models.CASCADE, related_name="holds")
    reason = models.TextField(_("reason"))
    expected_release = models.DateField(_("expected release"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="hold_has_reason"),
        ]


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    REJECTED = "rejected", _("Rejected")


class Dispute(TenantModel):
    statement = models.ForeignKey(
        PayoutStatement, on_delete=models.CASCADE, related_name="disputes"
    )
    opened_at = models.DateTimeField(_("opened"))
    transaction_data = models.TextField(_("transaction data"))
    links = models.TextField(_("links"), blank=True, help_text=_("One URL per line."))
    status = models.CharField(
        _("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-opened_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=DisputeStatus.OPEN) | ~Q(outcome=""),
                name="dispute_closed_has_outcome",
            ),
        ]


class EvidencePackStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class DisputeEvidencePack(TenantModel):
    """The evidence for a dispute, gathered by campaign code into one ZIP: comment and DM
    transcripts with the replies sent, conversion timestamps, the campaign brief and the
    contract's clauses. Built by `payouts.tasks.evidence_pack_build`, never in a request."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence_packs")
    campaign_code = models.CharField(_("campaign code"), max_length=40)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EvidencePackStatus.choices,
        default=EvidencePackStatus.QUEUED,
    )
    file = models.FileField(_("file"), upload_to="dispute-evidence/", blank=True)
    # What the pack holds, for the page: {"messages": n, "replies": n, "conversions": n}.
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispute evidence pack")
        verbose_name_plural = _("dispute evidence packs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EvidencePackStatus.values),
                name="evidencepack_status_valid",
            ),
            models.CheckConstraint(condition=~Q(campaign_code=""), name="evidencepack_has_code"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_code} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in (EvidencePackStatus.QUEUED, EvidencePackStatus.BUILDING)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    IMPORTING = "importing", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BankImport(TenantModel):
    """One bank statement file. Small files are imported in the request and saved as done;
    a large one is stored in `upload`, queued, and imported by a Celery task, which sets
    the status (and on failure the error, with nothing of the file saved)."""

    bank_account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="imports")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    format = models.CharField(_("format"), max_length=16, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.DONE
    )
    error = models.TextField(_("problem"), blank=True)
    # The stored file while it waits for the task; removed once imported or refused.
    upload = models.FileField(upload_to="bank-imports/", blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    transaction_count = models.PositiveIntegerField(_("transactions in file"), default=0)
    new_count = models.PositiveIntegerField(_("new"), default=0)
    duplicate_count = models.PositiveIntegerField(_("already imported"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank import")
        verbose_name_plural = _("bank imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="bankimport_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=ImportStatus.FAILED) | ~Q(error=""),
                name="bankimport_failed_has_error",
            ),
        ]


class CreditDebit(models.TextChoices):
    CREDIT = "credit", _("Credit")
    DEBIT = "debit", _("Debit")


class BankTransaction(TenantModel):
    # No index of its own: banktx_agency_date starts with the agency.
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # No index of its own: the unique constraint below starts with the bank account.
    bank_account = models.ForeignKey(
        BankAccount, on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    bank_import = models.ForeignKey(
        BankImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="transactions"
    )
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)  # always positive; see credit_debit
    currency = models.CharField(_("currency"), max_length=3)
    credit_debit = models.CharField(_("credit/debit"), max_length=6, choices=CreditDebit.choices)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    remittance_info = models.TextField(_("remittance information"), blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=64, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=64, blank=True)
    # The bank's code for the kind of booking: CAMT BkTxCd ("PMNT/RCDT/RRTN" or the
    # proprietary code), MT940 :61: type and :86: business code ("NRTI 159"), OFX TRNTYPE.
    # Return codes mark a debit that gives an earlier credit back.
    transaction_code = models.CharField(_("transaction code"), max_length=64, blank=True)
    is_reversal = models.BooleanField(_("reversal"), default=False)
    # Set by reconciliation on a reversal: the credit it takes back (which then counts as
    # neither open nor matched).
    reverses = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reversed_by"
    )
    # Dedupe: sha256 of the booking fields (the 32-byte digest, not its 64-character hex:
    # half the unique index the import maintains per row), plus the index of this occurrence
    # among identical ones in a file, so two genuine identical transactions both stay.
    fingerprint = models.BinaryField(max_length=32)
    occurrence = models.PositiveIntegerField(default=1)
    allocated_amount = models.DecimalField(_("allocated"), **MONEY, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank transaction")
        verbose_name_plural = _("bank transactions")
        ordering = ["-booking_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "fingerprint", "occurrence"],
                name="banktransaction_unique_occurrence",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="banktransaction_amount_pos"),
            models.CheckConstraint(
                condition=Q(allocated_amount__gte=0) & Q(allocated_amount__lte=F("amount")),
                name="banktransaction_not_overallocated",
            ),
            models.CheckConstraint(
                condition=Q(credit_debit__in=CreditDebit.values),
                name="banktransaction_direction_valid",
            ),
            models.CheckConstraint(
                condition=Q(occurrence__gte=1), name="banktransaction_occurrence_pos"
            ),
        ]
        # Few indexes: a 100,000-entry statement import maintains each of them per row.
        indexes = [
            models.Index(fields=["agency", "booking_date"], name="banktx_agency_date"),
        ]

    def __str__(self) -> str:
        sign = "+" if self.credit_debit == CreditDebit.CREDIT else "-"
        return f"{self.booking_date} {sign}{self.amount} {self.currency}"

    @property
    def open_amount(self) -> Decimal:
        return self.amount - self.allocated_amount


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class ReconciliationRun(TenantModel):
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    current_pass = models.CharField(_("pass"), max_length=20, blank=True)
    # Written by the worker while the run is alive; a running run whose heartbeat stopped
    # belongs to a dead worker and is resumed (payouts.reconciliation.runs).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    total = models.PositiveIntegerField(_("transactions to examine"), default=0)
    processed = models.PositiveIntegerField(_("examined"), default=0)
    matched_count = models.PositiveIntegerField(_("matched"), default=0)
    ambiguous_count = models.PositiveIntegerField(_("ambiguous"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched"), default=0)
    # {"open_statements": {"EUR": "12.00"}, "open_credits": {...}, ...}
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RunStatus.values), name="run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 100


class MatchRule(models.TextChoices):
    REFERENCE = "reference", _("Exact reference")
    AMOUNT_DATE = "amount_date", _("Amount and date")
    BATCH = "batch", _("Batched deposit")
    PARTIAL = "partial", _("Paid in parts")
    FX = "fx", _("Currency conversion")
    MANUAL = "manual", _("Manual")


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    REVERSED = "reversed", _("Reversed")


class Match(TenantModel):
    """An allocation of (part of) a bank credit to a payout statement.

    Only confirmed matches move money: they add `amount` to the transaction's and
    `statement_amount` to the statement's allocated totals, both CHECK-constrained.
    """

    # Few indexes: a run inserts a match per credit. The agency's and the statement's lookups
    # use match_agency_status and match_unique_pair (which start with them).
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    statement = models.ForeignKey(
        PayoutStatement, on_delete=models.CASCADE, related_name="matches", db_index=False
    )
    transaction = models.ForeignKey(
        BankTransaction, on_delete=models.CASCADE, related_name="matches"
    )
    run = models.ForeignKey(
        ReconciliationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    amount = models.DecimalField(_("amount allocated"), **MONEY)  # transaction currency
    statement_amount = models.DecimalField(_("amount in statement currency"), **MONEY)
    fx_rate = models.DecimalField(
        _("implied FX rate"), max_digits=18, decimal_places=8, null=True, blank=True
    )
    # The reference rate of the booking date the match was judged against (FX only).
    reference_rate = models.DecimalField(
        _("reference rate"), max_digits=18, decimal_places=8, null=True, blank=True
    )
    # Why the engine paired these two (codes of payouts.reconciliation.engine.REASONS),
    # shown as sentences beside each candidate of a review group.
    reasons = models.JSONField(_("why"), default=list, blank=True)
    difference = models.DecimalField(
        _("fee / difference"),
        **MONEY,
        default=ZERO,
        help_text=_("What the platform stated minus what arrived, in the deposit currency."),
    )
    rule = models.CharField(_("rule"), max_length=12, choices=MatchRule.choices)
    confidence = models.DecimalField(
        _("confidence"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    status = models.CharField(_("status"), max_length=10, choices=MatchStatus.choices)
    # Proposals that compete for the same money share a group (one exception in the queue).
    group = models.CharField(max_length=64, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One row per pair: a rejected pair is remembered and never proposed again.
            models.UniqueConstraint(fields=["statement", "transaction"], name="match_unique_pair"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="match_amount_positive"),
            models.CheckConstraint(
                condition=Q(statement_amount__gt=0), name="match_statement_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(confidence__gte=0, confidence__lte=1), name="match_confidence_0_1"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MatchStatus.values), name="match_status_valid"
            ),
            models.CheckConstraint(condition=Q(rule__in=MatchRule.values), name="match_rule_valid"),
        ]
        indexes = [
            models.Index(fields=["agency", "status"], name="match_agency_status"),
            # For a user's deletion (SET NULL) only: run-made matches have no user and stay
            # out of these.
            models.Index(
                fields=["created_by"],
                condition=Q(created_by__isnull=False),
                name="match_created_by",
            ),
            models.Index(
                fields=["decided_by"],
                condition=Q(decided_by__isnull=False),
                name="match_decided_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} ↔ {self.transaction_id} ({self.rule}, {self.status})"


class CreatorPayment(TenantModel):
    """The agency's payment to the creator for one statement."""

    statement = models.ForeignKey(
        PayoutStatement, on_delete=models.CASCADE, related_name="creator_payments"
    )
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=80)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment to creator")
        verbose_name_plural = _("payments to creators")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="creatorpayment_amount_pos"),
        ]


class ReferenceRate(models.Model):
    """A published euro reference rate (the ECB's): `rate` units of `currency` per euro on
    `date`. Shared by every agency: public data, not tenant data."""

    date = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3)
    rate = models.DecimalField(_("units per euro"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=20, default="ECB")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reference rate")
        verbose_name_plural = _("reference rates")
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="referencerate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="referencerate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} EUR/{self.currency} {self.rate}"


class FxRate(TenantModel):
    """A rate the agency entered by hand: one `base` in `quote` on `date` (wins over the
    reference rate of that day)."""

    agency = _agency_covered()
    date = models.DateField(_("date"))
    base = models.CharField(_("from currency"), max_length=3, choices=CURRENCY_CHOICES)
    quote = models.CharField(_("to currency"), max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("FX rate")
        verbose_name_plural = _("FX rates")
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "date", "base", "quote"], name="fxrate_unique_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fxrate_positive"),
            models.CheckConstraint(condition=~Q(base=F("quote")), name="fxrate_two_currencies"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.base}/{self.quote} {self.rate}"


class IssueKind(models.TextChoices):
    UNLINKED_RETURN = "unlinked_return", _("Return not tied to a deposit")
    MISSING_RATE = "missing_rate", _("Exchange rate missing")


class ReconciliationIssue(TenantModel):
    """Something reconciliation could not decide that is not a choice between candidates:
    a bank return it cannot tie to one credit, or a deposit that needs an exchange rate
    nobody has entered. Shown in the exceptions queue until resolved."""

    kind = models.CharField(_("kind"), max_length=20, choices=IssueKind.choices)
    transaction = models.ForeignKey(
        BankTransaction, on_delete=models.CASCADE, related_name="issues"
    )
    statement = models.ForeignKey(
        PayoutStatement, on_delete=models.CASCADE, null=True, blank=True, related_name="issues"
    )
    # For a missing rate: which one to add (one `base` in `quote` on `rate_date`).
    base = models.CharField(max_length=3, blank=True)
    quote = models.CharField(max_length=3, blank=True)
    rate_date = models.DateField(null=True, blank=True)
    run = models.ForeignKey(
        ReconciliationRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reconciliation issue")
        verbose_name_plural = _("reconciliation issues")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=IssueKind.values), name="reconissue_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["transaction", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="reconissue_one_open_per_kind",
            ),
        ]
        indexes = [
            models.Index(
                fields=["agency", "created_at"],
                condition=Q(resolved_at__isnull=True),
                name="reconissue_open",
            ),
        ]

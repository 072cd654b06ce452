"""Campaign bonus pools, per-asset bonus rules on KPI thresholds, and the awards they made.

Invariants held by the database, not only by code: a pool is never awarded beyond its
amount (`awarded_amount` is a denormalised sum with a CHECK, changed only under the pool's
row lock), a rule awards a deliverable at most once (unique rule + deliverable), thresholds
and amounts are positive.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES, Agency, TenantModel
from campaigns.models import DeliverableKind

MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


class Kpi(models.TextChoices):
    VIEWS = "views", _("Views")
    AVG_WATCH_SECONDS = "avg_watch_seconds", _("Average watch time (seconds)")
    WATCH_HOURS = "watch_hours", _("Total watch time (hours)")
    COMPLETION = "completion_100", _("Watched to the end (%)")
    CONVERSIONS = "conversions", _("Conversions")


class BonusPool(TenantModel):
    """Money a sponsor sets aside for bonuses on one campaign, for the assets posted in a
    period."""

    # No index of its own: bonuspool_agency_campaign starts with the agency.
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        related_name="bonus_pools",
    )
    name = models.CharField(_("name"), max_length=120)
    amount = models.DecimalField(_("amount"), **MONEY, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    period_start = models.DateField(_("assets posted from"))
    period_end = models.DateField(_("assets posted until"))
    awarded_amount = models.DecimalField(_("awarded"), **MONEY, default=ZERO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bonus pool")
        verbose_name_plural = _("bonus pools")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="bonuspool_amount_pos"),
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="bonuspool_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(awarded_amount__gte=0) & Q(awarded_amount__lte=F("amount")),
                name="bonuspool_not_overspent",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "campaign"], name="bonuspool_agency_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.amount} {self.currency})"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.awarded_amount


class BonusRule(TenantModel):
    """A per-asset bonus: `amount` when the asset's KPI reaches `threshold` within
    `window_days` of being posted."""

    pool = models.ForeignKey(
        BonusPool, verbose_name=_("pool"), on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(_("name"), max_length=120)
    kpi = models.CharField(_("KPI"), max_length=20, choices=Kpi.choices)
    threshold = models.DecimalField(
        _("threshold"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(_("bonus"), **MONEY, validators=[MinValueValidator(0)])
    window_days = models.PositiveSmallIntegerField(
        _("window (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("The KPI counts what happened within this many days of posting."),
    )
    deliverable_kind = models.CharField(
        _("asset kind"),
        max_length=10,
        choices=DeliverableKind.choices,
        blank=True,
        help_text=_("Blank: every kind of asset."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bonus rule")
        verbose_name_plural = _("bonus rules")
        ordering = ["pool", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gt=0), name="bonusrule_threshold_pos"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bonusrule_amount_pos"),
            models.CheckConstraint(
                condition=Q(window_days__gte=1, window_days__lte=90),
                name="bonusrule_window_1_90",
            ),
            models.CheckConstraint(condition=Q(kpi__in=Kpi.values), name="bonusrule_kpi_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class BonusAward(TenantModel):
    """A bonus a rule awarded one deliverable, and the expected payout statement it became."""

    # No index of its own: bonusaward_agency_time starts with the agency.
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    rule = models.ForeignKey(
        BonusRule, verbose_name=_("rule"), on_delete=models.PROTECT, related_name="awards"
    )
    pool = models.ForeignKey(
        BonusPool, verbose_name=_("pool"), on_delete=models.PROTECT, related_name="awards"
    )
    deliverable = models.ForeignKey(
        "campaigns.Deliverable",
        verbose_name=_("asset"),
        on_delete=models.PROTECT,
        related_name="bonus_awards",
    )
    creator = models.ForeignKey(
        "creators.Creator",
        verbose_name=_("creator"),
        on_delete=models.PROTECT,
        related_name="bonus_awards",
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    # True when the pool's remainder was less than the rule's bonus.
    capped = models.BooleanField(_("capped by the pool"), default=False)
    kpi = models.CharField(_("KPI"), max_length=20, choices=Kpi.choices)
    kpi_value = models.DecimalField(_("KPI value"), max_digits=16, decimal_places=2)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=2)
    measured_at = models.DateTimeField(_("measured at"))
    statement = models.OneToOneField(
        "payouts.PayoutStatement",
        verbose_name=_("payout statement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bonus_award",
    )
    # When the thank-top-commenters replies were scheduled for the asset (once per asset).
    thanked_at = models.DateTimeField(_("commenters thanked"), null=True, blank=True)
    created_at = models.DateTimeField(_("awarded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bonus award")
        verbose_name_plural = _("bonus awards")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "deliverable"], name="bonusaward_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bonusaward_amount_pos"),
        ]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="bonusaward_agency_time"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.deliverable_id}: {self.amount} {self.currency}"

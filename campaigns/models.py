"""Sponsors, contracts, campaigns, deliverables, disclosure checklists, KPIs and experiments.

Invariants that must never break are database constraints; rules that need other rows
(exclusivity conflicts, lifecycle transitions, who may approve) live in the services.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from agencies.models import CURRENCY_CHOICES, TenantModel
from creators.models import Creator, Platform

# A Creativity Program reward needs a video longer than one minute.
CREATIVITY_MIN_SECONDS = 60
CONTRACT_PDF_MAX_BYTES = 10 * 1024 * 1024

CAMPAIGN_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{1,39}$",
    _("Use 2 to 40 capital letters, digits, hyphens or underscores, e.g. SPRING-24."),
)


def _non_negative(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"{prefix}_{name}_gte_0")
        for name in fields
    ]


class Sponsor(TenantModel):
    brand = models.CharField(_("brand"), max_length=120)
    category = models.CharField(
        _("category"),
        max_length=60,
        help_text=_("The product category exclusivity is agreed on, e.g. energy drinks."),
    )
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sponsor")
        verbose_name_plural = _("sponsors")
        ordering = ["brand", "id"]
        constraints = [
            models.UniqueConstraint(Lower("brand"), "agency", name="sponsor_unique_brand"),
        ]

    def __str__(self) -> str:
        return self.brand


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    SIGNED = "signed", _("Signed")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class PaymentTerms(models.TextChoices):
    ON_SIGNATURE = "on_signature", _("On signature")
    NET_15 = "net_15", _("15 days after invoice")
    NET_30 = "net_30", _("30 days after invoice")
    NET_60 = "net_60", _("60 days after invoice")
    ON_DELIVERY = "on_delivery", _("On delivery")
    MILESTONES = "milestones", _("In milestones")


class UsageChannel(models.TextChoices):
    ORGANIC_SOCIAL = "organic_social", _("Sponsor's organic social")
    PAID_SOCIAL = "paid_social", _("Paid social ads")
    WEBSITE = "website", _("Website")
    EMAIL = "email", _("E-mail")
    OUT_OF_HOME = "ooh", _("Out of home")
    TV = "tv", _("TV")


class Contract(TenantModel):
    sponsor = models.ForeignKey(
        Sponsor, verbose_name=_("sponsor"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=160)
    creators = models.ManyToManyField(Creator, verbose_name=_("creators"), related_name="contracts")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Receives the renewal and expiry reminders."),
    )
    fee = models.DecimalField(
        _("fee"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    payment_terms = models.CharField(
        _("payment terms"), max_length=20, choices=PaymentTerms.choices, default=PaymentTerms.NET_30
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    # Exclusivity: no other contract of the same creator in the same category, territory and
    # (inclusive) window. Empty category = no exclusivity.
    exclusivity_category = models.CharField(_("exclusivity category"), max_length=60, blank=True)
    exclusivity_worldwide = models.BooleanField(_("exclusive worldwide"), default=False)
    exclusivity_territory = CountryField(
        _("exclusivity territory"), multiple=True, blank=True, max_length=800
    )
    exclusivity_start = models.DateField(_("exclusivity from"), null=True, blank=True)
    exclusivity_end = models.DateField(_("exclusivity until"), null=True, blank=True)
    usage_channels = models.JSONField(_("usage rights channels"), default=list, blank=True)
    usage_rights_until = models.DateField(_("usage rights until"), null=True, blank=True)
    paid_ads_allowed = models.BooleanField(_("content may be used in paid ads"), default=False)
    attribution_requirements = models.TextField(_("attribution requirements"), blank=True)
    indemnification = models.TextField(_("indemnification for policy violations"), blank=True)
    platform_rewards_allowed = models.BooleanField(
        _("platform reward programs allowed"),
        default=True,
        help_text=_("Whether sponsored posts may also earn Creator Fund / Creativity rewards."),
    )
    # The agency's commission on payouts earned under this contract; NULL falls back to the
    # creator's rate, then the agency default (payouts/commission.py).
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("Blank: the creator's rate."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        db_index=True,
    )
    signed_pdf = models.FileField(_("signed PDF"), upload_to="contracts/", blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    override_reason = models.TextField(_("exclusivity override reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values), name="contract_status_valid"
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="contract_fee_gte_0"),
            models.CheckConstraint(
                condition=Q(commission_rate__isnull=True)
                | Q(commission_rate__gte=0, commission_rate__lte=1),
                name="contract_commission_0_1",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_dates_ordered"
            ),
            # An exclusivity clause has both window ends, ordered; none without a category.
            models.CheckConstraint(
                condition=(
                    Q(exclusivity_category="", exclusivity_start__isnull=True)
                    & Q(exclusivity_end__isnull=True)
                )
                | (
                    ~Q(exclusivity_category="")
                    & Q(exclusivity_start__isnull=False, exclusivity_end__isnull=False)
                    & Q(exclusivity_end__gte=F("exclusivity_start"))
                ),
                name="contract_exclusivity_complete",
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True)
                | Q(status__in=["signed", "active", "completed", "terminated"]),
                name="contract_signed_at_status",
            ),
        ]
        indexes = [models.Index(fields=["agency", "status"], name="contract_agency_status")]

    def __str__(self) -> str:
        return f"{self.title} ({self.sponsor})"

    @property
    def commission_percent(self) -> Decimal | None:
        return None if self.commission_rate is None else self.commission_rate * 100

    @property
    def has_exclusivity(self) -> bool:
        return bool(self.exclusivity_category)

    @property
    def territory_codes(self) -> set[str]:
        return {c.code for c in self.exclusivity_territory}

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The contract must end on or after its start date.")
        if self.exclusivity_category:
            self.exclusivity_category = self.exclusivity_category.strip()
            if not self.exclusivity_start:
                errors["exclusivity_start"] = _("An exclusivity clause needs a start date.")
            if not self.exclusivity_end:
                errors["exclusivity_end"] = _("An exclusivity clause needs an end date.")
            elif self.exclusivity_start and self.exclusivity_end < self.exclusivity_start:
                errors["exclusivity_end"] = _("Exclusivity must end on or after it starts.")
            if not self.exclusivity_worldwide and not self.exclusivity_territory:
                errors["exclusivity_territory"] = _(
                    "Choose the countries of the exclusivity, or mark it worldwide."
                )
        elif self.exclusivity_start or self.exclusivity_end or self.exclusivity_territory:
            errors["exclusivity_category"] = _(
                "Name the exclusivity category, or clear the exclusivity dates and territory."
            )
        bad_channels = set(self.usage_channels or []) - set(UsageChannel.values)
        if not isinstance(self.usage_channels, list) or bad_channels:
            errors["usage_channels"] = _("Unknown usage rights channel.")
        if errors:
            raise ValidationError(errors)


class ContractReminder(TenantModel):
    """One e-mail per contract, kind and threshold: the reminder task's idempotency key."""

    class Kind(models.TextChoices):
        CONTRACT_END = "contract_end", _("Contract ends")
        USAGE_RIGHTS_END = "usage_rights_end", _("Usage rights expire")
        EXCLUSIVITY_END = "exclusivity_end", _("Exclusivity ends")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    days_before = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipient = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind", "days_before", "due_date"],
                name="contractreminder_once",
            ),
        ]


class AttributionWindow(models.IntegerChoices):
    DAYS_7 = 7, _("7 days")
    DAYS_14 = 14, _("14 days")
    DAYS_30 = 30, _("30 days")


class Campaign(TenantModel):
    sponsor = models.ForeignKey(
        Sponsor, verbose_name=_("sponsor"), on_delete=models.PROTECT, related_name="campaigns"
    )
    contract = models.ForeignKey(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
    )
    name = models.CharField(_("name"), max_length=160)
    code = models.CharField(
        _("code"),
        max_length=40,
        validators=[CAMPAIGN_CODE_VALIDATOR],
        help_text=_("The tag payout lines and reports use, e.g. SPRING-24."),
    )
    brief = models.TextField(_("brief"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    budget = models.DecimalField(
        _("budget"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    attribution_window_days = models.PositiveSmallIntegerField(
        _("attribution window"), choices=AttributionWindow.choices, default=AttributionWindow.DAYS_7
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="campaign_unique_code"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="campaign_dates_ordered"
            ),
            models.CheckConstraint(condition=Q(budget__gte=0), name="campaign_budget_gte_0"),
            models.CheckConstraint(
                condition=Q(attribution_window_days__in=AttributionWindow.values),
                name="campaign_attribution_window_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        if self.code:
            self.code = self.code.strip().upper()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The campaign must end on or after it starts.")})
        if self.contract_id and self.sponsor_id and self.contract.sponsor_id != self.sponsor_id:
            raise ValidationError({"contract": _("The contract belongs to another sponsor.")})


class Checklist(TenantModel):
    """The disclosure checklist of a campaign: what every caption must contain, who approves."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="checklist")
    disclosure_text = models.CharField(
        _("disclosure text"), max_length=120, default="Paid partnership"
    )
    required_hashtags = models.JSONField(_("required hashtags"), default=list, blank=True)
    required_mentions = models.JSONField(_("required mentions"), default=list, blank=True)
    draft_due_date = models.DateField(_("drafts due"), null=True, blank=True)
    publish_by_date = models.DateField(_("publish by"), null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("designated approver"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("disclosure checklist")
        verbose_name_plural = _("disclosure checklists")

    def __str__(self) -> str:
        return f"{self.campaign.code} checklist"


class DeliverableKind(models.TextChoices):
    VIDEO = "video", _("Video")
    STORY = "story", _("Story")
    POST = "post", _("Post")
    LIVE = "live", _("Live stream")


class DeliverableStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SUBMITTED = "submitted", _("Draft submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    POSTED = "posted", _("Posted")


class Experiment(TenantModel):
    class Metric(models.TextChoices):
        ENGAGEMENT = "engagement", _("Engagements per view")
        CONVERSION = "conversion", _("Conversions per view")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="experiments")
    name = models.CharField(_("name"), max_length=120)
    hypothesis = models.TextField(_("hypothesis"), blank=True)
    metric = models.CharField(
        _("success metric"), max_length=16, choices=Metric.choices, default=Metric.ENGAGEMENT
    )
    variant_a_label = models.CharField(_("variant A"), max_length=80, default="A")
    variant_b_label = models.CharField(_("variant B"), max_length=80, default="B")
    holdout_percent = models.PositiveSmallIntegerField(
        _("holdout (%)"),
        default=0,
        help_text=_("0 for none, or 10 to 20% of the audience kept out as a baseline."),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(holdout_percent=0)
                | Q(holdout_percent__gte=10, holdout_percent__lte=20),
                name="experiment_holdout_range",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="experiment_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.holdout_percent and not 10 <= self.holdout_percent <= 20:
            raise ValidationError({"holdout_percent": _("A holdout is 0, or 10 to 20 percent.")})
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The experiment must end after it starts.")})


class Variant(models.TextChoices):
    A = "a", "A"
    B = "b", "B"
    # Posts without the tested creative, seen by the experiment's holdout: the baseline the
    # uplift is measured against (only for experiments with a holdout percentage).
    HOLDOUT = "h", _("Holdout")


class Deliverable(TenantModel):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="deliverables"
    )
    creator = models.ForeignKey(
        Creator, verbose_name=_("creator"), on_delete=models.PROTECT, related_name="deliverables"
    )
    kind = models.CharField(
        _("type"), max_length=16, choices=DeliverableKind.choices, default=DeliverableKind.VIDEO
    )
    platform = models.CharField(
        _("platform"), max_length=16, choices=Platform.choices, default=Platform.TIKTOK
    )
    due_date = models.DateField(_("due date"))
    fee = models.DecimalField(
        _("fee"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("What this deliverable costs, in the campaign's currency."),
    )
    caption = models.TextField(_("caption"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliverableStatus.choices,
        default=DeliverableStatus.PLANNED,
    )
    post_url = models.URLField(_("post URL"), blank=True)
    post_id = models.CharField(_("post id"), max_length=64, blank=True)
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    video_duration_seconds = models.PositiveIntegerField(
        _("video duration (seconds)"), null=True, blank=True, validators=[MaxValueValidator(86400)]
    )
    experiment = models.ForeignKey(
        Experiment,
        verbose_name=_("experiment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliverables",
    )
    variant = models.CharField(_("variant"), max_length=1, choices=Variant.choices, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliverableStatus.values), name="deliverable_status_valid"
            ),
            # A posted deliverable always knows when and where it went live.
            models.CheckConstraint(
                condition=~Q(status="posted") | (Q(posted_at__isnull=False) & ~Q(post_url="")),
                name="deliverable_posted_has_link",
            ),
            models.CheckConstraint(
                condition=(Q(experiment__isnull=True) & Q(variant=""))
                | (Q(experiment__isnull=False) & Q(variant__in=Variant.values)),
                name="deliverable_variant_with_experiment",
            ),
            models.UniqueConstraint(
                fields=["agency", "platform", "post_id"],
                condition=~Q(post_id=""),
                name="deliverable_unique_post",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="deliverable_fee_gte_0"),
        ]
        indexes = [
            models.Index(fields=["campaign", "creator"], name="deliverable_campaign_creator"),
            models.Index(fields=["campaign", "posted_at"], name="deliverable_campaign_posted"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} · {self.get_kind_display()} · {self.creator}"

    @property
    def earns_creativity_rewards(self) -> bool | None:
        """False for a video of 60 s or less (Creativity Program pays only above one minute)."""
        if self.video_duration_seconds is None:
            return None
        return self.video_duration_seconds > CREATIVITY_MIN_SECONDS

    def is_overdue(self, today: date) -> bool:
        """Not posted by its due date; `today` is the agency's local date."""
        return self.status != DeliverableStatus.POSTED and self.due_date < today

    def clean(self) -> None:
        if self.experiment_id and self.experiment.campaign_id != self.campaign_id:
            raise ValidationError({"experiment": _("The experiment is of another campaign.")})
        if self.experiment_id and not self.variant:
            raise ValidationError({"variant": _("Choose variant A or B for the experiment.")})
        if (
            self.experiment_id
            and self.variant == Variant.HOLDOUT
            and not self.experiment.holdout_percent
        ):
            raise ValidationError(
                {"variant": _("This experiment has no holdout; choose variant A or B.")}
            )
        if not self.experiment_id:
            self.variant = ""


class DeliverableReview(TenantModel):
    """One decision on a deliverable's draft (history next to the audit log)."""

    class Decision(models.TextChoices):
        SUBMITTED = "submitted", _("Draft submitted")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        POSTED = "posted", _("Posted")

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True)
    caption = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class MetricSnapshot(TenantModel):
    """Cumulative metrics of one deliverable at one moment (the latest one counts)."""

    class Source(models.TextChoices):
        CSV = "csv", _("CSV import")
        API = "api", _("API")

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="snapshots")
    captured_at = models.DateTimeField(_("captured at"))
    views = models.PositiveBigIntegerField(_("views"), default=0)
    likes = models.PositiveBigIntegerField(_("likes"), default=0)
    comments = models.PositiveBigIntegerField(_("comments"), default=0)
    shares = models.PositiveBigIntegerField(_("shares"), default=0)
    saves = models.PositiveBigIntegerField(_("saves"), default=0)
    avg_watch_seconds = models.DecimalField(
        _("average watch time (s)"), max_digits=8, decimal_places=2, default=0
    )
    completion_25 = models.DecimalField(
        _("completion 25%"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completion_50 = models.DecimalField(
        _("completion 50%"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completion_75 = models.DecimalField(
        _("completion 75%"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    completion_100 = models.DecimalField(
        _("completion 100%"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    unique_reach = models.PositiveBigIntegerField(_("unique reach"), default=0)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.API)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")
        ordering = ["-captured_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["deliverable", "captured_at"], name="metricsnapshot_unique_time"
            ),
            *_non_negative("avg_watch_seconds", prefix="metricsnapshot"),
            # Completion is a funnel: percentages between 0 and 100, never rising.
            models.CheckConstraint(
                condition=Q(completion_25__lte=100)
                & Q(completion_25__gte=F("completion_50"))
                & Q(completion_50__gte=F("completion_75"))
                & Q(completion_75__gte=F("completion_100"))
                & Q(completion_100__gte=0),
                name="metricsnapshot_completion_funnel",
            ),
        ]
        indexes = [
            # The dashboard's "latest snapshot per deliverable" is one index seek each.
            models.Index(
                fields=["deliverable", "-captured_at", "-id"], name="metricsnapshot_latest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deliverable_id} @ {self.captured_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        values = [self.completion_25, self.completion_50, self.completion_75, self.completion_100]
        if all(v is not None for v in values) and values != sorted(values, reverse=True):
            raise ValidationError(
                {"completion_50": _("Completion cannot rise further into the video.")}
            )


class ConversionKind(models.TextChoices):
    LEAD = "lead", _("Lead")
    CLICK = "click", _("Link click")
    SIGNUP = "signup", _("Sign-up")
    PURCHASE = "purchase", _("Purchase")


class ConversionSource(models.TextChoices):
    """Where a conversion was recorded: a tracker (API, CSV, form) or a DM conversation
    whose contact gave an e-mail address with consent (the leads app)."""

    TRACKER = "tracker", _("Tracker")
    CONVERSATION = "conversation", _("Conversation")


class ConversionEvent(TenantModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="conversions")
    kind = models.CharField(_("type"), max_length=16, choices=ConversionKind.choices)
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=ConversionSource.choices,
        default=ConversionSource.TRACKER,
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    external_id = models.CharField(
        _("external id"), max_length=80, blank=True, help_text=_("Your tracker's event id.")
    )
    # Restricts attribution to this creator's deliverables when the tracker knows them.
    creator = models.ForeignKey(
        Creator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deliverable = models.ForeignKey(
        Deliverable,
        verbose_name=_("attributed to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversions",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conversion event")
        verbose_name_plural = _("conversion events")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "external_id"],
                condition=~Q(external_id=""),
                name="conversion_unique_external_id",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="conversion_value_gte_0"),
            models.CheckConstraint(
                condition=Q(kind__in=ConversionKind.values), name="conversion_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=ConversionSource.values), name="conversion_source_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "occurred_at"], name="conversion_campaign_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"


# --- sponsor reports --------------------------------------------------------------------------


class ReportLanguage(models.TextChoices):
    EN = "en", _("English")
    NL = "nl", _("Dutch")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SponsorReport(TenantModel):
    """A branded PDF for the sponsor: one campaign, one period, one language. Rendered by
    `reports.tasks.sponsor_report_render`, never inside a web request."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sponsor_reports")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    language = models.CharField(
        _("language"), max_length=2, choices=ReportLanguage.choices, default=ReportLanguage.EN
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress"), default=0, validators=[MaxValueValidator(100)]
    )
    file = models.FileField(_("file"), upload_to="sponsor-reports/", blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sponsor report")
        verbose_name_plural = _("sponsor reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__lte=F("period_end")), name="sponsor_report_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="sponsor_report_progress_lte_100"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReportStatus.values), name="sponsor_report_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=ReportLanguage.values),
                name="sponsor_report_language_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RENDERING)


class ReportShareLink(TenantModel):
    """A no-login link for the sponsor: signed (the token is `signing.dumps` of the id),
    expiring (`expires_at`) and revocable (`revoked_at`)."""

    report = models.ForeignKey(SponsorReport, on_delete=models.CASCADE, related_name="share_links")
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("report share link")
        verbose_name_plural = _("report share links")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"share link {self.pk} of report {self.report_id}"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at


class ReportDownload(TenantModel):
    """Every download of a report file, by staff (user) or through a share link."""

    report = models.ForeignKey(SponsorReport, on_delete=models.CASCADE, related_name="downloads")
    share_link = models.ForeignKey(
        ReportShareLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)
    downloaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-downloaded_at", "-id"]

    def __str__(self) -> str:
        return f"download of report {self.report_id}"

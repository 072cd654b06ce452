from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from agencies.models import CURRENCY_CHOICES, Agency, TenantModel


def _agency_covered() -> models.ForeignKey:
    """The tenant key without an index of its own, for tables whose composite indexes or
    unique constraints start with agency_id: they serve the agency's queries, the
    row-level-security filter and the cascade from the agency (tests/test_indexes.py)."""
    return models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)


class AccountType(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    CREATOR = "creator", _("Creator")
    BUSINESS = "business", _("Business")


class CreatorStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    OFFBOARDED = "offboarded", _("Offboarded")


class Platform(models.TextChoices):
    TIKTOK = "tiktok", "TikTok"
    INSTAGRAM = "instagram", "Instagram"
    YOUTUBE = "youtube", "YouTube"
    X = "x", "X"
    TWITCH = "twitch", "Twitch"


class NicheTag(TenantModel):
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("niche")
        verbose_name_plural = _("niches")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "agency", name="nichetag_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Creator(TenantModel):
    agency = _agency_covered()
    display_name = models.CharField(_("display name"), max_length=120)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"))
    country = CountryField(_("country"), blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    account_type = models.CharField(
        _("account type"),
        max_length=16,
        choices=AccountType.choices,
        default=AccountType.CREATOR,
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CreatorStatus.choices,
        default=CreatorStatus.ACTIVE,
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_creators",
    )
    niches = models.ManyToManyField(
        NicheTag, verbose_name=_("niches"), blank=True, related_name="creators"
    )
    notes = models.TextField(_("notes"), blank=True)
    # The creator's own login, for the creator portal.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="creator_profiles",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    offboarded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("creator")
        verbose_name_plural = _("creators")
        ordering = ["display_name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "agency", name="creator_unique_email"),
            models.UniqueConstraint(
                fields=["agency", "user"],
                condition=models.Q(user__isnull=False),
                name="creator_unique_login",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CreatorStatus.values), name="creator_status_valid"
            ),
        ]
        indexes = [
            # Lists of creators by name elsewhere (payouts, campaigns, Meta.ordering).
            models.Index(fields=["agency", "display_name"], name="creator_agency_name"),
            # The roster's default order (selectors.roster): its first page without a sort.
            models.Index(
                models.F("agency"),
                Lower("display_name"),
                models.F("id"),
                name="creator_agency_lname",
            ),
            # The roster's status filter and per-status counts.
            models.Index(fields=["agency", "status"], name="creator_agency_status"),
        ]

    def __str__(self) -> str:
        return self.display_name


class SocialAccount(TenantModel):
    agency = _agency_covered()
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="social_accounts")
    platform = models.CharField(
        _("platform"), max_length=16, choices=Platform.choices, default=Platform.TIKTOK
    )
    handle = models.CharField(_("handle"), max_length=100)
    profile_url = models.URLField(_("profile URL"), blank=True)
    followers = models.PositiveBigIntegerField(
        _("followers"), default=0, validators=[MaxValueValidator(10**11)]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("social account")
        verbose_name_plural = _("social accounts")
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(
                "agency", "platform", Lower("handle"), name="socialaccount_unique_handle"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle} ({self.get_platform_display()})"


# --- insights: metrics history, program eligibility, estimates and rate cards -----------------


class Program(models.TextChoices):
    """The TikTok reward programs (values match `payouts.PayoutSource`)."""

    CREATOR_FUND = "creator_fund", _("Creator Fund")
    CREATIVITY_PROGRAM = "creativity_program", _("Creativity Program")


class MetricsSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CSV = "csv", _("CSV import")
    API = "api", _("API")


class AccountSnapshot(TenantModel):
    """One day's figures of a social account, as the platform's analytics showed them."""

    agency = _agency_covered()
    social_account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("social account"),
        on_delete=models.CASCADE,
        related_name="snapshots",
    )
    date = models.DateField(_("date"))
    followers = models.PositiveBigIntegerField(
        _("followers"), validators=[MaxValueValidator(10**11)]
    )
    views_last_30_days = models.PositiveBigIntegerField(
        _("views in the last 30 days"), validators=[MaxValueValidator(10**13)]
    )
    # The country most of the audience watches from; drives the RPM when the agency's RPM
    # table distinguishes countries. Empty: the creator's own country is used.
    audience_country = CountryField(_("top audience country"), blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=MetricsSource.choices, default=MetricsSource.MANUAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("account snapshot")
        verbose_name_plural = _("account snapshots")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "social_account", "date"], name="accountsnapshot_unique_day"
            ),
        ]
        indexes = [
            models.Index(fields=["social_account", "-date"], name="accountsnapshot_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.social_account} {self.date:%Y-%m-%d}"


class Video(TenantModel):
    """A posted video with its latest known figures (each import or entry overwrites them)."""

    agency = _agency_covered()
    social_account = models.ForeignKey(
        SocialAccount,
        verbose_name=_("social account"),
        on_delete=models.CASCADE,
        related_name="videos",
    )
    platform_video_id = models.CharField(_("video id"), max_length=64)
    title = models.CharField(_("title"), max_length=200, blank=True)
    posted_at = models.DateTimeField(_("posted"))
    duration_seconds = models.PositiveIntegerField(
        _("duration (seconds)"), validators=[MaxValueValidator(24 * 60 * 60)]
    )
    views = models.PositiveBigIntegerField(_("views"), validators=[MaxValueValidator(10**13)])
    qualified_views = models.PositiveBigIntegerField(
        _("qualified views"), default=0, validators=[MaxValueValidator(10**13)]
    )
    average_watch_seconds = models.DecimalField(
        _("average watch time (seconds)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    source = models.CharField(
        _("source"), max_length=8, choices=MetricsSource.choices, default=MetricsSource.MANUAL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "social_account", "platform_video_id"],
                name="video_unique_platform_id",
            ),
            models.CheckConstraint(
                condition=models.Q(qualified_views__lte=models.F("views")),
                name="video_qualified_within_views",
            ),
        ]
        indexes = [
            models.Index(fields=["social_account", "-posted_at"], name="video_latest"),
        ]

    def __str__(self) -> str:
        return self.title or self.platform_video_id


class PolicyStrike(TenantModel):
    """A platform policy strike. An unresolved strike puts the account out of good standing."""

    creator = models.ForeignKey(
        Creator, verbose_name=_("creator"), on_delete=models.CASCADE, related_name="policy_strikes"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("policy strike")
        verbose_name_plural = _("policy strikes")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_on__isnull=True)
                | models.Q(resolved_on__gte=models.F("date")),
                name="policystrike_resolved_after_date",
            ),
        ]
        indexes = [
            models.Index(fields=["creator", "resolved_on"], name="policystrike_open"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"

    @property
    def resolved(self) -> bool:
        return self.resolved_on is not None


RPM = {"max_digits": 8, "decimal_places": 4}


class RpmRate(TenantModel):
    """The agency's RPM (earnings per 1,000 views, in US dollars) for a program, optionally
    narrowed to an audience country and/or a niche. The most specific row wins."""

    program = models.CharField(_("program"), max_length=24, choices=Program.choices)
    country = CountryField(_("audience country"), blank=True, help_text=_("Empty: any country."))
    niche = models.ForeignKey(
        NicheTag,
        verbose_name=_("niche"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: any niche."),
    )
    rpm_low = models.DecimalField(_("RPM low"), **RPM, validators=[MinValueValidator(0)])
    rpm_high = models.DecimalField(_("RPM high"), **RPM, validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("RPM rate")
        verbose_name_plural = _("RPM rates")
        ordering = ["program", "country", "niche__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "program", "country", "niche"],
                condition=models.Q(niche__isnull=False),
                name="rpmrate_unique_niche",
            ),
            models.UniqueConstraint(
                fields=["agency", "program", "country"],
                condition=models.Q(niche__isnull=True),
                name="rpmrate_unique_any_niche",
            ),
            models.CheckConstraint(
                condition=models.Q(rpm_low__gte=0, rpm_low__lte=models.F("rpm_high")),
                name="rpmrate_low_le_high",
            ),
            models.CheckConstraint(
                condition=models.Q(program__in=Program.values), name="rpmrate_program_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()} {self.country or '*'} {self.niche or '*'}"


class InsightSettings(TenantModel):
    """Per-agency knobs of the estimates (one row per agency, created on first save)."""

    agency = _agency_covered()
    q4_uplift = models.DecimalField(
        _("Q4 uplift"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.25"),
        validators=[MinValueValidator(Decimal("1.00")), MaxValueValidator(Decimal("3.00"))],
        help_text=_(
            "Multiplier on the RPM for October to December (advertisers spend most then). "
            "1.00 means no uplift."
        ),
    )
    # Program applications: days after a rejection before the creator may apply again.
    reapply_wait_days = models.PositiveSmallIntegerField(
        _("wait before re-applying (days)"),
        default=30,
        validators=[MinValueValidator(14), MaxValueValidator(30)],
        help_text=_("After a rejection TikTok asks creators to wait 14 to 30 days."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("insight settings")
        verbose_name_plural = _("insight settings")
        constraints = [
            models.UniqueConstraint(fields=["agency"], name="insightsettings_one_per_agency"),
            models.CheckConstraint(
                condition=models.Q(q4_uplift__gte=Decimal("1.00"), q4_uplift__lte=Decimal("3.00")),
                name="insightsettings_uplift_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}: Q4 x{self.q4_uplift}"


class Tier(models.TextChoices):
    MICRO = "micro", _("Micro")
    MID = "mid", _("Mid")
    MACRO = "macro", _("Macro")
    MEGA = "mega", _("Mega")


class RateCardTier(TenantModel):
    """A brand-deal tier: from `min_followers` up to the next tier's minimum, a per-post fee
    range. `fee_max` empty means open-ended (mega: "$2,500+")."""

    agency = _agency_covered()
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    min_followers = models.PositiveBigIntegerField(
        _("from followers"), validators=[MaxValueValidator(10**11)]
    )
    fee_min = models.DecimalField(
        _("fee from"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    fee_max = models.DecimalField(
        _("fee up to"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="USD"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rate card tier")
        verbose_name_plural = _("rate card tiers")
        ordering = ["min_followers"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "tier"], name="ratecardtier_unique_tier"),
            models.CheckConstraint(
                condition=models.Q(fee_max__isnull=True)
                | models.Q(fee_max__gte=models.F("fee_min")),
                name="ratecardtier_fee_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__in=Tier.values), name="ratecardtier_tier_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_tier_display()


class EligibilityStatus(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    CLOSE = "close", _("Close to eligible")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible")


class EligibilityState(TenantModel):
    """The last evaluated eligibility of a creator for a program, so the scheduled scan can
    tell when a creator crosses a threshold (and mail the account manager once)."""

    agency = _agency_covered()
    creator = models.ForeignKey(
        Creator, on_delete=models.CASCADE, related_name="eligibility_states"
    )
    program = models.CharField(_("program"), max_length=24, choices=Program.choices)
    status = models.CharField(_("status"), max_length=16, choices=EligibilityStatus.choices)
    # Keys of the rules that failed (see creators/insights/eligibility.py).
    failing_rules = models.JSONField(default=list, blank=True)
    evaluated_on = models.DateField(_("evaluated on"))
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("eligibility state")
        verbose_name_plural = _("eligibility states")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "creator", "program"], name="eligibilitystate_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=EligibilityStatus.values),
                name="eligibilitystate_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.creator_id} {self.program}: {self.status}"


# --- program applications ---------------------------------------------------------------------


class ApplicationOutcome(models.TextChoices):
    WAITING = "waiting", _("Waiting for review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ProgramApplication(TenantModel):
    """A creator's application to a reward program: the documents sent, the review window,
    the outcome and, after a rejection, the earliest day they may apply again."""

    creator = models.ForeignKey(
        Creator,
        verbose_name=_("creator"),
        on_delete=models.CASCADE,
        related_name="program_applications",
    )
    program = models.CharField(_("program"), max_length=24, choices=Program.choices)
    submitted_on = models.DateField(_("submitted on"))
    # The documents checklist.
    has_id_document = models.BooleanField(_("ID document sent"), default=False)
    has_tax_information = models.BooleanField(_("tax information sent"), default=False)
    sample_posts = models.TextField(
        _("sample posts"), blank=True, help_text=_("Links to 2 or 3 sample posts, one per line.")
    )
    # Personal data, like the legal name it is compared with (owners and account managers).
    id_name = models.CharField(_("name on the ID"), max_length=200, blank=True)
    review_weeks = models.PositiveSmallIntegerField(
        _("review window (weeks)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=10,
        choices=ApplicationOutcome.choices,
        default=ApplicationOutcome.WAITING,
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    reapply_on = models.DateField(_("may re-apply from"), null=True, blank=True)
    # When the "may re-apply" reminder went out (once per rejection).
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program application")
        verbose_name_plural = _("program applications")
        ordering = ["-submitted_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "creator", "program"],
                condition=models.Q(outcome="waiting"),
                name="programapplication_one_waiting",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=ApplicationOutcome.values),
                name="programapplication_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(program__in=Program.values),
                name="programapplication_program_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(review_weeks__gte=1, review_weeks__lte=4),
                name="programapplication_review_weeks",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="rejected")
                | (
                    ~models.Q(rejection_reason="")
                    & models.Q(decided_on__isnull=False, reapply_on__isnull=False)
                ),
                name="programapplication_rejection_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_on__isnull=True)
                | models.Q(decided_on__gte=models.F("submitted_on")),
                name="programapplication_decided_after_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "outcome", "reapply_on"], name="programapp_reapply"),
            models.Index(fields=["creator", "program", "-submitted_on"], name="programapp_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.creator} · {self.get_program_display()} ({self.submitted_on:%Y-%m-%d})"

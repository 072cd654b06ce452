from __future__ import annotations

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role

CURRENCY_CHOICES = [
    ("EUR", "EUR"),
    ("USD", "USD"),
    ("GBP", "GBP"),
    ("CAD", "CAD"),
    ("AUD", "AUD"),
    ("CHF", "CHF"),
    ("SEK", "SEK"),
    ("DKK", "DKK"),
    ("NOK", "NOK"),
    ("PLN", "PLN"),
]
TIMEZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones() if "/" in tz)


def default_business_days() -> list[int]:
    return [0, 1, 2, 3, 4]


def validate_business_days(value: object) -> None:
    if (
        not isinstance(value, list)
        or not value
        or any(not isinstance(day, int) or not 0 <= day <= 6 for day in value)
    ):
        raise ValidationError(_("Business days must be a non-empty list of weekdays 0 (Mon) to 6."))


class Agency(models.Model):
    """The tenant. Every tenant-owned row points here."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="Europe/Amsterdam"
    )
    default_currency = models.CharField(
        _("default currency"), max_length=3, choices=CURRENCY_CHOICES, default="EUR"
    )
    business_days = models.JSONField(
        _("business days"), default=default_business_days, validators=[validate_business_days]
    )
    business_day_start = models.TimeField(_("business day starts"), default=time(9, 0))
    business_day_end = models.TimeField(_("business day ends"), default=time(17, 30))
    logo = models.ImageField(_("logo"), upload_to="agency-logos/", blank=True)
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#4f46e5",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a hex colour such as #4f46e5."))],
    )
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Members must set up an authenticator app before they can work here."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(business_day_start__lt=models.F("business_day_end")),
                name="agency_business_hours_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self) -> None:
        if (
            self.business_day_start
            and self.business_day_end
            and self.business_day_start >= self.business_day_end
        ):
            raise ValidationError(
                {"business_day_end": _("The business day must end after it starts.")}
            )


class TenantQuerySet(models.QuerySet):
    def for_agency(self, agency: Agency) -> TenantQuerySet:
        return self.filter(agency=agency)


class TenantModel(models.Model):
    """Base for every tenant-owned row: a non-null agency and a scoped queryset."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency} ({self.get_role_display()})"

    @property
    def is_staff_role(self) -> bool:
        return self.role != Role.CREATOR


class AuditLogQuerySet(TenantQuerySet):
    # Append-only from the application: bulk changes are refused here, single-row ones in
    # the model, and on PostgreSQL a trigger refuses UPDATE and DELETE outright.
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("The audit log is append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionError("The audit log is append-only.")


class AuditLog(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who acted when there is no user: "system", "celery:<task>", "api-token:<prefix>".
    actor_label = models.CharField(max_length=120, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "-created_at"], name="auditlog_agency_time"),
            models.Index(fields=["agency", "object_type", "object_id"], name="auditlog_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class ApiToken(models.Model):
    """A personal API token, bound to one membership; only its SHA-256 digest is stored."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    # Every token expires (tokens.TOKEN_LIFETIMES); an expired one answers 401 saying so.
    expires_at = models.DateTimeField(_("expires"))
    # Written at most once a minute per token (api_auth), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class Invitation(models.Model):
    """An e-mailed, single-use, expiring invitation to join an agency with a role."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    # Empty for an invitation the system sent (`manage.py create_agency` inviting an owner).
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # For creator invitations: the roster entry the new login is linked to.
    creator = models.ForeignKey(
        "creators.Creator", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invitation_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.agency} ({self.role})"


class StaffAccessQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("The staff access log is append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionError("The staff access log is append-only.")


class StaffAccess(models.Model):
    """One request by a signed-in user to the Django admin (agencies/admin_site.py): who
    opened or changed what, from where, or was turned away. The admin spans agencies, so this
    is a platform log, not an agency's (no agency, no row-level policy). Append-only; the
    user is kept by id and address so the record outlives the account."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CHANGE = "change", _("changed")
        DENIED = "denied", _("turned away")

    user_pk = models.BigIntegerField(_("user id"), null=True)
    user_email = models.CharField(_("user"), max_length=254)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=500)
    status_code = models.PositiveSmallIntegerField(_("status"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = StaffAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff access")
        verbose_name_plural = _("staff access log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_email} {self.method} {self.path}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The staff access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The staff access log is append-only.")

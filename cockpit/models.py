from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership, TenantModel


class DigestSubscription(TenantModel):
    """A member's weekly digest: whether they want it, in which language, and the Monday it
    was last sent (so a rerun of the week's send mails nobody twice). No row: the defaults
    (on, in English)."""

    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    weekly_digest = models.BooleanField(
        _("weekly digest e-mail"),
        default=True,
        help_text=_("Every Monday morning: what is late or at risk, and last week's figures."),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    last_sent_week = models.DateField(null=True, blank=True)  # the Monday of that week

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return f"{self.membership_id}: {'on' if self.weekly_digest else 'off'}"

"""Crisis: the library of pre-written crisis replies, deliverables frozen by crisis mode, and
the mock-escalation drills (with the quarterly reminder's idempotency key)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, TenantModel
from campaigns.models import Deliverable, DeliverableStatus

# A case reply is at most this long (moderation.cases.MAX_REPLY).
MAX_REPLY_CHARS = 1000


def _agency_covered() -> models.ForeignKey:
    """The agency of a model whose composite index or unique constraint starts with
    agency_id: that index serves the agency's lookups, so no index of its own."""
    return models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)


class Language(models.TextChoices):
    EN = "en", _("English")
    NL = "nl", _("Dutch")


class CrisisReply(TenantModel):
    """A pre-written reply staff pick on a case while crisis mode is on."""

    agency = _agency_covered()

    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), max_length=MAX_REPLY_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("crisis reply")
        verbose_name_plural = _("crisis replies")
        ordering = ["language", "title", "id"]
        constraints = [
            # Also the library page's index (agency, then language and title order).
            models.UniqueConstraint(
                fields=["agency", "language", "title"], name="crisisreply_unique_title"
            ),
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values), name="crisisreply_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.title}"


class FrozenDeliverable(TenantModel):
    """A deliverable that was scheduled to publish when crisis mode went on: it may not be
    marked posted until a person releases it after the crisis (never re-published by itself)."""

    agency = _agency_covered()

    deliverable = models.ForeignKey(
        Deliverable, on_delete=models.CASCADE, related_name="+", verbose_name=_("deliverable")
    )
    frozen_at = models.DateTimeField(_("frozen at"))
    # What was scheduled when it was frozen.
    scheduled_for = models.DateField(_("scheduled for"))
    scheduled_status = models.CharField(
        _("status when frozen"), max_length=20, choices=DeliverableStatus.choices
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("frozen deliverable")
        verbose_name_plural = _("frozen deliverables")
        ordering = ["scheduled_for", "id"]
        constraints = [
            # One live freeze per deliverable; also the hold lookup's index.
            models.UniqueConstraint(
                fields=["agency", "deliverable"],
                condition=models.Q(released_at__isnull=True),
                name="frozen_deliverable_once",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "-frozen_at"], name="frozen_agency_time"),
        ]

    def __str__(self) -> str:
        return f"deliverable {self.deliverable_id} frozen {self.frozen_at:%Y-%m-%d}"

    @property
    def is_frozen(self) -> bool:
        return self.released_at is None


class DrillOutcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    NEEDS_WORK = "needs_work", _("Passed with follow-ups")
    FAILED = "failed", _("Failed")


class Drill(TenantModel):
    """A quarterly mock escalation: how long the team took to reach each level."""

    agency = _agency_covered()

    held_on = models.DateField(_("date"))
    scenario = models.CharField(_("scenario"), max_length=200)
    # Escalation level (moderation.models.Level, as a string key) → minutes to reach it.
    level_minutes = models.JSONField(_("minutes to each level"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=5000)
    outcome = models.CharField(_("outcome"), max_length=12, choices=DrillOutcome.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("crisis drill")
        verbose_name_plural = _("crisis drills")
        ordering = ["-held_on", "-id"]
        indexes = [
            # The drill list and "when was the last drill" of the reminder.
            models.Index(fields=["agency", "-held_on"], name="drill_agency_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=DrillOutcome.values), name="drill_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.scenario}"

    @property
    def participant_ids(self) -> list[int]:
        """The participants' user ids (prefetch `participants` when listing drills)."""
        return [p.user_id for p in self.participants.all()]


class DrillParticipant(TenantModel):
    """An agency member who took part in a drill."""

    # Looked up through the unique (drill, user) constraint: no index of its own.
    drill = models.ForeignKey(
        Drill, on_delete=models.CASCADE, related_name="participants", db_index=False
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "user"], name="drillparticipant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.drill_id}:{self.user_id}"


class DrillReminder(TenantModel):
    """One reminder per agency and quarter: the reminder task's idempotency key."""

    agency = _agency_covered()

    quarter = models.CharField(max_length=7)  # "2026Q4"
    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "quarter"], name="drillreminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.quarter}"

"""Leads: people who gave an e-mail address with consent in a creator's DM conversation.

A lead is created by the DM sequence (moderation/triage.py → moderation/hooks.py →
leads/services.py) and recorded as a campaign conversion attributed to the deliverable whose
comment started the conversation, when one can be found.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, TenantModel
from campaigns.models import Campaign, ConversionEvent, Deliverable
from creators.models import Creator
from moderation.models import AutomatedAction, Contact, InboundMessage

# The follow-up DM goes out between these two ages of the opt-in.
FOLLOW_UP_AFTER = timedelta(hours=24)
FOLLOW_UP_BEFORE = timedelta(hours=48)


class FollowUp(models.TextChoices):
    WAITING = "waiting", _("Waiting (24 h after the opt-in)")
    SCHEDULED = "scheduled", _("Follow-up DM scheduled")
    SUPPRESSED = "suppressed", _("Not sent (limits, opt-out or crisis)")
    MISSED = "missed", _("Not sent (48 h window passed)")


class Lead(TenantModel):
    # lead_agency_time (agency, -captured_at) serves every lookup by agency.
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.OneToOneField(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="lead"
    )
    creator = models.ForeignKey(
        Creator,
        verbose_name=_("creator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # lead_creator_time
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="leads",
        db_index=False,  # lead_campaign_time
    )
    deliverable = models.ForeignKey(
        Deliverable,
        verbose_name=_("deliverable"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    conversion = models.OneToOneField(
        ConversionEvent,
        verbose_name=_("conversion"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The DM that carried the address, and the comment that started the conversation.
    source_message = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_comment = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    opted_in_at = models.DateTimeField(_("opted in"))
    consented_at = models.DateTimeField(_("consent to e-mail"))
    captured_at = models.DateTimeField(_("e-mail given"))
    follow_up = models.CharField(
        _("follow-up"), max_length=12, choices=FollowUp.choices, default=FollowUp.WAITING
    )
    follow_up_due_at = models.DateTimeField(_("follow-up due"))
    follow_up_action = models.OneToOneField(
        AutomatedAction, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-captured_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up__in=FollowUp.values), name="lead_follow_up_valid"
            ),
            models.CheckConstraint(condition=~Q(email=""), name="lead_email_given"),
        ]
        indexes = [
            models.Index(fields=["agency", "-captured_at"], name="lead_agency_time"),
            models.Index(
                fields=["agency", "follow_up_due_at"],
                condition=Q(follow_up="waiting"),
                name="lead_follow_up_waiting",
            ),
            models.Index(fields=["campaign", "-captured_at"], name="lead_campaign_time"),
            models.Index(fields=["creator", "-captured_at"], name="lead_creator_time"),
        ]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def follow_up_window_ends_at(self):
        return self.opted_in_at + FOLLOW_UP_BEFORE

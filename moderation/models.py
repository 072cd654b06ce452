"""Moderation: policies (versioned), inbound messages, automated actions, cases and SLAs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, TenantModel, TenantQuerySet
from creators.models import Creator, Platform


class Level(models.IntegerChoices):
    """The escalation path, in order; escalating moves a case one level up."""

    TRIAGE = 1, _("Automated triage")
    HUMAN_REVIEW = 2, _("Human review")
    ACCOUNT_MANAGER = 3, _("Account manager")
    LEGAL_PR = 4, _("Legal / PR")


DEFAULT_SLA_MINUTES = {
    Level.TRIAGE: 15,
    Level.HUMAN_REVIEW: 60,
    Level.ACCOUNT_MANAGER: 240,
    Level.LEGAL_PR: 480,
}


class Holiday(TenantModel):
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "date"], name="holiday_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class ModerationSettings(models.Model):
    """Agency-wide switches: crisis mode and the webhook signing secret."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+")
    crisis_mode = models.BooleanField(_("crisis mode"), default=False)
    crisis_since = models.DateTimeField(null=True, blank=True)
    webhook_secret = models.CharField(max_length=128)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation settings")
        verbose_name_plural = _("moderation settings")

    def __str__(self) -> str:
        return f"moderation settings of {self.agency}"


class SlaRule(TenantModel):
    """The SLA (business minutes) and default assignee of one escalation level."""

    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    minutes = models.PositiveIntegerField(_("SLA (business minutes)"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("default assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("SLA rule")
        verbose_name_plural = _("SLA rules")
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "level"], name="slarule_unique_level"),
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=60 * 24 * 30),
                name="slarule_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.minutes} min"


class Policy(TenantModel):
    """A moderation policy of the agency (creator empty) or of one creator."""

    creator = models.ForeignKey(
        Creator, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    current_version = models.ForeignKey(
        "PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency"],
                condition=models.Q(creator__isnull=True),
                name="policy_one_agency_default",
            ),
            models.UniqueConstraint(
                fields=["agency", "creator"],
                condition=models.Q(creator__isnull=False),
                name="policy_one_per_creator",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PolicyVersionQuerySet(TenantQuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("Policy versions are immutable.")


class PolicyVersion(TenantModel):
    """One immutable version of a policy's rules; every decision points at the one it used."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    rules = models.JSONField()
    note = models.CharField(_("change note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policyversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Policy versions are immutable.")
        super().save(*args, **kwargs)


class DmState(models.TextChoices):
    NONE = "none", _("No opt-in")
    ASKED_NAME = "asked_name", _("Asked for name")
    ASKED_CONSENT = "asked_consent", _("Asked for e-mail consent")
    ASKED_EMAIL = "asked_email", _("Asked for the e-mail address")
    EMAIL_RETRY = "email_retry", _("Asked again for the e-mail address")
    NO_EMAIL = "no_email", _("No valid e-mail address")
    HANDED_OFF = "handed_off", _("Handed to a person")
    DECLINED = "declined", _("Declined")
    OPTED_OUT = "opted_out", _("Opted out")


class Contact(TenantModel):
    """A person on a platform who wrote to one of our creators. Its row is also the lock
    that serialises automated DMs to that person (see moderation/limits.py)."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    handle = models.CharField(_("handle"), max_length=100)
    name = models.CharField(_("name"), max_length=120, blank=True)
    dm_opted_in_at = models.DateTimeField(null=True, blank=True)
    dm_opted_out_at = models.DateTimeField(null=True, blank=True)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    # Given in the DM sequence after consent (moderation/triage.py), validated.
    email = models.EmailField(_("e-mail address"), blank=True)
    # The conversation language, chosen at the first automated DM and kept for every later
    # one (a reply of "JA" alone reads as Spanish to the detector).
    language = models.CharField(_("language"), max_length=8, blank=True)
    dm_state = models.CharField(
        _("DM sequence"), max_length=16, choices=DmState.choices, default=DmState.NONE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "platform", "handle"], name="contact_unique_handle"
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"

    @property
    def may_receive_dms(self) -> bool:
        return self.dm_opted_in_at is not None and self.dm_opted_out_at is None


class AccountCounter(TenantModel):
    """One row per creator account: locked to serialise automated replies from it, and the
    state of its comment-spike token bucket (see moderation/limits.py)."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    account = models.CharField(max_length=100)
    # Tokens left in the comment-spike bucket at `spike_checked_at` (empty: a full bucket).
    spike_tokens = models.FloatField(null=True, blank=True)
    spike_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "platform", "account"], name="accountcounter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.account}"


class MessageKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    DM = "dm", _("Direct message")


class MessageSource(models.TextChoices):
    API = "api", _("API")
    WEBHOOK = "webhook", _("Webhook")
    CSV = "csv", _("CSV import")
    PLATFORM = "platform", _("Platform sync")


class MessageStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    FAILED = "failed", _("Triage failed")


class InboundMessage(TenantModel):
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    platform_message_id = models.CharField(_("platform message id"), max_length=128)
    kind = models.CharField(_("kind"), max_length=8, choices=MessageKind.choices)
    source = models.CharField(_("source"), max_length=8, choices=MessageSource.choices)
    creator = models.ForeignKey(
        Creator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    account = models.CharField(_("account"), max_length=100)
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="messages")
    text = models.TextField(_("text"))
    campaign_code = models.CharField(_("campaign code"), max_length=64, blank=True)
    # The platform reported an explicit opt-in to a DM conversation (e.g. a "message me" tap).
    opt_in = models.BooleanField(_("opted in to DMs"), default=False)
    sent_at = models.DateTimeField(_("sent at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    language_confidence = models.FloatField(default=0)
    sentiment = models.FloatField(_("sentiment"), default=0)
    category = models.CharField(_("category"), max_length=32, blank=True)
    intent = models.CharField(_("intent"), max_length=32, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.NEW
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hidden = models.BooleanField(_("hidden"), default=False)
    removed = models.BooleanField(_("removed"), default=False)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "platform", "platform_message_id"],
                name="inboundmessage_unique_platform_id",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status"], name="inbound_agency_status"),
            models.Index(fields=["agency", "-sent_at"], name="inbound_agency_time"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.platform_message_id}"


class ActionKind(models.TextChoices):
    NONE = "none", _("No action")
    HIDE = "hide", _("Hide")
    REMOVE = "remove", _("Remove")
    ESCALATE = "escalate", _("Escalate to a person")
    REPLY = "reply", _("Automated reply")
    DM = "dm", _("Automated DM")


class ActionOutcome(models.TextChoices):
    DONE = "done", _("Done")
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    SUPPRESSED = "suppressed", _("Suppressed")


class AutomatedAction(TenantModel):
    """Every automated decision: what, under which policy version, why, and what came of it."""

    message = models.ForeignKey(
        InboundMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="actions"
    )
    policy_version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ActionKind.choices)
    outcome = models.CharField(max_length=10, choices=ActionOutcome.choices)
    reasons = models.JSONField(default=list, blank=True)
    platform = models.CharField(max_length=16, choices=Platform.choices, blank=True)
    account = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)
    promotional = models.BooleanField(default=False)
    due_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("automated action")
        verbose_name_plural = _("automated actions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "due_at"], name="action_due"),
            models.Index(fields=["contact", "kind", "due_at"], name="action_contact_window"),
            models.Index(
                fields=["agency", "platform", "account", "kind", "due_at"],
                name="action_account_window",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_outcome_display()})"


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Case(TenantModel):
    message = models.ForeignKey(
        InboundMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    creator = models.ForeignKey(
        Creator, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign_code = models.CharField(_("campaign code"), max_length=64, blank=True)
    title = models.CharField(_("title"), max_length=200)
    # What an automated case is about ({"code": "message", "kind", "handle", "category"}),
    # so its title is written in the reader's language (moderation/explain.py); `title`
    # keeps the English text for search, notifications and the API.
    title_data = models.JSONField(default=dict, blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened"))
    due_at = models.DateTimeField(_("due"))
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    breach_notified_level = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["due_at", "id"]
        indexes = [
            # The breach scan's index: only open cases, by due time (partial, so resolved
            # cases, the vast majority over time, never weigh on the scan).
            models.Index(
                fields=["due_at"], condition=models.Q(status="open"), name="case_open_due"
            ),
            models.Index(fields=["agency", "status", "level"], name="case_agency_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values), name="case_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class CaseStint(TenantModel):
    """The time a case spent at one level under one assignee: the unit of SLA metrics."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stints")
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} L{self.level}"


class CaseEvent(TenantModel):
    """The case timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)
    # The details of an automated entry (reason codes, level, assignee), rendered as a
    # sentence in the reader's language (moderation/explain.py); `text` is the fallback.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class Notification(TenantModel):
    """An in-app notification for one member."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    # What happened ({"code": "escalated", "level": 3}), so the notice is shown in the
    # reader's language (moderation/explain.py); `text` is the e-mail's English fallback.
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text


class Delivery(models.TextChoices):
    """Where an outbox row stands with the platform (platforms/delivery.py moves it on)."""

    PENDING = "pending", _("Not yet routed")
    MANUAL = "manual", _("For a person to post")
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    HELD = "held", _("Held: account needs reconnecting")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxMessage(TenantModel):
    """What the shipped connector 'sends': the reply or DM that would be posted, and, for an
    account with a live platform connection, how its delivery there went."""

    action = models.OneToOneField(AutomatedAction, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    account = models.CharField(max_length=100)
    recipient = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ActionKind.choices)
    in_reply_to = models.CharField(max_length=128, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField()
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.PENDING
    )
    # The platform's id of what was posted (a reply's comment id, a message id): stored
    # before anything else so a retried delivery never posts twice.
    platform_id = models.CharField(_("platform id"), max_length=128, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_key = models.CharField(max_length=32, blank=True)
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("delivery problem"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The delivery sweep's index: only rows still in flight.
            models.Index(
                fields=["agency", "next_attempt_at"],
                condition=models.Q(delivery__in=["pending", "queued", "sending", "held"]),
                name="outbox_in_flight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → @{self.recipient}"


class WebhookReceipt(TenantModel):
    """Signatures already accepted, so a replayed delivery is refused."""

    signature = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "signature"], name="webhook_unique_sig"),
        ]

    def __str__(self) -> str:
        return self.signature[:12]

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import TenantModel
from creators.models import Creator, SocialAccount, Video

from . import crypto


class PlatformKind(models.TextChoices):
    TIKTOK = "tiktok", "TikTok"


class AccountStatus(models.TextChoices):
    LINKED = "linked", _("Linked")
    RECONNECT = "reconnect", _("Needs reconnecting")
    DISCONNECTED = "disconnected", _("Disconnected")


class PlatformAccount(TenantModel):
    """A creator's account on a platform that Talentdesk holds an OAuth grant for.

    The tokens are stored encrypted (platforms/crypto.py); read them through `access_token`
    and `refresh_token`, write them through `set_tokens`.
    """

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="platform_accounts")
    # The roster's account the pulled snapshots and videos hang off (creators.SocialAccount).
    social_account = models.ForeignKey(
        SocialAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="platform_accounts",
    )
    platform = models.CharField(
        _("platform"), max_length=16, choices=PlatformKind.choices, default=PlatformKind.TIKTOK
    )
    external_id = models.CharField(_("platform account id"), max_length=128)
    handle = models.CharField(_("handle"), max_length=100, blank=True)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AccountStatus.choices,
        default=AccountStatus.LINKED,
        db_index=True,
    )
    status_reason = models.CharField(_("status reason"), max_length=300, blank=True)
    scopes = models.JSONField(_("scopes granted"), default=list, blank=True)
    access_token_ciphertext = models.TextField(blank=True)
    refresh_token_ciphertext = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    last_sync_summary = models.JSONField(default=dict, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    linked_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("platform account")
        verbose_name_plural = _("platform accounts")
        ordering = ["platform", "handle", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "platform", "external_id"],
                name="platformaccount_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=AccountStatus.values),
                name="platformaccount_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "creator"], name="platformaccount_creator"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle or self.external_id} ({self.get_platform_display()})"

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_ciphertext)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_ciphertext)

    def set_tokens(
        self,
        *,
        access_token: str,
        refresh_token: str,
        access_expires_at: datetime | None,
        refresh_expires_at: datetime | None,
    ) -> None:
        self.access_token_ciphertext = crypto.encrypt(access_token)
        self.refresh_token_ciphertext = crypto.encrypt(refresh_token)
        self.access_expires_at = access_expires_at
        self.refresh_expires_at = refresh_expires_at

    def clear_tokens(self) -> None:
        self.access_token_ciphertext = ""
        self.refresh_token_ciphertext = ""
        self.access_expires_at = None
        self.refresh_expires_at = None

    @property
    def is_linked(self) -> bool:
        return self.status == AccountStatus.LINKED

    def access_expired(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.access_expires_at is not None and self.access_expires_at <= now

    def refresh_expired(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.refresh_expires_at is not None and self.refresh_expires_at <= now


class OAuthState(TenantModel):
    """One authorisation attempt: the `state` sent to the platform (stored as its SHA-256,
    single use, short-lived) and the PKCE code verifier (encrypted) to send back with the code."""

    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16, choices=PlatformKind.choices)
    state_digest = models.CharField(max_length=64, unique=True)
    code_verifier_ciphertext = models.TextField()
    # Where to send the person back to: the creator page (staff) or the portal (creator).
    return_to = models.CharField(max_length=16, default="staff")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "expires_at"], name="oauthstate_expiry")]

    @staticmethod
    def digest(state: str) -> str:
        return hashlib.sha256(state.encode()).hexdigest()

    @property
    def code_verifier(self) -> str:
        return crypto.decrypt(self.code_verifier_ciphertext)


class SyncCursor(TenantModel):
    """Where the last pull of one stream stopped (kind: `videos`, `comments:<video id>`)."""

    account = models.ForeignKey(PlatformAccount, on_delete=models.CASCADE, related_name="cursors")
    kind = models.CharField(max_length=160)
    value = models.CharField(max_length=255, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "kind"], name="synccursor_unique_kind"),
        ]


class PlatformVideo(TenantModel):
    """A video seen on a linked account, with its comment-polling cadence (recent videos are
    polled often, old ones rarely)."""

    account = models.ForeignKey(PlatformAccount, on_delete=models.CASCADE, related_name="videos")
    platform_video_id = models.CharField(max_length=64)
    creator = models.ForeignKey(Creator, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(
        Video, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField()
    last_polled_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-posted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "platform_video_id"], name="platformvideo_unique_id"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "next_poll_at"], name="platformvideo_due"),
        ]

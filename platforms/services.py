"""Linking platform accounts and keeping their grants alive: the OAuth 2.0 authorisation-code
flow with state and PKCE (S256), token refresh before expiry, reconnect and disconnect.

Every write runs in a transaction and is audited. Calls to the platform happen outside the
database transaction except a token refresh, which holds the account's row lock on purpose:
TikTok may rotate the refresh token, so two workers refreshing at once would leave one of
them holding a dead token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from creators.models import Creator, SocialAccount
from creators.models import Platform as RosterPlatform

from . import crypto
from .connectors.base import (
    PlatformError,
    RateLimited,
    ReauthorizationRequired,
    TokenExpired,
    TransientError,
)
from .connectors.tiktok import TikTokApi, TokenGrant, authorize_url
from .grants import REFRESH_MARGIN, needed_scopes
from .models import AccountStatus, OAuthState, PlatformAccount, PlatformKind

STATE_LIFETIME = timedelta(minutes=10)


class LinkError(Exception):
    """A link attempt that cannot go on; the message is for the person who tried."""


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    state: str


def _code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oauth_start(
    *, agency: Agency, creator: Creator, user, return_to: str = "staff", now: datetime | None = None
) -> AuthorizationStart:
    """Record a fresh authorisation attempt and answer the platform URL to send the browser to.

    The state (32 random bytes) is stored only as its SHA-256; the PKCE verifier (64 random
    bytes, RFC 7636) is stored encrypted and sent back with the code."""
    if creator.agency_id != agency.pk:
        raise LinkError(_("This creator does not exist."))
    if not settings.TIKTOK_CLIENT_KEY:
        raise LinkError(_("TikTok is not configured here (TIKTOK_CLIENT_KEY is not set)."))
    if not crypto.keys_configured():
        raise LinkError(
            _("Linking is switched off until PLATFORM_TOKEN_KEYS is set (see the README).")
        )
    now = now or timezone.now()
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    with transaction.atomic():
        OAuthState.objects.create(
            agency=agency,
            creator=creator,
            platform=PlatformKind.TIKTOK,
            state_digest=OAuthState.digest(state),
            code_verifier_ciphertext=crypto.encrypt(verifier),
            return_to="portal" if return_to == "portal" else "staff",
            created_by=user,
            created_at=now,
            expires_at=now + STATE_LIFETIME,
        )
        # Old attempts of this person are no use to anyone.
        OAuthState.objects.filter(agency=agency, expires_at__lt=now - STATE_LIFETIME).delete()
    url = authorize_url(
        state=state, code_challenge=_code_challenge(verifier), scopes=needed_scopes()
    )
    return AuthorizationStart(url=url, state=state)


def oauth_state_claim(
    *, agency: Agency, user, state: str, now: datetime | None = None
) -> OAuthState:
    """Use up the attempt `state` names: it must exist in this agency, belong to this person,
    be unused and unexpired. Marked used (under its row lock) before any code is exchanged, so
    a replayed or concurrent callback finds it used, whether or not the exchange succeeds."""
    now = now or timezone.now()
    if not state or len(state) > 200:
        raise LinkError(_("The answer from TikTok did not carry a valid state."))
    with transaction.atomic():
        attempt = (
            OAuthState.objects.select_for_update()
            .select_related("creator")
            .filter(agency=agency, state_digest=OAuthState.digest(state))
            .first()
        )
        if attempt is None or attempt.created_by_id != getattr(user, "pk", None):
            raise LinkError(_("The answer from TikTok did not match a link you started."))
        if attempt.used_at is not None:
            raise LinkError(_("This link was already used. Start again from the creator."))
        if attempt.expires_at <= now:
            raise LinkError(_("This link expired (after 10 minutes). Start again."))
        attempt.used_at = now
        attempt.save(update_fields=["used_at"])
    return attempt


def _social_account_for(creator: Creator, handle: str) -> SocialAccount | None:
    if not handle:
        return None
    existing = (
        SocialAccount.objects.filter(agency_id=creator.agency_id, platform=RosterPlatform.TIKTOK)
        .annotate(lower_handle=Lower("handle"))
        .filter(lower_handle=handle.lower())
        .first()
    )
    if existing is not None:
        return existing if existing.creator_id == creator.pk else None
    return SocialAccount.objects.create(
        agency_id=creator.agency_id, creator=creator, platform=RosterPlatform.TIKTOK, handle=handle
    )


def oauth_complete(
    *,
    agency: Agency,
    user,
    state: str,
    code: str,
    error: str = "",
    error_description: str = "",
    api: TikTokApi | None = None,
    now: datetime | None = None,
) -> PlatformAccount:
    """Finish a link: claim the state, exchange the code (with the PKCE verifier), read the
    account's profile, then store the account with its tokens encrypted. Audited."""
    attempt = oauth_state_claim(agency=agency, user=user, state=state, now=now)
    if error:
        raise LinkError(
            _("TikTok did not grant access: %(reason)s")
            % {"reason": (error_description or error)[:200]}
        )
    if not code or len(code) > 1000:
        raise LinkError(_("The answer from TikTok carried no authorisation code."))
    api = api or TikTokApi()
    try:
        grant = api.exchange_code(code=code, code_verifier=attempt.code_verifier)
        profile = api.profile(token=grant.access_token, business_id=grant.open_id)
    except PlatformError as exc:
        raise LinkError(
            _("TikTok refused the link: %(reason)s") % {"reason": exc.message or exc}
        ) from exc
    return _account_store(
        agency=agency,
        creator=attempt.creator,
        user=user,
        grant=grant,
        handle=profile.handle,
        display_name=profile.display_name,
        now=now,
    )


def _account_store(
    *,
    agency: Agency,
    creator: Creator,
    user,
    grant: TokenGrant,
    handle: str,
    display_name: str,
    now: datetime | None,
) -> PlatformAccount:
    now = now or timezone.now()
    with transaction.atomic():
        account = (
            PlatformAccount.objects.select_for_update()
            .filter(agency=agency, platform=PlatformKind.TIKTOK, external_id=grant.open_id)
            .first()
        )
        if account is not None and account.creator_id != creator.pk:
            raise LinkError(
                _("This TikTok account is already linked to %(creator)s.")
                % {"creator": account.creator.display_name}
            )
        relinked = account is not None
        if account is None:
            account = PlatformAccount(
                agency=agency,
                creator=creator,
                platform=PlatformKind.TIKTOK,
                external_id=grant.open_id,
            )
        account.handle = handle[:100]
        account.display_name = display_name[:200]
        account.scopes = grant.scopes
        account.status = AccountStatus.LINKED
        account.status_reason = ""
        account.linked_by = user
        account.linked_at = now
        account.disconnected_at = None
        account.set_tokens(
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            access_expires_at=grant.access_expires_at,
            refresh_expires_at=grant.refresh_expires_at,
        )
        if account.social_account_id is None:
            account.social_account = _social_account_for(creator, handle)
        account.full_clean(exclude=["access_token_ciphertext", "refresh_token_ciphertext"])
        account.save()
        audit_record(
            agency=agency,
            actor=user,
            action="platform_account.relink" if relinked else "platform_account.link",
            obj=account,
            after={
                "creator": creator.pk,
                "platform": account.platform,
                "handle": account.handle,
                "scopes": account.scopes,
            },
        )
    return account


def account_mark_reconnect(*, account: PlatformAccount, reason: str) -> None:
    """The grant is gone: stop using the account until a person links it again."""
    with transaction.atomic():
        locked = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        if locked.status != AccountStatus.LINKED:
            account.status = locked.status
            return
        locked.status = AccountStatus.RECONNECT
        locked.status_reason = reason[:300]
        locked.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(
            agency=locked.agency,
            actor=None,
            actor_label="platforms:tokens",
            action="platform_account.needs_reconnect",
            obj=locked,
            after={"reason": locked.status_reason},
        )
    account.status = locked.status
    account.status_reason = locked.status_reason


def account_refresh_token(
    *, account: PlatformAccount, api: TikTokApi | None = None, force: bool = False, now=None
) -> PlatformAccount:
    """Refresh the access token (when it is due, or always with `force`) under the account's
    row lock. A dead refresh token puts the account in "reconnect" and raises
    ReauthorizationRequired; a rate limit or outage propagates for the caller to retry."""
    now = now or timezone.now()
    api = api or TikTokApi()
    grant_error: ReauthorizationRequired | None = None
    with transaction.atomic():
        locked = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        if locked.status != AccountStatus.LINKED:
            raise ReauthorizationRequired(locked.status_reason or "Account is not linked.")
        due = locked.access_expires_at is None or locked.access_expires_at - REFRESH_MARGIN <= now
        # Another worker refreshed while this one waited for the lock: use its token.
        if (
            force
            and locked.last_refreshed_at
            and account.last_refreshed_at != locked.last_refreshed_at
        ):
            force = False
        if due or force:
            if locked.refresh_expired(now) or not locked.refresh_token_ciphertext:
                grant_error = ReauthorizationRequired("The refresh token expired.")
            else:
                try:
                    grant = api.refresh(refresh_token=locked.refresh_token)
                except ReauthorizationRequired as exc:
                    grant_error = exc
            if grant_error is None:
                locked.set_tokens(
                    access_token=grant.access_token,
                    refresh_token=grant.refresh_token or locked.refresh_token,
                    access_expires_at=grant.access_expires_at,
                    refresh_expires_at=grant.refresh_expires_at or locked.refresh_expires_at,
                )
                if grant.scopes:
                    locked.scopes = grant.scopes
                locked.last_refreshed_at = now
                locked.save()
                audit_record(
                    agency=locked.agency,
                    actor=None,
                    actor_label="platforms:tokens",
                    action="platform_account.token_refresh",
                    obj=locked,
                    after={"access_expires_at": locked.access_expires_at},
                )
    if grant_error is not None:
        account_mark_reconnect(
            account=account,
            reason=_("TikTok no longer accepts the grant: %(reason)s")
            % {"reason": grant_error.message or _("refresh refused")},
        )
        raise grant_error
    account.refresh_from_db()
    return account


def ensure_fresh_token(
    *, account: PlatformAccount, api: TikTokApi | None = None, now: datetime | None = None
) -> str:
    """The account's access token, refreshed first when it expires within REFRESH_MARGIN."""
    now = now or timezone.now()
    if account.status != AccountStatus.LINKED:
        raise ReauthorizationRequired(account.status_reason or "Account is not linked.")
    if account.access_expires_at is not None and account.access_expires_at - REFRESH_MARGIN <= now:
        account_refresh_token(account=account, api=api, now=now)
    return account.access_token


def account_disconnect(
    *, agency: Agency, account: PlatformAccount, user, api: TikTokApi | None = None
) -> bool:
    """Revoke the grant at the platform, then forget the tokens and mark the account
    disconnected. Answers whether no grant is left (TikTok confirmed the revocation, or there
    was none to revoke): the tokens are dropped here
    either way (an already dead grant needs no revoking; an unreachable TikTok is reported so
    the person can remove access in the app's settings)."""
    if account.agency_id != agency.pk:
        raise LinkError(_("This account does not exist."))
    # Holding no token, there is no grant left to revoke.
    revoked, reason = True, "no token held"
    if account.access_token_ciphertext and account.status != AccountStatus.DISCONNECTED:
        revoked, reason = False, ""
        api = api or TikTokApi()
        try:
            api.revoke(access_token=account.access_token)
            revoked = True
        except (TokenExpired, ReauthorizationRequired):
            revoked, reason = True, "grant already invalid"
        except (RateLimited, TransientError) as exc:
            reason = exc.message or type(exc).__name__
        except PlatformError as exc:
            reason = exc.message or type(exc).__name__
        except crypto.TokenUnreadable:
            reason = "token unreadable"
    with transaction.atomic():
        locked = PlatformAccount.objects.select_for_update().get(pk=account.pk, agency=agency)
        before = {"status": locked.status}
        locked.clear_tokens()
        locked.status = AccountStatus.DISCONNECTED
        locked.status_reason = ""
        locked.disconnected_at = timezone.now()
        locked.save()
        audit_record(
            agency=agency,
            actor=user,
            action="platform_account.disconnect",
            obj=locked,
            before=before,
            after={"status": locked.status, "revoked": revoked, "revoke_error": reason},
        )
    account.refresh_from_db()
    return revoked


def platform_tokens_rotate(*, agency: Agency) -> int:
    """Re-encrypt this agency's stored tokens under the first PLATFORM_TOKEN_KEYS key."""
    rotated = 0
    with transaction.atomic():
        for account in (
            PlatformAccount.objects.select_for_update().filter(agency=agency).order_by("pk")
        ):
            account.access_token_ciphertext = crypto.rotate(account.access_token_ciphertext)
            account.refresh_token_ciphertext = crypto.rotate(account.refresh_token_ciphertext)
            account.save(update_fields=["access_token_ciphertext", "refresh_token_ciphertext"])
            rotated += 1
        for attempt in OAuthState.objects.select_for_update().filter(
            agency=agency, used_at__isnull=True
        ):
            attempt.code_verifier_ciphertext = crypto.rotate(attempt.code_verifier_ciphertext)
            attempt.save(update_fields=["code_verifier_ciphertext"])
        if rotated:
            audit_record(
                agency=agency,
                actor=None,
                actor_label="manage.py rotate_platform_tokens",
                action="platform_account.tokens_rotate",
                after={"accounts": rotated},
            )
    return rotated

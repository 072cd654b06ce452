"""Reads about linked platform accounts: lists, one account, and each account's token state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from core.formatting import date_short
from creators.models import Creator

from .grants import REFRESH_MARGIN, needed_scopes
from .models import AccountStatus, PlatformAccount

# Past this, a refresh token about to run out is worth a warning: the creator has to reconnect.
REFRESH_WARNING = timedelta(days=7)


class TokenState:
    VALID = "valid"
    REFRESH_SOON = "refresh_soon"
    EXPIRED = "expired"  # access token expired; a refresh will renew it
    REAUTHORIZE_SOON = "reauthorize_soon"
    RECONNECT = "reconnect"
    DISCONNECTED = "disconnected"


@dataclass(frozen=True)
class AccountView:
    account: PlatformAccount
    token_state: str
    token_label: str
    missing_scopes: list[str]
    needs_attention: bool


def token_state(account: PlatformAccount, now: datetime | None = None) -> tuple[str, str]:
    """The grant's state and a sentence about it."""
    now = now or timezone.now()
    if account.status == AccountStatus.DISCONNECTED:
        return TokenState.DISCONNECTED, _("Disconnected: Talentdesk holds no token.")
    if account.status == AccountStatus.RECONNECT or account.refresh_expired(now):
        return TokenState.RECONNECT, _("TikTok no longer accepts the grant: reconnect the account.")
    if account.refresh_expires_at and account.refresh_expires_at - REFRESH_WARNING <= now:
        return TokenState.REAUTHORIZE_SOON, _(
            "The grant ends on %(date)s: reconnect before then."
        ) % {"date": date_short(account.refresh_expires_at)}
    if account.access_expired(now):
        return TokenState.EXPIRED, _(
            "The access token expired; it is renewed automatically at the next sync."
        )
    if account.access_expires_at and account.access_expires_at - REFRESH_MARGIN <= now:
        return TokenState.REFRESH_SOON, _("The access token is renewed at the next sync.")
    return TokenState.VALID, _("Valid")


def account_view(account: PlatformAccount, now: datetime | None = None) -> AccountView:
    state, label = token_state(account, now)
    missing = (
        [s for s in needed_scopes(account.platform) if s not in (account.scopes or [])]
        if account.status == AccountStatus.LINKED
        else []
    )
    attention = bool(missing) or state in (
        TokenState.RECONNECT,
        TokenState.REAUTHORIZE_SOON,
    )
    return AccountView(
        account=account,
        token_state=state,
        token_label=label,
        missing_scopes=missing,
        needs_attention=attention,
    )


def accounts_of_agency(*, agency: Agency) -> QuerySet[PlatformAccount]:
    return (
        PlatformAccount.objects.filter(agency=agency)
        .select_related("creator")
        .order_by("creator__display_name", "platform", "handle", "pk")
    )


def accounts_of_creator(*, agency: Agency, creator: Creator) -> list[AccountView]:
    now = timezone.now()
    accounts = PlatformAccount.objects.filter(agency=agency, creator=creator).order_by(
        "platform", "handle", "pk"
    )
    return [account_view(a, now) for a in accounts]


def account_for(*, agency: Agency, pk: int, creator: Creator | None = None) -> PlatformAccount:
    """One account of this agency (of this creator, when given), or 404."""
    accounts = PlatformAccount.objects.filter(agency=agency).select_related("creator")
    if creator is not None:
        accounts = accounts.filter(creator=creator)
    account = accounts.filter(pk=pk).first()
    if account is None:
        raise Http404
    return account

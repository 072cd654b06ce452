from __future__ import annotations

from datetime import UTC

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from core import api_numbers

from .models import ApiToken
from .tokens import api_token_check, api_token_record_use

# DRF imports this module (DEFAULT_AUTHENTICATION_CLASSES) as soon as its views are: the number
# guard arrives with DRF rather than at start-up, which no longer imports DRF.
api_numbers.install()


def _token_for_key(raw: str) -> ApiToken | None:
    """The one place a request's token is looked up: the unrevoked token `raw` names (expired
    or not, with its membership, user and agency), or None."""
    return api_token_check(raw)


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token td_…`. The token carries its membership, hence its agency."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        token = _token_for_key(header[1].decode(errors="replace"))
        if token is None or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _(
                    "This API token expired on %(date)s UTC. Create a new one on the "
                    "API tokens page."
                )
                % {"date": f"{token.expires_at.astimezone(UTC):%Y-%m-%d %H:%M}"}
            )
        api_token_record_use(token=token, now=now)
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword

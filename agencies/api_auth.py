from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken
from .tokens import api_token_check


class PersonalTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token td_…`. The token carries its membership, hence its agency."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        token = api_token_check(header[1].decode(errors="replace"))
        if token is None or not token.membership.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        # Record use at most once a minute, so a busy client does not write on every call.
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.membership.user, token

    def authenticate_header(self, request) -> str:
        return self.keyword

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import get_ip


class AccountAdapter(DefaultAccountAdapter):
    """People join through invitations; the public sign-up form stays closed."""

    def is_open_for_signup(self, request) -> bool:
        return False

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        # allauth keys the failed-login limit ("…/key" in ACCOUNT_RATE_LIMITS["login_failed"])
        # on the address alone, so anyone could lock an owner out by failing on purpose. Keyed
        # on address *and* client IP, a stranger only locks themselves out; the "/ip" rates
        # still cap what one IP may try across accounts. (A password reset clears this key.)
        # get_ip is the address allauth's own "/ip" rates use (IPv6 cut to its /64).
        return f"{super()._get_login_attempts_cache_key(request, **credentials)}:{get_ip(request)}"

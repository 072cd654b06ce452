from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """People join through invitations; the public sign-up form stays closed."""

    def is_open_for_signup(self, request) -> bool:
        return False

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "cockpit"
    verbose_name = _("Cockpit")

    def ready(self) -> None:
        # E-mails from lower apps (moderation's case notices) go out in the language the
        # member chose for their digest (agencies/languages.py).
        from agencies.languages import member_language_register

        from .languages import digest_language

        member_language_register(digest_language)

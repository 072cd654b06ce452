from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreatorsConfig(AppConfig):
    name = "creators"
    verbose_name = _("Creators")

    def ready(self) -> None:
        # A new agency starts with its insight settings (agencies/onboarding.py).
        from agencies.onboarding import agency_setup_register

        agency_setup_register("creators.insights.services.insight_settings_ensure")

        # A creator's login is a membership; agencies reaches the roster through these.
        from agencies.hooks import creator_logins_register

        from .logins import HOOKS

        creator_logins_register(HOOKS)

        # Every committed write to what the roster shows replaces its cache's version.
        from . import roster_cache

        roster_cache.install()

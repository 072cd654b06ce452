from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # A new agency starts with its moderation settings and SLA rules (agencies/onboarding.py).
        from agencies.onboarding import agency_setup_register

        agency_setup_register("moderation.policies.moderation_settings_get")
        agency_setup_register("moderation.policies.sla_rules_ensure")

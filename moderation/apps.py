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

        # The audit log shows decision reasons as sentences (agencies/audit_display.py).
        from agencies.audit_display import audit_value_formatter_register

        from .explain import reasons_text, send_reason_text

        for object_type in (
            "moderation.automatedaction",
            "moderation.inboundmessage",
            "moderation.case",
        ):
            audit_value_formatter_register(
                object_type=object_type, field="reasons", formatter=reasons_text
            )
        audit_value_formatter_register(
            object_type="moderation.automatedaction", field="reason", formatter=send_reason_text
        )

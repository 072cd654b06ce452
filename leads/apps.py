from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        # The DM sequence (moderation, a layer down) hands its e-mail captures to this
        # handler (moderation/hooks.py); moderation never imports leads.
        from core.lazy import lazy_callable
        from moderation.hooks import lead_handler_register

        lead_handler_register("leads", lazy_callable("leads.services.leads_record"))

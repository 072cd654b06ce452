from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PayoutsConfig(AppConfig):
    name = "payouts"
    verbose_name = _("Payouts")

    def ready(self) -> None:
        # Statement line items tagged with a campaign code count as that campaign's revenue;
        # campaigns is a lower layer and learns of them only through its hook.
        from campaigns.revenue import register_revenue_provider

        register_revenue_provider("payouts.selectors.campaign_line_revenue")
        # Creator insights weigh their forecast against settled statements, read here.
        from creators.insights.forecast import settled_statements_reader_register

        settled_statements_reader_register("payouts.selectors.creator_settled_statements")

        # A new agency starts with its payout settings row (reconciliation locks it).
        from agencies.onboarding import agency_setup_register

        agency_setup_register("payouts.services.settings_for")

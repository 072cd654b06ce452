from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("Rewards")

    def ready(self) -> None:
        # Creator insights show the expected campaign bonuses beside the 30-day forecast;
        # creators sits below rewards and learns of them only through its reader hook.
        from creators.insights.forecast import expected_bonus_reader_register

        expected_bonus_reader_register("rewards.forecast.creator_expected_bonuses")

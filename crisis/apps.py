from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisConfig(AppConfig):
    name = "crisis"
    verbose_name = _("Crisis")

    def ready(self) -> None:
        # moderation and campaigns sit below crisis (.importlinter) and call these through
        # their hooks: crisis mode switching on freezes scheduled deliverables, a case reply
        # may use the crisis library, a frozen deliverable may not be marked posted, and one
        # scheduled while crisis mode is on is frozen too.
        # By name (core.lazy): crisis' services are imported when a hook is first called.
        from campaigns.holds import register_hold_provider, register_scheduled_listener
        from core.lazy import lazy_callable
        from moderation.crisis_hooks import crisis_listener_register, crisis_replies_register

        crisis_listener_register(lazy_callable("crisis.hooks.crisis_mode_changed"))
        crisis_replies_register(lazy_callable("crisis.hooks.reply_choices"))
        register_hold_provider(lazy_callable("crisis.hooks.frozen_holds"))
        register_scheduled_listener(lazy_callable("crisis.hooks.deliverable_scheduled_in_crisis"))

from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies")

    def ready(self) -> None:
        # In ready(): .tenancy imports the models, which are not loaded when apps.py is.
        from django.core.signals import request_finished

        from . import checks  # noqa: F401 - registers the deploy checks
        from .rls import apply_policies
        from .tenancy import request_timezone_end

        # Schema infrastructure, not business logic: keep RLS on every tenant table.
        # post_migrate runs after every migration is applied, so all tables exist by then.
        post_migrate.connect(apply_policies, sender=self, dispatch_uid="agencies_rls_policies")
        request_finished.connect(request_timezone_end, dispatch_uid="agencies_timezone_end")

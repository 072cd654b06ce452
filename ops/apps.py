from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class OpsConfig(AppConfig):
    """Observability: request and task logs, Prometheus metrics, optional Sentry."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Importing connects the Celery signal receivers (publish, prerun, postrun, failure).
        from django.core.signals import request_finished

        from . import celery_hooks  # noqa: F401
        from .middleware import context_clear
        from .receivers import connect

        connect()
        request_finished.connect(context_clear, dispatch_uid="ops_context_clear")
        if settings.SENTRY_DSN:
            from .sentry import init_sentry

            init_sentry(
                dsn=settings.SENTRY_DSN,
                environment=settings.SENTRY_ENVIRONMENT,
                release=settings.SENTRY_RELEASE,
                traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
            )

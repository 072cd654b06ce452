from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings


class OpsConfig(AppConfig):
    """Observability: request and task logs, Prometheus metrics, optional Sentry."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # The Celery signal receivers (ops/celery_hooks.py) are connected by config/celery.py,
        # with the app: a process that never queues a task does not import Celery.
        # In ready(): .receivers imports payouts' models, which are loaded only now.
        from django.core.signals import request_finished

        from core.lazy import lazy_callable

        from .receivers import connect

        connect()
        # By name: structlog is imported with the first request's middleware, not at start-up.
        request_finished.connect(
            lazy_callable("ops.middleware.context_clear"), dispatch_uid="ops_context_clear"
        )
        if settings.SENTRY_DSN:
            # Only with a DSN: otherwise sentry_sdk and its integrations are never imported.
            from .sentry import init_sentry

            init_sentry(
                dsn=settings.SENTRY_DSN,
                environment=settings.SENTRY_ENVIRONMENT,
                release=settings.SENTRY_RELEASE,
                traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
            )

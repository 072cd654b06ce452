"""Django's LOGGING for the structured logs of ops/logs.py, without importing structlog.

config/settings.py builds LOGGING here when every process starts; the formatter it names
imports structlog (and ops/logs.py) when it writes its first line, so a process that logs
nothing — `migrate` on an empty database, `check` — does not import it (a tenth of a second
and more of start-up). Nothing here may touch Django settings or models.
"""

from __future__ import annotations

import logging
from typing import Any

LOG_FORMATS = ("json", "console")


class StructuredFormatter(logging.Formatter):
    """structlog's ProcessorFormatter for `log_format` (ops.logs.formatter), built on first use."""

    def __init__(self, log_format: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log_format = log_format
        self._formatter: logging.Formatter | None = None

    def format(self, record: logging.LogRecord) -> str:
        if self._formatter is None:
            # structlog on the first line written, not at start-up (the module docstring).
            from .logs import formatter

            entry = formatter(self.log_format)
            self._formatter = entry.pop("()")(**entry)
        return self._formatter.format(record)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING: every record through the structured formatter, at `level`."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be json or console, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {"()": f"{__name__}.StructuredFormatter", "log_format": log_format}
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # WeasyPrint logs every layout step of every report at INFO; keep its warnings.
            "weasyprint": {"level": "WARNING"},
            "weasyprint.progress": {"level": "WARNING"},
            "fontTools": {"level": "WARNING"},
            # Celery's own "received"/"succeeded in" lines (with arguments, return value):
            # ops.celery_hooks writes one line per task instead. Failures are still logged.
            "celery.app.trace": {"level": "WARNING"},
            "celery.worker.strategy": {"level": "WARNING"},
            # runserver's access line and Django's "Not Found"/"Forbidden" warnings repeat
            # the request line ops.middleware writes; server errors are still logged.
            "django.server": {"level": "WARNING"},
            "django.request": {"level": "ERROR"},
            # httpx logs every request to TikTok at INFO (thousands per sync run, a
            # millisecond each); the connector raises what goes wrong, and its callers log it.
            "httpx": {"level": "WARNING"},
        },
    }

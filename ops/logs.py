"""Structured logs: one configuration for Django, Celery and every `logging` call.

structlog renders both its own events and plain `logging` records, so a line from any library
carries the same context (request id, agency, task) bound in `structlog.contextvars` by the
request middleware and the Celery hooks. `LOG_FORMAT=json` gives one JSON object per line
(production), `console` coloured, aligned lines (development).

config/settings.py builds LOGGING with ops/log_settings.py, whose formatter imports this module
when it writes the first line; nothing here may touch Django settings or models.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import structlog
from django.http import HttpRequest
from structlog.tracebacks import ExceptionDictTransformer

# What an incoming X-Request-ID may be: a proxy's or a client's id, not free text that could
# forge log lines or grow without bound.
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
FILTERED = "[Filtered]"
LEADING_KEYS = ("timestamp", "level", "logger", "event", "request_id")
# URL parameters that are credentials in their own right (an invitation or share-link token,
# allauth's password-reset and e-mail confirmation keys): never written to a log or Sentry.
# The same names are filtered from query strings and data sent to Sentry.
SENSITIVE_NAME_RE = re.compile(
    r"token|key|secret|signature|passw|credential|session|csrf|auth|e?mail|iban|dsn|^sig$|^code$",
    re.I,
)


def request_id_or_new(candidate: str | None) -> str:
    """`candidate` if it is a well-formed request id, else a new one."""
    if candidate and REQUEST_ID_RE.fullmatch(candidate):
        return candidate
    return uuid.uuid4().hex


def safe_path(path: str, url_kwargs: dict[str, Any] | None) -> str:
    """`path` with the value of every credential-like URL parameter (token, key…) replaced."""
    for name, value in (url_kwargs or {}).items():
        if isinstance(value, str) and value and SENSITIVE_NAME_RE.search(name):
            path = path.replace(value, FILTERED)
    return path


def request_repr_replaced(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """Django's own request logs pass the request as `extra`; its repr has the query string,
    which may hold a token. Keep the method and path only."""
    request = event.get("request")
    if isinstance(request, HttpRequest):
        match = request.resolver_match
        event["request"] = f"{request.method} {safe_path(request.path, match and match.kwargs)}"
    return event


def leading_keys_first(_logger: Any, _method: str, event: dict[str, Any]) -> dict[str, Any]:
    """timestamp, level, logger, event and request id first: a line reads like a log line."""
    head = {key: event.pop(key) for key in LEADING_KEYS if key in event}
    return {**head, **event}


SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.stdlib.ExtraAdder(),
    request_repr_replaced,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def formatter(log_format: str) -> dict[str, Any]:
    """The `logging.config` formatter entry for `json` or `console`."""
    if log_format == "json":
        renderer: list[Any] = [
            # Tracebacks as data, without frame variables (they hold personal data).
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            leading_keys_first,
            structlog.processors.JSONRenderer(),
        ]
    elif log_format == "console":
        renderer = [structlog.dev.ConsoleRenderer()]
    else:
        raise ValueError(f"LOG_FORMAT must be json or console, not {log_format!r}")
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "foreign_pre_chain": SHARED_PROCESSORS,
        "processors": [structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
    }


# structlog's own loggers (ops.middleware, ops.celery_hooks) hand their events to the standard
# library, formatted as above; configured when this module is first imported, which those
# modules and the formatter of ops/log_settings.py do before their first line.
structlog.configure(
    processors=[*SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

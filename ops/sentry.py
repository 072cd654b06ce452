"""Optional error reporting to Sentry (`SENTRY_DSN`), with personal data kept out.

sentry-sdk is told not to send personal data (no user, cookies, request bodies or frame
variables), and `scrub_event` goes over every event once more before it leaves: cookies and
credential headers dropped, credential-like keys and query parameters replaced, tokens in URL
paths replaced, e-mail addresses anywhere masked.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sentry_sdk
from django.urls import Resolver404, resolve
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import ignore_logger
from sentry_sdk.transport import Transport

from .logs import FILTERED, SENSITIVE_NAME_RE, safe_path

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_MASK = "[email]"
SUMMARY_LOGGERS = ("talentdesk.request", "talentdesk.task")
DROPPED_HEADERS = frozenset(
    {"cookie", "set-cookie", "authorization", "proxy-authorization", "x-csrftoken", "x-api-key"}
)


def scrub(value: Any, key: str = "") -> Any:
    """`value` with credential-like keys replaced and e-mail addresses masked, recursively."""
    if key and SENSITIVE_NAME_RE.search(key) and value not in (None, "", [], {}):
        return FILTERED
    if isinstance(value, str):
        return EMAIL_RE.sub(EMAIL_MASK, value)
    if isinstance(value, dict):
        return {k: scrub(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    return value


def scrub_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode(
        [(name, FILTERED if SENSITIVE_NAME_RE.search(name) else value) for name, value in pairs],
        safe="[]",
    )


def scrub_url(url: str) -> str:
    """`url` with its query scrubbed and the tokens of its path (invitation, share link,
    password reset) replaced."""
    parts = urlsplit(url)
    try:
        kwargs = resolve(parts.path).kwargs
    except Resolver404:
        kwargs = {}
    return urlunsplit(
        parts._replace(path=safe_path(parts.path, kwargs), query=scrub_query(parts.query))
    )


def scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    request = dict(request)
    request.pop("cookies", None)
    request.pop("data", None)
    headers = request.get("headers") or {}
    request["headers"] = {k: v for k, v in headers.items() if k.lower() not in DROPPED_HEADERS}
    if isinstance(request.get("query_string"), str):
        request["query_string"] = scrub_query(request["query_string"])
    if isinstance(request.get("url"), str):
        request["url"] = scrub_url(request["url"])
    return request


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's before_send (and before_send_transaction)."""
    if isinstance(event.get("request"), dict):
        event["request"] = scrub_request(event["request"])
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        data = crumb.get("data") or {}
        if isinstance(data.get("url"), str):
            data["url"] = scrub_url(data["url"])
    return scrub(event)


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str,
    traces_sample_rate: float,
    transport: type[Transport] | Transport | None = None,
) -> None:
    """Start reporting to `dsn` (`transport` replaces the network, for tests)."""
    # The request and task summary lines are logged at error for a failure the Django and
    # Celery integrations already report with its traceback: not a second event.
    for name in SUMMARY_LOGGERS:
        ignore_logger(name)
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # send_default_pii is left unset, which is off (no user, IP, cookies or credential
        # headers); sentry-sdk 2.7x deprecates passing it in favour of `data_collection`.
        max_request_body_size="never",
        include_local_variables=False,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        transport=transport,
    )

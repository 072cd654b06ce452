"""One log line and the metrics of every request, with the request id bound for every log line
written while it runs (and carried into the tasks it queues, see ops.celery_hooks).

Placed before the other middleware (only the health probes come first), so their redirects
and errors are logged and measured too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from .metrics import REQUEST_LATENCY, RESPONSES, UNRESOLVED_VIEW, method_label

REQUEST_ID_HEADER = "X-Request-ID"


def user_id_of(request: HttpRequest) -> int | None:
    """The signed-in user's id. AuthenticationMiddleware's user has been looked up by then
    (core's DatabaseScopeMiddleware asks for it on every request); a response given
    before it (a static file, an HTTPS redirect) has no user."""
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def context_clear(**_: Any) -> None:
    """request_finished: nothing of this request reaches the next one the thread serves."""
    import structlog.contextvars  # imported already by the middleware that served it

    structlog.contextvars.clear_contextvars()


class RequestObservabilityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        # structlog (with rich, in development) and ops.logs, which configures it, are imported
        # when a process builds its middleware to serve requests, not by every command's
        # system checks, which import each middleware class (about a twentieth of `check`).
        import structlog

        from . import logs

        self.get_response = get_response
        self.logs = logs
        self.context = structlog.contextvars
        self.logger = structlog.get_logger("talentdesk.request")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = self.logs.request_id_or_new(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        started = time.perf_counter()
        # Bound until request_finished (context_clear), not just until the response leaves
        # the middleware: Django still logs an error response after the middleware chain.
        self.context.clear_contextvars()
        self.context.bind_contextvars(request_id=request_id, agency=None)
        response = self.get_response(request)
        self.record(request, response, time.perf_counter() - started)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        slug = view_kwargs.get("agency_slug")
        if slug:
            self.context.bind_contextvars(agency=slug)

    def record(self, request: HttpRequest, response: HttpResponse, seconds: float) -> None:
        match = request.resolver_match
        kwargs: dict[str, Any] = match.kwargs if match else {}
        view = match.view_name if match else None
        method = method_label(request.method or "")
        REQUEST_LATENCY.labels(view=view or UNRESOLVED_VIEW, method=method).observe(seconds)
        RESPONSES.labels(
            view=view or UNRESOLVED_VIEW, method=method, status=str(response.status_code)
        ).inc()
        log = self.logger.error if response.status_code >= 500 else self.logger.info
        log(
            "request",
            agency=kwargs.get("agency_slug"),
            user_id=user_id_of(request),
            method=request.method,
            path=self.logs.safe_path(request.path, kwargs),
            view=view,
            status=response.status_code,
            duration_ms=round(seconds * 1000, 1),
        )

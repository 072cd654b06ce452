"""GET /metrics: the Prometheus exposition, for a scraper holding METRICS_TOKEN."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .metrics import exposition


@transaction.non_atomic_requests  # a scrape reads no database
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """404 while METRICS_TOKEN is unset (the endpoint does not exist), 401 without a bearer
    token, 403 with another one."""
    expected = settings.METRICS_TOKEN
    if not expected:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        response = HttpResponse("Bearer token required.\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        return HttpResponse("Wrong token.\n", status=403, content_type="text/plain")
    body, content_type = exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response

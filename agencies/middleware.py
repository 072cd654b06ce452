from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .rls import request_begin

# Everything is served from our own origin; no inline scripts or styles (templates keep to it).
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
# Swagger UI injects its own inline bootstrap; it is confined to the docs page.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = DOCS_CSP if request.path.startswith("/api/docs") else CSP
            response["Content-Security-Policy"] = policy
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class DatabaseScopeMiddleware:
    """Row-level security for the request (agencies/rls.py): the signed-in user, no agency
    until `agency_view` or the API base resolves one; `request_finished` clears both.
    Placed after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:

        user = getattr(request, "user", None)
        request_begin(user.pk if user is not None and user.is_authenticated else None)
        return self.get_response(request)

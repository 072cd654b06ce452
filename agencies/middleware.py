"""The request's row-level-security scope (agencies/rls.py); the middleware that knows no agency
(control characters, the content security policy) is core/middleware.py."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .rls import request_begin


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

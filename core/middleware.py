"""Middleware at the edge that knows no agency: refuse control characters before any view,
form or query sees them; send every response with the content security policy; start the
request's row-level-security scope with the signed-in user (db_scope.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from .db_scope import request_begin
from .input_text import ControlCharacterError, check_parameters, has_control_character


def _items(query_dict) -> list[tuple[str, str]]:
    return [(key, value) for key, values in query_dict.lists() for value in values]


class ControlCharacterMiddleware:
    """400 for a control character in the path, a query parameter or a POST form field (tab,
    LF and CR allowed there; Django drops them from uploaded file names itself); also for a
    form body that cannot be read at all (`request.POST` raises MultiPartParserError, a 500).

    JSON bodies are checked by the JSON reader (core/request_json.py). The answer is JSON
    under /api/, a page elsewhere. Placed last, so the page has the user, the language and the
    request's database scope of an ordinary page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            if has_control_character(request.path, multiline=False):
                raise ControlCharacterError(
                    _("The address contains a control character, which is not allowed.")
                )
            check_parameters(_items(request.GET), multiline=False)
        except ControlCharacterError as exc:
            return self.refuse(request, str(exc))
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Like CsrfViewMiddleware: a view exempt from CSRF that is not a DRF view (the signed
        # webhook) reads its raw body itself, which parsing it as a form here would consume.
        if request.method != "POST" or (
            getattr(view_func, "csrf_exempt", False) and not hasattr(view_func, "cls")
        ):
            return None
        try:
            check_parameters(_items(request.POST), multiline=True)
        except ControlCharacterError as exc:
            return self.refuse(request, str(exc))
        except MultiPartParserError:
            return self.refuse(request, _("The form data could not be read."))
        return None

    @staticmethod
    def refuse(request: HttpRequest, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return render(request, "errors/400.html", {"message": message}, status=400)


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
    """Row-level security for the request (core/db_scope.py): the signed-in user, no agency
    until `agency_view` or the API base resolves one; `request_finished` clears both.
    Placed after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:

        user = getattr(request, "user", None)
        request_begin(user.pk if user is not None and user.is_authenticated else None)
        return self.get_response(request)

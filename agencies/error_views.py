"""The site's error pages (config/urls.py `handler403/404/500`).

A module of their own: Django's URL check imports the error handlers in every command, and
the agency views module would bring its forms (and Pillow) with it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader


def error_403(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


def error_404(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors on purpose: the error may come from the database.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)

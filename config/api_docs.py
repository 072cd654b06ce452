"""The API schema and its docs page, for signed-in users only (session or API token); the docs
page sends a visitor to the sign-in page.

drf-spectacular's views import `django.test` and Jinja2 with them (about a tenth of the URL
check every command and worker start runs), and only these two pages need them: the views are
built on the first request instead of when the URLs are loaded.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import IsAuthenticated


@cache
def _views() -> tuple:
    from drf_spectacular.views import (  # lazily: see the module docstring
        SpectacularAPIView,
        SpectacularSwaggerView,
    )

    return (
        SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]),
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[IsAuthenticated]),
    )


def schema(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return _views()[0](request, *args, **kwargs)


@login_required
def docs(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return _views()[1](request, *args, **kwargs)

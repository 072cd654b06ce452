"""URL patterns whose views are imported on first use, not when the URLs are loaded.

Every command runs Django's URL check, which loads every URL configuration; with views
imported by the URL modules that meant importing every view and API module and what they
use (DRF, drf-spectacular, the reconciliation engine, the TikTok connector…) for
`manage.py check`, `migrate` and the test runner's start: about 0.5 s of a command's 1.7 s.
A URL module names its views through `views_of` instead:

    from core.lazy_urls import path, views_of

    views = views_of("payouts.views.bank")
    urlpatterns = [path("bank/", views.bank_accounts, name="bank_accounts"),
                   path("api/x/", views.Thing.as_view(), name="thing")]

The view is imported when a request first resolves to it, or when reversing a URL first
reads every pattern (Django's reverse index is keyed by the views themselves). Web processes
load them all as they start (`views_load`, called by config/wsgi.py and config/asgi.py), so
a server answers its first request as fast as any, and a misspelt view fails at start;
`tests/core/test_lazy_urls.py` loads every pattern of the URL configuration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cached_property
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.core.checks import Error
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls import path as django_path
from django.urls.resolvers import RoutePattern


class ViewRef:
    """A view by module and name (and `as_view` arguments for a class), not yet imported."""

    __slots__ = ("initkwargs", "module", "name")

    def __init__(self, module: str, name: str, initkwargs: dict[str, Any] | None = None):
        self.module, self.name, self.initkwargs = module, name, initkwargs

    def as_view(self, **initkwargs: Any) -> ViewRef:
        """The class-based view's `as_view(**initkwargs)`, when it is loaded."""
        return ViewRef(self.module, self.name, initkwargs)

    def load(self) -> Callable:
        view = getattr(import_module(self.module), self.name)
        if self.initkwargs is not None:
            return view.as_view(**self.initkwargs)
        if isinstance(view, type):
            raise TypeError(f"{self}: a class-based view needs .as_view()")
        return view

    def __repr__(self) -> str:
        return f"{self.module}.{self.name}" + ("" if self.initkwargs is None else ".as_view()")


class ViewModule:
    """`views_of("app.views").name` is `ViewRef("app.views", "name")`."""

    __slots__ = ("_module",)

    def __init__(self, module: str):
        self._module = module

    def __getattr__(self, name: str) -> ViewRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return ViewRef(self._module, name)


def views_of(module: str) -> ViewModule:
    """The views of `module` (a dotted path), for `path`, imported on first use."""
    return ViewModule(module)


def view_named(dotted: str) -> ViewRef:
    """One view by its dotted path (`"cockpit.views.home"`), e.g. from a setting."""
    module, _, name = dotted.rpartition(".")
    return ViewRef(module, name)


class LazyURLPattern(URLPattern):
    """A URL pattern whose `callback` is imported when first read."""

    def __init__(self, pattern, view: ViewRef, default_args=None, name=None):
        # Not URLPattern.__init__: it would assign `callback`, the property below.
        self.pattern = pattern
        self.view = view
        self.default_args = default_args or {}
        self.name = name

    @cached_property
    def callback(self) -> Callable:
        return self.view.load()

    @property
    def loaded(self) -> bool:
        return "callback" in self.__dict__

    def _check_callback(self) -> list[Error]:
        # Django's check here (urls.E009, a class without .as_view()) would import the view;
        # `ViewRef.load` refuses that mistake itself. The module must at least exist.
        if self.loaded:
            return super()._check_callback()
        if find_spec(self.view.module) is None:
            return [
                Error(
                    f"The URL pattern {self.pattern.describe()} names a view in a module "
                    f"that does not exist: {self.view!r}.",
                    id="core.E101",
                )
            ]
        return []


def path(route: str, view: Any, kwargs: dict[str, Any] | None = None, name: str | None = None):
    """Django's `path`, also taking a `ViewRef` (imported on first use)."""
    if not isinstance(view, ViewRef):
        return django_path(route, view, kwargs, name)
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"kwargs argument must be a dict, but got {type(kwargs).__name__}.")
    return LazyURLPattern(RoutePattern(route, name=name, is_endpoint=True), view, kwargs, name)


def url_patterns(resolver: URLResolver | None = None) -> Iterator[URLPattern]:
    """Every endpoint pattern of the URL configuration, depth first."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern)
        else:
            yield pattern


def views_load() -> int:
    """Import every lazily named view now (a web process, as it starts); returns how many."""
    loaded = 0
    for pattern in url_patterns():
        if isinstance(pattern, LazyURLPattern) and not pattern.loaded:
            pattern.callback  # noqa: B018 - the import is the point
            loaded += 1
    return loaded

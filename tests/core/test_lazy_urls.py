"""Views named by the URL modules and imported on first use (core/lazy_urls.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error
from django.urls import resolve, reverse
from django.urls.resolvers import RoutePattern
from rest_framework.views import APIView

from core.lazy_urls import LazyURLPattern, ViewRef, path, url_patterns, views_load, views_of

ROOT = Path(__file__).resolve().parents[2]

# Modules a command must not import just to run the system checks: the views and APIs, what
# the template tag libraries used to bring (the Celery app, the TikTok connector) and the
# request middleware's structlog. Not Pillow: an ImageField's own check imports it.
NOT_FOR_CHECK = [
    "agencies.views",
    "creators.api",
    "campaigns.portal_views",
    "payouts.views.bank",
    "payouts.api",
    "moderation.views",
    "reports.views",
    "cockpit.views",
    "payouts.reconciliation.runs",
    "config.celery",
    "platforms.connectors.tiktok",
    "structlog",
]


def _in_new_process(code: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_manage_check_imports_no_view_module():
    found = _in_new_process(
        "import json, sys, django; django.setup(); "
        "from django.core.management import call_command; call_command('check', verbosity=0); "
        f"print(json.dumps({{m: m in sys.modules for m in {NOT_FOR_CHECK!r}}}))"
    )
    assert found == dict.fromkeys(NOT_FOR_CHECK, False)


def test_a_web_process_loads_every_view_as_it_starts():
    found = _in_new_process(
        "import json, sys; import config.wsgi; "
        "from core.lazy_urls import LazyURLPattern, url_patterns; "
        "lazy = [p for p in url_patterns() if isinstance(p, LazyURLPattern)]; "
        "print(json.dumps({'lazy': len(lazy), 'loaded': sum(p.loaded for p in lazy), "
        "'views': 'payouts.views.bank' in sys.modules}))"
    )
    assert found["lazy"] > 200
    assert found["loaded"] == found["lazy"]
    assert found["views"]


def test_every_url_pattern_names_a_view_that_exists():
    views_load()
    patterns = list(url_patterns())
    assert sum(isinstance(p, LazyURLPattern) for p in patterns) > 200
    for pattern in patterns:
        assert callable(pattern.callback), pattern
        assert not isinstance(pattern.callback, type), pattern


def test_a_lazy_pattern_resolves_to_the_real_view():
    # Middleware reads the view's own attributes (DRF's csrf_exempt and `cls`): the
    # resolver hands out the imported view, not a stand-in.
    match = resolve(reverse("api:creator-list", kwargs={"agency_slug": "any"}))
    assert issubclass(match.func.cls, APIView)
    assert match.func.csrf_exempt
    assert match._func_path == "creators.api.CreatorList"
    page = resolve(reverse("payouts:bank_accounts", kwargs={"agency_slug": "any"}))
    assert page._func_path == "payouts.views.bank.bank_accounts"


def test_a_class_named_without_as_view_is_refused_when_loaded():
    ref = views_of("creators.api").CreatorList
    with pytest.raises(TypeError, match=r"creators\.api\.CreatorList: .*as_view"):
        ref.load()
    assert ref.as_view().load().cls.__name__ == "CreatorList"


def test_a_misspelt_view_fails_when_loaded():
    with pytest.raises(AttributeError, match="no_such_view"):
        views_of("payouts.views.bank").no_such_view.load()


def test_the_check_names_a_module_that_does_not_exist():
    missing = path("x/", views_of("payouts.views.nowhere").index, name="x")
    assert isinstance(missing, LazyURLPattern)
    [error] = missing.check()
    assert isinstance(error, Error)
    assert error.id == "core.E101"
    assert "payouts.views.nowhere.index" in error.msg
    assert path("y/", views_of("payouts.views.bank").bank_accounts, name="y").check() == []


def test_path_keeps_djangos_rules():
    with pytest.raises(TypeError, match="kwargs argument must be a dict, but got list"):
        path("x/", views_of("payouts.views.bank").bank_accounts, ["fmt"])
    plain = path("z/", lambda request: None, name="z")
    assert not isinstance(plain, LazyURLPattern)
    assert isinstance(LazyURLPattern(RoutePattern("w/"), ViewRef("m", "v")).pattern, RoutePattern)


def test_the_reconciliation_package_exports_its_services_on_demand():
    found = _in_new_process(
        "import json, sys, django; django.setup(); import payouts.reconciliation as r; "
        "before = 'payouts.reconciliation.runs' in sys.modules; "
        "from payouts.reconciliation import reconcile, match_manual; "
        "print(json.dumps([before, 'payouts.reconciliation.runs' in sys.modules, "
        "reconcile.__module__, match_manual.__module__, sorted(r.__all__) == r.__all__]))"
    )
    assert found == [
        False,
        True,
        "payouts.reconciliation.runs",
        "payouts.reconciliation.decisions",
        True,
    ]
    import payouts.reconciliation

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        payouts.reconciliation.nothing  # noqa: B018

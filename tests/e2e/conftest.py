"""Browser tests: real Chromium (headless) against pytest-django's live server.

We drive the Debian `chromium` binary through the pip `playwright` package and never run
`playwright install`, so the suite works offline. Without Chromium the journeys are skipped
on a workstation with a clear reason, but fail under CI (env `CI` set): CI must run them.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop in this thread; Django would then refuse
# ORM calls from the test body ("async context"). The test thread never runs coroutines itself.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Generous enough for a loaded 2-core CI machine; a journey that waits this long has failed.
TIMEOUT_MS = 15_000
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"Browser tests must run in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason} (browser journeys run in CI; see README)")


def pytest_collection_modifyitems(items):
    # Everything in this directory is a browser journey.
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test so the `page` fixture can tell a failure.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


class _SerialStaticFilesHandler:
    """Wraps the live server's WSGI app so one request runs at a time.

    On SQLite the test database lives in memory, and the server's request threads share the
    test thread's single connection; two requests at once (htmx while typing, a stylesheet)
    would then trip over each other's transactions ("database table is locked").
    """

    _lock = threading.Lock()

    def __init__(self, static_handler_class):
        self._static_handler_class = static_handler_class

    def __call__(self, application):
        inner = self._static_handler_class(application)
        lock = self._lock

        def serial(environ, start_response):
            with lock:
                return inner(environ, start_response)

        return serial


@pytest.fixture(scope="session")
def live_server(request, django_db_setup):
    """pytest-django's live server, serialised when it shares an in-memory SQLite database.

    It starts after the test database exists, so it shares the test database's connection
    (started earlier, its request threads would open their own and lock each other out).
    """
    from pytest_django.live_server_helper import LiveServer

    addr = request.config.getvalue("liveserver") or os.getenv(
        "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"
    )
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        server.thread.static_handler = _SerialStaticFilesHandler(server.thread.static_handler)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:
        playwright.stop()
        _unavailable(f"Chromium at {CHROMIUM} did not start: {exc}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(request, browser, transactional_db, live_server):
    """A fresh browser context (no cookies) on the live server; screenshot on failure."""
    # English UI: LocaleMiddleware reads the browser's Accept-Language.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
            (RESULTS_DIR / f"{name}.html").write_text(page.content(), encoding="utf-8")
        except Exception:  # noqa: S110 - a failed screenshot must not hide the real failure
            pass
    context.close()


@pytest.fixture
def sign_in(page):
    """Sign in through the real allauth form; returns the page on the landing URL."""
    from tests.factories import PASSWORD

    def _sign_in(user, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label(re.compile("e-?mail", re.I)).fill(user.email)
        page.get_by_label(re.compile("password", re.I)).fill(password)
        page.get_by_role("button", name=re.compile("sign in", re.I)).click()
        page.wait_for_load_state()
        return page

    return _sign_in

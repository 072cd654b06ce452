"""Regenerate the README's screenshots from the demo: `make screenshots`.

Starts nothing itself: `make screenshots` serves the seeded demo (SQLite, like `make run`) on a
spare port, and this script signs in as the demo owner in headless Debian Chromium (the pip
`playwright` package drives /usr/bin/chromium or CHROMIUM_PATH; no browser download) and
writes docs/cockpit.png (the agency home) and docs/campaign-dashboard.png (GLOW-26).

    python docs/screenshots.py http://127.0.0.1:8719
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
LOGIN = "owner@northstar.test"
PASSWORD = "talentdesk-demo"  # noqa: S105 - the demo's published password (creators/demo.py)
WIDTH, HEIGHT = 1440, 1000


def main(base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        page = browser.new_page(base_url=base, viewport={"width": WIDTH, "height": HEIGHT})
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(LOGIN)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        if "/accounts/login/" in page.url:
            raise SystemExit(f"{LOGIN} could not sign in at {base}: is the demo seeded?")

        page.goto("/")  # the owner's agency home: the cockpit
        page.wait_for_load_state("networkidle")
        page.screenshot(path=DOCS / "cockpit.png")

        page.goto("/a/northstar/campaigns/")
        page.get_by_role("link", name="GLOW-26", exact=True).first.click()
        page.wait_for_load_state("networkidle")
        # The figures and the first charts: the top 1,800 px of the page.
        page.screenshot(
            path=DOCS / "campaign-dashboard.png",
            full_page=True,
            clip={"x": 0, "y": 0, "width": WIDTH, "height": 1800},
        )
        browser.close()
    print(f"wrote {DOCS / 'cockpit.png'} and {DOCS / 'campaign-dashboard.png'}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")

"""axe-core finds no serious or critical accessibility violation on the main screens.

axe-core is shipped with the tests (tests/e2e/vendor/axe.min.js, MPL-2.0, from the npm
package axe-core) and evaluated in the page through the DevTools protocol, so nothing is
fetched and the page's Content-Security-Policy stays as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .demo_screens import WIDTHS, by_role, screens, seed_demo, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' +
                                                   (n.failureSummary || '').split('\\n')[1])}));
}"""


def violations(page) -> list[dict]:
    page.evaluate(AXE)
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_main_screens_have_no_serious_accessibility_violations(browser, live_server, width):
    agency = seed_demo()
    found = []
    for role, items in by_role(screens(agency)).items():
        context, page = signed_in_context(browser, live_server, role, width)
        try:
            for screen in items:
                response = page.goto(screen.url)
                assert response is not None and response.ok, (screen, response and response.status)
                for v in violations(page):
                    found.append(
                        f"{screen.role} {screen.name}: [{v['impact']}] {v['id']} ({v['help']})\n"
                        + "\n".join(f"      {n}" for n in v["nodes"])
                    )
        finally:
            context.close()
    assert not found, "axe-core violations:\n" + "\n".join(found)


def test_axe_catches_a_real_violation(page, live_server):
    """The check can fail: an image without a text alternative is reported as critical."""
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const i = document.createElement('img'); i.src = '/static/favicon.svg';"
        " document.querySelector('main').appendChild(i); }"
    )
    assert "image-alt" in {v["id"] for v in violations(page)}

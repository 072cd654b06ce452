"""Every main screen fits its window: nothing scrolls sideways at 1440 px or at 390 px.

Wide content (tables, charts) scrolls inside its own card; the page itself never does. The
header keeps to one row at 390 px, its navigation folded into a menu.
"""

from __future__ import annotations

import pytest

from .demo_screens import WIDTHS, by_role, screens, seed_demo, signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page's own width beyond the window, and the widest element that sticks out (for the
# failure message: it names the culprit).
OVERFLOW = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit + 1) continue;
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o !== 'visible') { clipped = true; break; }
    }
    if (clipped) continue;
    if (!widest || r.right > widest.right) {
      widest = {right: Math.round(r.right), what: el.tagName.toLowerCase() +
        (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ?
        '.' + el.className.trim().split(/\\s+/).join('.') : '')};
    }
  }
  return {scroll: root.scrollWidth, window: limit, widest};
}"""


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_no_main_screen_scrolls_sideways(browser, live_server, width):
    agency = seed_demo()
    too_wide = []
    for role, items in by_role(screens(agency)).items():
        context, page = signed_in_context(browser, live_server, role, width)
        try:
            for screen in items:
                response = page.goto(screen.url)
                assert response is not None and response.ok, (screen, response and response.status)
                page.wait_for_load_state("load")
                found = page.evaluate(OVERFLOW)
                if found["scroll"] > found["window"]:
                    too_wide.append(
                        f"{screen.role} {screen.name} ({screen.url}): {found['scroll']} px in a "
                        f"{found['window']} px window, widest {found['widest']}"
                    )
        finally:
            context.close()
    assert not too_wide, "Screens wider than the window:\n" + "\n".join(too_wide)


def test_the_header_fits_one_row_on_a_phone_with_the_menu_folded(browser, live_server):
    seed_demo()
    from agencies.roles import Role

    context, page = signed_in_context(browser, live_server, Role.OWNER, WIDTHS["phone"])
    try:
        header = page.locator("header.topbar")
        assert header.bounding_box()["height"] <= 64
        nav = page.locator("nav.mainnav")
        assert not nav.is_visible()
        page.locator("[data-testid=nav-toggle]").click()
        assert nav.is_visible()
        assert nav.get_by_role("link", name="Creators").is_visible()
        box = nav.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS["phone"]
    finally:
        context.close()


@pytest.mark.parametrize("width", [1100, 1200, 1440])
def test_the_navigation_never_runs_under_the_header_end_in_dutch(browser, live_server, width):
    """Dutch labels are longer: the links either fit beside the language and user menus or
    fold into the menu button, never overlap them."""
    seed_demo()
    from agencies.roles import Role

    context, page = signed_in_context(browser, live_server, Role.OWNER, width)
    try:
        with page.expect_navigation():  # the language form submits itself (app.js)
            page.locator("#lang-select").select_option("nl")
        assert page.locator("html").get_attribute("lang") == "nl"
        nav = page.locator("nav.mainnav")
        end = page.locator(".topbar-end").bounding_box()
        if nav.is_visible():
            last = nav.locator("a").last.bounding_box()
            assert last["x"] + last["width"] <= end["x"], "a link runs under the header's end"
        else:
            page.locator("[data-testid=nav-toggle]").click()
            assert nav.get_by_role("link", name="Uitbetalingen").is_visible()
        assert page.locator("header.topbar").bounding_box()["height"] <= 64
    finally:
        context.close()

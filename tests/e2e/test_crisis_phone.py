"""Crisis on a phone: the owner starts crisis mode from the review queue, and every crisis
page (frozen deliverables, the reply library, the drills) fits a 390 px window with no
serious or critical accessibility violation (axe-core)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role
from crisis.models import Drill

from .demo_screens import WIDTHS, seed_demo, signed_in_context
from .test_a11y_axe import violations
from .test_layout_overflow import OVERFLOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_crisis_pages_fit_a_phone(browser, live_server):
    agency = seed_demo()
    drill = Drill.objects.filter(agency=agency).first()
    assert drill is not None, "the demo has a past drill"
    pages = [
        reverse("crisis:index", args=[agency.slug]),
        reverse("crisis:replies", args=[agency.slug]),
        reverse("crisis:drills", args=[agency.slug]),
        reverse("crisis:drill", args=[agency.slug, drill.pk]),
        reverse("crisis:drill-create", args=[agency.slug]),
    ]
    context, page = signed_in_context(browser, live_server, Role.OWNER, WIDTHS["phone"])
    too_wide: list[str] = []
    a11y: list[str] = []
    try:
        page.goto(reverse("moderation:queue", args=[agency.slug]))
        page.get_by_role("button", name="Start crisis mode").click()
        page.wait_for_load_state()
        for url in pages:
            response = page.goto(url)
            assert response is not None and response.ok, url
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["window"]:
                too_wide.append(f"{url}: {found['scroll']} px, widest {found['widest']}")
            a11y += [f"{url}: [{v['impact']}] {v['id']} {v['nodes']}" for v in violations(page)]
        page.goto(pages[0])
        crisis_badge = page.locator("[data-testid=crisis-on]").is_visible()
    finally:
        context.close()

    assert crisis_badge
    assert not too_wide, "\n".join(too_wide)
    assert not a11y, "\n".join(a11y)

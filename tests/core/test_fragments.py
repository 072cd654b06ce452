"""`{% fragment %}` (core/templatetags/ui.py): the main navigation rendered once per agency
slug, role, page and language, and reused. What a page shows must be what rendering the
navigation afresh shows, for every role, page and language."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from agencies.roles import Role
from core.templatetags import ui
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db

PAGES = ["agencies:dashboard", "creators:list", "campaigns:list", "moderation:queue"]


def _nav(response) -> str:
    match = re.search(r'<nav class="mainnav".*?</nav>', response.content.decode(), re.S)
    assert match, response.content[:500]
    return match.group(0)


def _fresh(client, url: str, **headers) -> str:
    with override_settings(DEBUG=True):  # rendered without the memo
        return _nav(client.get(url, headers=headers))


@pytest.mark.parametrize(
    "role", [Role.OWNER, Role.MANAGER, Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR]
)
def test_every_role_sees_the_navigation_a_fresh_render_draws(agency, role):
    ui.fragments_forget()
    client = client_for(member(agency, role))
    seen = set()
    for name in PAGES:
        url = reverse(name, args=[agency.slug])
        response = client.get(url)
        if response.status_code != 200:  # a page this role may not open
            continue
        remembered = _nav(response)
        assert remembered == _nav(client.get(url)) == _fresh(client, url)
        seen.add(remembered)
    assert seen  # every role opens at least its dashboard


def test_the_current_page_and_the_role_are_part_of_the_key(agency):
    ui.fragments_forget()
    owner, finance = (
        client_for(member(agency, Role.OWNER)),
        client_for(member(agency, Role.FINANCE)),
    )
    dashboard = reverse("agencies:dashboard", args=[agency.slug])
    roster = reverse("creators:list", args=[agency.slug])
    on_dashboard, on_roster = _nav(owner.get(dashboard)), _nav(owner.get(roster))
    assert on_dashboard != on_roster
    assert f'href="{roster}" aria-current="page"' in on_roster
    # Finance has no moderation link; the owner's remembered navigation is not reused.
    moderation = reverse("moderation:queue", args=[agency.slug])
    assert moderation in on_dashboard
    assert moderation not in _nav(finance.get(dashboard))


def test_each_language_has_its_own(agency):
    ui.fragments_forget()
    client = client_for(member(agency, Role.OWNER))
    url = reverse("agencies:dashboard", args=[agency.slug])
    english = _nav(client.get(url, headers={"accept-language": "en"}))
    dutch = _nav(client.get(url, headers={"accept-language": "nl"}))
    assert "Creators" in english and "Campaigns" in english
    assert english != dutch and "Campagnes" in dutch
    assert dutch == _fresh(client, url, **{"accept-language": "nl"})
    assert english == _fresh(client, url, **{"accept-language": "en"})


# --- the agency switcher and the user menu ---------------------------------------------------


def _part(response, pattern: str) -> str:
    match = re.search(pattern, response.content.decode(), re.S)
    assert match, response.content[:500]
    return match.group(0)


SWITCHER = (
    r'<details class="menu agency-switcher".*?</details>|<span class="agency-name">.*?</span>'
)
USER_MENU = r'<details class="menu user-menu">.*?</form>'


@pytest.mark.parametrize("pattern", [SWITCHER, USER_MENU], ids=["switcher", "user menu"])
@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.FINANCE])
def test_the_switcher_and_the_user_menu_are_what_a_fresh_render_draws(
    agency, other_agency, role, pattern
):
    ui.fragments_forget()
    user = member(agency, role)
    client = client_for(user)
    for name in PAGES:
        url = reverse(name, args=[agency.slug])
        if client.get(url).status_code != 200:
            continue
        remembered = _part(client.get(url), pattern)
        with override_settings(DEBUG=True):
            fresh = _part(client.get(url), pattern)
        # The logout form's CSRF token is masked anew on every page.
        token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
        assert token.sub("", remembered) == token.sub("", fresh)


def test_what_the_switcher_and_the_menu_show_is_part_of_their_key(agency, other_agency):
    ui.fragments_forget()
    owner = member(agency, Role.OWNER)
    client = client_for(owner)
    url = reverse("agencies:dashboard", args=[agency.slug])

    def shown() -> tuple[str, str]:
        page = client.get(url)
        return _part(page, SWITCHER), _part(page, USER_MENU)

    switcher, menu = shown()
    assert "Rival Creators" not in switcher and reverse("staff:agencies") not in menu

    # One change at a time, each seen at once.
    joined = owner.memberships.create(agency=other_agency, role=Role.FINANCE)
    assert "Rival Creators" in shown()[0]
    agency.name = "Acme Renamed"
    agency.save(update_fields=["name"])
    assert "Acme Renamed" in shown()[0]
    joined.delete()
    assert "Rival Creators" not in shown()[0]
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    assert reverse("staff:agencies") in shown()[1]
    owner.email = "new.address@acme.test"
    owner.save(update_fields=["email"])
    assert "new.address@acme.test" in shown()[1]

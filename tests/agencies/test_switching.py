"""Members of several agencies switch between them with the switcher in the top bar."""

from __future__ import annotations

import re

from django.urls import reverse

from agencies.models import Membership
from agencies.roles import Role
from tests.factories import AgencyFactory, MembershipFactory
from tests.helpers import client_for, member


def _switcher(response) -> str:
    match = re.search(
        r'<details class="menu agency-switcher".*?</details>', response.content.decode(), re.S
    )
    assert match, "no agency switcher on the page"
    return match.group(0)


def test_the_switcher_lists_every_agency_of_the_user_and_marks_the_current_one(
    agency, other_agency
):
    user = member(agency, Role.MANAGER)
    MembershipFactory(user=user, agency=other_agency, role=Role.FINANCE)
    AgencyFactory(name="Not Mine", slug="not-mine")

    switcher = _switcher(client_for(user).get(reverse("agencies:dashboard", args=["acme"])))

    assert "<summary>Acme Talent</summary>" in switcher
    links = re.findall(r'<a href="([^"]+)"([^>]*)>([^<]+)<small>([^<]+)</small>', switcher)
    assert [(href, name.strip(), role) for href, _attrs, name, role in links] == [
        (reverse("agencies:dashboard", args=["acme"]), "Acme Talent", "Account manager"),
        (reverse("agencies:dashboard", args=["rival"]), "Rival Creators", "Finance"),
    ]
    assert 'aria-current="true"' in links[0][1]
    assert 'aria-current="true"' not in links[1][1]
    assert "Not Mine" not in switcher


def test_switching_shows_the_other_agency_with_the_role_held_there(agency, other_agency):
    user = member(agency, Role.MANAGER)
    MembershipFactory(user=user, agency=other_agency, role=Role.OWNER)
    client = client_for(user)

    response = client.get(reverse("agencies:dashboard", args=["rival"]))

    assert response.context["current_agency"] == other_agency
    assert response.context["current_role"] == Role.OWNER
    assert "<summary>Rival Creators</summary>" in _switcher(response)
    # The owner pages of the other agency open there, but not in the agency held as manager.
    assert client.get(reverse("agencies:members", args=["rival"])).status_code == 200
    assert client.get(reverse("agencies:members", args=["acme"])).status_code == 403


def test_a_member_of_one_agency_gets_no_switcher(manager_client, agency):
    response = manager_client.get(reverse("agencies:dashboard", args=[agency.slug]))
    assert 'data-testid="agency-switcher"' not in response.content.decode()


def test_an_owner_of_one_agency_gets_the_switcher_to_start_another(owner_client, agency):
    switcher = _switcher(owner_client.get(reverse("agencies:dashboard", args=[agency.slug])))

    assert f'href="{reverse("agencies:agency-create", args=[agency.slug])}"' in switcher
    assert "New agency…" in switcher


def test_the_switcher_offers_a_new_agency_only_where_the_user_is_owner(agency, other_agency):
    user = member(agency, Role.MANAGER)
    MembershipFactory(user=user, agency=other_agency, role=Role.OWNER)
    client = client_for(user)

    as_manager = _switcher(client.get(reverse("agencies:dashboard", args=["acme"])))
    as_owner = _switcher(client.get(reverse("agencies:dashboard", args=["rival"])))

    assert "New agency…" not in as_manager
    assert reverse("agencies:agency-create", args=["rival"]) in as_owner


def test_switching_to_an_agency_one_does_not_belong_to_is_a_404(owner_client, other_agency):
    response = owner_client.get(reverse("agencies:dashboard", args=[other_agency.slug]))
    assert response.status_code == 404


def test_the_switcher_lists_agencies_by_name_as_the_orm_would_load_them(agency):
    # agencies.tenancy reads the memberships by SQL it writes once (core/model_rows.py): the
    # same rows, order and field values as the ORM's query.
    user = member(agency, Role.MANAGER)
    zeta = AgencyFactory(name="Zeta Media", slug="zeta", business_days=[1, 3])
    MembershipFactory(user=user, agency=zeta, role=Role.FINANCE)
    MembershipFactory(user=user, agency=AgencyFactory(name="Alpha Talent", slug="alpha"))

    response = client_for(user).get(reverse("agencies:dashboard", args=["zeta"]))

    shown = list(response.context["user_memberships"])
    expected = list(
        Membership.objects.filter(user=user).select_related("agency").order_by("agency__name")
    )
    assert [m.agency.name for m in shown] == ["Acme Talent", "Alpha Talent", "Zeta Media"]
    for got, want in zip(shown, expected, strict=True):
        for obj, orm in [(got, want), (got.agency, want.agency)]:
            fields = type(orm)._meta.concrete_fields
            assert [getattr(obj, f.attname) for f in fields] == [
                getattr(orm, f.attname) for f in fields
            ]
    assert response.context["current_agency"].business_days == [1, 3]

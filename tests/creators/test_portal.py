"""The creator portal: a creator sees their own profile and never anyone else's."""

from __future__ import annotations

from django.urls import reverse

from agencies.models import Membership
from agencies.roles import Role
from creators.models import Creator
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import client_for, member


def _profile(client, agency):
    return client.get(reverse("portal:profile", args=[agency.slug]))


def test_a_creator_sees_their_own_profile_and_accounts(creator_client, creator_user, agency):
    own = Creator.objects.get(user=creator_user)
    SocialAccountFactory(creator=own, handle="myownhandle", followers=12_345)

    response = _profile(creator_client, agency)

    assert response.status_code == 200
    assert response.context["creator"] == own
    assert b"@myownhandle" in response.content
    assert b"12,345" in response.content


def test_another_creators_data_never_shows(creator_client, agency):
    other = CreatorFactory(
        agency=agency, display_name="Someone Else", email="someone@example.com", notes="secret"
    )
    SocialAccountFactory(creator=other, handle="someoneshandle")

    response = _profile(creator_client, agency)

    body = response.content.decode()
    for text in ("Someone Else", "someone@example.com", "someoneshandle"):
        assert text not in body


def test_internal_notes_are_not_shown_to_the_creator(creator_client, creator_user, agency):
    own = Creator.objects.get(user=creator_user)
    own.notes = "Internal: difficult to reach"
    own.save()

    response = _profile(creator_client, agency)

    assert b"difficult to reach" not in response.content


def test_the_portal_has_its_own_navigation(creator_client, agency):
    response = _profile(creator_client, agency)

    body = response.content.decode()
    assert "My profile" in body
    assert reverse("creators:list", args=[agency.slug]) not in body


def test_a_creator_member_without_a_profile_gets_404(agency):
    login = member(agency, Role.CREATOR)
    Creator.objects.filter(user=login).delete()

    assert _profile(client_for(login), agency).status_code == 404


def test_a_creator_of_two_agencies_sees_the_profile_of_the_agency_in_the_url(agency, other_agency):
    login = member(agency, Role.CREATOR)
    Membership.objects.create(user=login, agency=other_agency, role=Role.CREATOR)
    theirs = CreatorFactory(agency=other_agency, user=login, display_name="Rival Profile")
    client = client_for(login)

    ours = _profile(client, agency)
    other = _profile(client, other_agency)

    assert b"Rival Profile" not in ours.content
    assert other.context["creator"] == theirs


def test_staff_cannot_open_the_portal(manager_client, agency):
    assert _profile(manager_client, agency).status_code == 403

"""The team page: roles, removals, open invitations; never an agency without an owner."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from agencies.models import ApiToken, AuditLog, Invitation, Membership
from agencies.roles import Role
from agencies.tokens import api_token_create
from tests.agencies.support import invite, scoping_queries
from tests.factories import CreatorFactory, MembershipFactory
from tests.helpers import client_for, member


def _members_url(agency) -> str:
    return reverse("agencies:members", args=[agency.slug])


def _membership(user, agency) -> Membership:
    return Membership.objects.get(user=user, agency=agency)


def _role_url(membership) -> str:
    return reverse("agencies:member-role", args=[membership.agency.slug, membership.pk])


def _remove_url(membership) -> str:
    return reverse("agencies:member-remove", args=[membership.agency.slug, membership.pk])


def test_the_team_page_lists_members_with_role_two_factor_and_roster_entry(
    owner_client, owner, manager, creator_user, agency
):
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={})

    response = owner_client.get(_members_url(agency))

    assert response.status_code == 200
    rows = {m.user.email: m for m in response.context["members"]}
    assert set(rows) == {"owner@acme.test", "manager@acme.test", "creator@acme.test"}
    assert rows["manager@acme.test"].has_mfa is True
    assert rows["owner@acme.test"].has_mfa is False
    assert (
        rows["creator@acme.test"].creator_name == creator_user.creator_profiles.get().display_name
    )
    assert b'hx-post="' + _role_url(_membership(manager, agency)).encode() in response.content


def test_another_agencys_members_are_not_listed(owner_client, agency, outsider):
    response = owner_client.get(_members_url(agency))
    assert b"owner@rival.test" not in response.content


def test_the_owner_changes_a_role_and_it_is_audited(owner_client, owner, manager, agency):
    membership = _membership(manager, agency)

    response = owner_client.post(_role_url(membership), {"role": Role.FINANCE})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.FINANCE
    entry = AuditLog.objects.get(action="membership.set_role")
    assert entry.actor == owner
    assert entry.object_id == str(membership.pk)
    assert (entry.before, entry.after) == ({"role": "manager"}, {"role": "finance"})


def test_an_htmx_role_change_answers_with_the_updated_row(owner_client, manager, agency):
    membership = _membership(manager, agency)

    response = owner_client.post(
        _role_url(membership), {"role": Role.COMMUNITY_MANAGER}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert response.templates[0].name == "agencies/_member_row.html"
    assert f'id="member-{membership.pk}"'.encode() in response.content
    assert b'value="community_manager" selected' in response.content
    assert b"Saved." in response.content


@pytest.mark.parametrize("role", ["superuser", "", "OWNER"])
def test_an_invalid_role_is_refused(owner_client, manager, agency, role):
    membership = _membership(manager, agency)

    response = owner_client.post(_role_url(membership), {"role": role}, HTTP_HX_REQUEST="true")

    assert b"Choose a valid role." in response.content
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert not AuditLog.objects.filter(action="membership.set_role").exists()


def test_the_last_owner_cannot_step_down(owner_client, owner, agency):
    membership = _membership(owner, agency)

    response = owner_client.post(_role_url(membership), {"role": Role.MANAGER}, follow=True)

    assert "needs at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert not AuditLog.objects.filter(action="membership.set_role").exists()


def test_the_last_owner_sees_the_error_in_the_row_with_htmx(owner_client, owner, agency):
    response = owner_client.post(
        _role_url(_membership(owner, agency)), {"role": Role.FINANCE}, HTTP_HX_REQUEST="true"
    )
    assert b'role="alert"' in response.content
    assert b"needs at least one owner" in response.content


def test_an_owner_can_step_down_when_another_owner_remains(owner_client, owner, agency):
    member(agency, Role.OWNER, email="second-owner@acme.test")

    owner_client.post(_role_url(_membership(owner, agency)), {"role": Role.MANAGER})

    assert _membership(owner, agency).role == Role.MANAGER


def test_the_owner_removes_a_member_whose_tokens_stop_working(owner_client, owner, manager, agency):
    membership = _membership(manager, agency)
    api_token_create(membership=membership, name="script", actor=manager)

    response = owner_client.post(_remove_url(membership))

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not ApiToken.objects.filter(membership_id=membership.pk).exists()
    entry = AuditLog.objects.get(action="membership.remove")
    assert entry.actor == owner
    assert entry.before == {"user": "manager@acme.test", "role": "manager"}
    assert (
        client_for(manager).get(reverse("agencies:dashboard", args=[agency.slug])).status_code
        == 404
    )


def test_removing_a_creator_unlinks_their_roster_entry(owner_client, creator_user, agency):
    roster_entry = creator_user.creator_profiles.get()

    owner_client.post(_remove_url(_membership(creator_user, agency)))

    roster_entry.refresh_from_db()
    assert roster_entry.user is None
    assert AuditLog.objects.filter(
        action="creator.unlink_login", object_id=str(roster_entry.pk)
    ).exists()


def test_the_last_owner_cannot_be_removed(owner_client, owner, agency):
    response = owner_client.post(_remove_url(_membership(owner, agency)), follow=True)

    assert "needs at least one owner" in response.content.decode()
    assert Membership.objects.filter(user=owner, agency=agency).exists()
    assert not AuditLog.objects.filter(action="membership.remove").exists()


def test_an_owner_who_leaves_is_sent_home(owner_client, owner, agency):
    member(agency, Role.OWNER, email="second-owner@acme.test")

    response = owner_client.post(_remove_url(_membership(owner, agency)))

    assert response["Location"] == reverse("home")
    assert not Membership.objects.filter(user=owner, agency=agency).exists()


def test_another_agencys_member_cannot_be_changed_or_removed(
    owner_client, agency, outsider, other_agency
):
    foreign = _membership(outsider, other_agency)
    # Asking under our slug for their membership id.
    url = reverse("agencies:member-role", args=[agency.slug, foreign.pk])
    assert owner_client.post(url, {"role": Role.CREATOR}).status_code == 404
    url = reverse("agencies:member-remove", args=[agency.slug, foreign.pk])
    assert owner_client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.OWNER


def test_a_manager_cannot_change_roles(manager_client, manager, agency):
    membership = _membership(manager, agency)
    response = manager_client.post(_role_url(membership), {"role": Role.OWNER})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER


def test_open_invitations_are_listed_and_accepted_ones_are_not(owner_client, agency):
    pending = invite(agency, "pending@example.com")
    used = invite(agency, "used@example.com")
    Invitation.objects.filter(pk=used[0].pk).update(accepted_at=used[0].created_at)

    response = owner_client.get(_members_url(agency))

    assert [i.email for i in response.context["invitations"]] == ["pending@example.com"]
    assert f'id="invitation-{pending[0].pk}"'.encode() in response.content


def _page_queries(owner_client, agency, django_assert_num_queries):
    owner_client.get(_members_url(agency))  # the first visit also saves the session
    # savepoint (ATOMIC_REQUESTS), session, user, memberships + agencies (agency_view), members with
    # user, MFA flag and roster entry, open invitations with inviter and creator, creators without a
    # login (invite form), release.
    with django_assert_num_queries(8 + scoping_queries()):
        response = owner_client.get(_members_url(agency))
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("size", [1, 12])
def test_the_team_page_query_count_does_not_grow_with_the_team(
    owner_client, owner, agency, size, django_assert_num_queries
):
    for n in range(size):
        user = member(agency, Role.CREATOR if n % 2 else Role.FINANCE)
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
        CreatorFactory(agency=agency)
        invite(agency, f"invitee{n}@example.com", role=Role.CREATOR, actor=owner)
    MembershipFactory(agency=agency, role=Role.MANAGER)

    response = _page_queries(owner_client, agency, django_assert_num_queries)

    assert len(response.context["members"]) == size + 2
    assert len(response.context["invitations"]) == size

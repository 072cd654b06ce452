"""Invitations: sent from the team page, accepted through a single-use link that expires."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.invitations import InvitationInvalid, invitation_accept, invitation_revoke
from agencies.models import AuditLog, Invitation, Membership
from agencies.roles import Role
from tests.agencies.support import invite
from tests.factories import CreatorFactory, UserFactory
from tests.helpers import client_for, member

User = get_user_model()
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def _invite_url(agency) -> str:
    return reverse("agencies:invite", args=[agency.slug])


def _accept_url(token: str) -> str:
    return reverse("invitations:accept", args=[token])


def _link_in(mail) -> str:
    match = re.search(r"http://testserver(/invitations/[^/\s]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


# --- Sending -------------------------------------------------------------------------------


def test_the_owner_invites_someone_who_gets_an_email_with_a_single_use_link(
    owner_client, owner, agency, mailoutbox
):
    response = owner_client.post(
        _invite_url(agency), {"email": " Nina@Example.com ", "role": Role.FINANCE}
    )

    assert response.status_code == 302
    invitation = Invitation.objects.get(agency=agency)
    assert invitation.email == "nina@example.com"
    assert invitation.role == Role.FINANCE
    assert invitation.invited_by == owner
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    [mail] = mailoutbox
    assert mail.to == ["nina@example.com"]
    assert "Acme Talent" in mail.subject
    assert "Finance" in mail.body
    link = _link_in(mail)
    token = link.split("/")[2]
    # Only the digest is stored; the token itself is nowhere in the database row.
    assert invitation.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.filter(pk=invitation.pk).values().get())
    entry = AuditLog.objects.get(action="invitation.create")
    assert entry.actor == owner
    assert entry.after["email"] == "nina@example.com"
    assert entry.after["role"] == "finance"
    assert token not in str(entry.after)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"email": "not-an-address", "role": Role.MANAGER}, "email", "valid email"),
        ({"email": "", "role": Role.MANAGER}, "email", "required"),
        ({"email": "x@example.com", "role": "admin"}, "role", "valid choice"),
        ({"email": "x@example.com", "role": ""}, "role", "required"),
    ],
)
def test_bad_invitations_are_refused_with_a_clear_error(
    owner_client, agency, mailoutbox, data, field, message
):
    response = owner_client.post(_invite_url(agency), data)

    assert response.status_code == 200
    errors = response.context["invite_form"].errors
    assert message in " ".join(errors[field])
    assert not Invitation.objects.exists()
    assert not mailoutbox


def test_a_second_pending_invitation_to_the_same_address_is_refused(
    owner_client, agency, mailoutbox
):
    invite(agency, "nina@example.com")

    response = owner_client.post(
        _invite_url(agency), {"email": "NINA@example.com", "role": Role.MANAGER}
    )

    assert "already pending" in " ".join(response.context["invite_form"].errors["email"])
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_an_expired_invitation_does_not_block_a_new_one(owner_client, agency):
    invite(agency, "nina@example.com")

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = owner_client.post(
            _invite_url(agency), {"email": "nina@example.com", "role": Role.MANAGER}
        )

    assert response.status_code == 302
    assert Invitation.objects.count() == 2


def test_inviting_an_existing_member_is_refused(owner_client, manager, agency):
    response = owner_client.post(
        _invite_url(agency), {"email": "Manager@acme.test", "role": Role.OWNER}
    )
    assert "already a member" in " ".join(response.context["invite_form"].errors["email"])
    assert not Invitation.objects.exists()


def test_a_roster_entry_can_only_be_linked_by_a_creator_invitation(owner_client, agency):
    creator = CreatorFactory(agency=agency)
    response = owner_client.post(
        _invite_url(agency),
        {"email": "x@example.com", "role": Role.MANAGER, "creator": creator.pk},
    )
    assert "creator role" in " ".join(response.context["invite_form"].errors["creator"])
    assert not Invitation.objects.exists()


def test_a_roster_entry_of_another_agency_or_with_a_login_cannot_be_picked(
    owner_client, agency, other_agency, creator_user
):
    foreign = CreatorFactory(agency=other_agency)
    linked = creator_user.creator_profiles.get()
    for creator in (foreign, linked):
        response = owner_client.post(
            _invite_url(agency),
            {"email": "x@example.com", "role": Role.CREATOR, "creator": creator.pk},
        )
        assert "valid choice" in " ".join(response.context["invite_form"].errors["creator"])
    assert not Invitation.objects.exists()


def test_a_mail_server_failure_leaves_no_invitation_behind(owner_client, agency, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("agencies.invitations.send_mail", broken)

    response = owner_client.post(
        _invite_url(agency), {"email": "nina@example.com", "role": Role.MANAGER}
    )

    assert response.status_code == 200
    assert "could not be sent" in " ".join(response.context["invite_form"].non_field_errors())
    assert not Invitation.objects.exists()
    assert not AuditLog.objects.filter(action="invitation.create").exists()


def test_the_invite_form_offers_only_unlinked_roster_entries_of_this_agency(
    owner_client, agency, other_agency, creator_user
):
    free = CreatorFactory(agency=agency, display_name="Free Creator")
    CreatorFactory(agency=other_agency, display_name="Foreign Creator")

    response = owner_client.get(reverse("agencies:members", args=[agency.slug]))

    choices = list(response.context["invite_form"].fields["creator"].queryset)
    assert choices == [free]


# --- Revoking and resending ---------------------------------------------------------------


def test_the_owner_revokes_an_invitation_and_its_link_stops_working(
    owner_client, owner, agency, client
):
    invitation, token = invite(agency, "nina@example.com")

    response = owner_client.post(
        reverse("agencies:invitation-revoke", args=[agency.slug, invitation.pk]),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert response.content == b""  # htmx removes the row
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    entry = AuditLog.objects.get(action="invitation.revoke")
    assert entry.actor == owner
    assert client.get(_accept_url(token)).status_code == 404


def test_revoking_without_htmx_returns_to_the_team_page(owner_client, agency):
    invitation, _token = invite(agency, "nina@example.com")
    response = owner_client.post(
        reverse("agencies:invitation-revoke", args=[agency.slug, invitation.pk]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("agencies:members", args=[agency.slug])
    assert "is revoked" in response.content.decode()


def test_resending_mails_a_fresh_link_and_the_old_one_stops_working(
    owner_client, agency, client, mailoutbox
):
    invitation, old_token = invite(agency, "nina@example.com")

    with time_machine.travel(timezone.now() + timedelta(days=5)):
        response = owner_client.post(
            reverse("agencies:invitation-resend", args=[agency.slug, invitation.pk])
        )
        assert response.status_code == 302
        new_link = _link_in(mailoutbox[-1])
        invitation.refresh_from_db()
        assert invitation.expires_at > timezone.now() + timedelta(days=6)
        assert client.get(_accept_url(old_token)).status_code == 404
        assert client.get(new_link).status_code == 200
    assert len(mailoutbox) == 2
    assert AuditLog.objects.filter(action="invitation.resend").count() == 1


def test_an_accepted_invitation_cannot_be_resent_or_revoked(owner_client, agency):
    invitation, _token = invite(agency, "nina@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())

    response = owner_client.post(
        reverse("agencies:invitation-resend", args=[agency.slug, invitation.pk]), follow=True
    )
    assert "Only a pending invitation" in response.content.decode()
    response = owner_client.post(
        reverse("agencies:invitation-revoke", args=[agency.slug, invitation.pk]), follow=True
    )
    assert "already been accepted" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_another_agencys_invitation_answers_404(owner_client, agency, other_agency, outsider):
    invitation, _token = invite(other_agency, "nina@example.com")
    for name in ("agencies:invitation-revoke", "agencies:invitation-resend"):
        response = owner_client.post(reverse(name, args=[agency.slug, invitation.pk]))
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- The link: every way it can be no longer valid looks the same ---------------------------


def _invalid_page(response) -> str:
    assert response.status_code == 404
    assert response.templates[0].name == "agencies/invitations/invalid.html"
    # The page's own content (the layout around it carries a fresh CSRF token each time).
    return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)


def test_every_dead_link_shows_the_same_page(client, agency, owner):
    _, unknown = "", "no-such-token"
    _, revoked = invite(agency, "revoked@example.com")
    invitation_revoke(invitation=Invitation.objects.get(email="revoked@example.com"), actor=owner)
    _, used = invite(agency, "used@example.com")
    user = UserFactory(email="used@example.com")
    invitation_accept(token=used, user=user)
    _, expired = invite(agency, "expired@example.com")

    pages = [_invalid_page(client.get(_accept_url(token))) for token in (unknown, revoked, used)]
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        pages.append(_invalid_page(client.get(_accept_url(expired))))

    assert "This invitation is no longer valid" in pages[0]
    assert len(set(pages)) == 1  # nothing tells the reasons apart
    assert "Acme Talent" not in pages[0]


def test_a_link_still_works_just_before_it_expires(client, agency):
    _, token = invite(agency, "nina@example.com")
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23)):
        assert client.get(_accept_url(token)).status_code == 200


def test_an_expired_link_cannot_be_accepted_even_by_the_right_user(agency):
    _, token = invite(agency, "nina@example.com")
    user = UserFactory(email="nina@example.com")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client_for(user).post(_accept_url(token))
    _invalid_page(response)
    assert not Membership.objects.filter(user=user).exists()


# --- Accepting as a signed-in user ----------------------------------------------------------


def test_a_signed_in_invitee_joins_with_one_click(agency, owner):
    invitation, token = invite(agency, "nina@example.com", role=Role.COMMUNITY_MANAGER)
    nina = UserFactory(email="nina@example.com")
    client = client_for(nina)

    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert "Join Acme Talent" in page.content.decode()

    response = client.post(_accept_url(token))

    assert response["Location"] == reverse("agencies:dashboard", args=[agency.slug])
    membership = Membership.objects.get(user=nina, agency=agency)
    assert membership.role == Role.COMMUNITY_MANAGER
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina
    assert invitation.accepted_at is not None
    assert AuditLog.objects.get(action="membership.add").after == {
        "user": "nina@example.com",
        "role": "community_manager",
    }
    assert AuditLog.objects.get(action="invitation.accept").actor == nina
    # Single use: the link is dead now, even for the same person.
    _invalid_page(client.post(_accept_url(token)))
    assert Membership.objects.filter(user=nina).count() == 1


def test_the_address_matches_whatever_its_case_and_secondary_addresses_count(agency):
    _, token = invite(agency, "nina.work@example.com")
    nina = UserFactory(email="nina@example.com")
    EmailAddress.objects.create(user=nina, email="Nina.Work@example.com", verified=False)

    client_for(nina).post(_accept_url(token))

    assert Membership.objects.filter(user=nina, agency=agency).exists()
    # The link proved the address.
    assert EmailAddress.objects.get(email="Nina.Work@example.com").verified is True


def test_an_address_someone_else_verified_does_not_count_as_an_unverified_one_of_yours(agency):
    # Regression: accepting verified the address on the second account too, which broke
    # allauth's unique_verified_email constraint (IntegrityError, a 500).
    invitation, token = invite(agency, "nina@example.com")
    nina = UserFactory(email="nina@example.com")  # verified, primary
    eve = UserFactory(email="eve@example.com")
    EmailAddress.objects.create(user=eve, email="Nina@example.com", verified=False)
    client = client_for(eve)

    page = client.get(_accept_url(token))
    response = client.post(_accept_url(token))

    for answer in (page, response):
        assert answer.status_code == 200
        assert "eve@example.com" in answer.content.decode()
    assert not Membership.objects.filter(user=eve).exists()
    assert EmailAddress.objects.get(user=eve, email="Nina@example.com").verified is False
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    with pytest.raises(ValidationError):
        invitation_accept(token=token, user=eve)
    # The owner of the address still joins.
    client_for(nina).post(_accept_url(token))
    assert Membership.objects.filter(user=nina, agency=agency).exists()


def test_a_user_signed_in_with_another_address_is_asked_to_sign_out(agency, manager):
    invitation, token = invite(agency, "nina@example.com")
    stranger = UserFactory(email="stranger@example.com")
    client = client_for(stranger)

    page = client.get(_accept_url(token))
    assert page.status_code == 200
    content = page.content.decode()
    assert "stranger@example.com" in content
    assert "Sign out" in content
    assert reverse("account_logout") in content

    client.post(_accept_url(token))
    assert not Membership.objects.filter(user=stranger).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_existing_member_uses_up_the_invitation_and_keeps_their_role(agency, manager):
    invitation, token = invite(agency, "late@example.com", role=Role.OWNER)
    late = member(agency, Role.FINANCE, email="late@example.com")

    response = client_for(late).post(_accept_url(token), follow=True)

    assert "already a member of Acme Talent" in response.content.decode()
    assert Membership.objects.get(user=late, agency=agency).role == Role.FINANCE
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert AuditLog.objects.get(action="invitation.accept").after["already_member"] is True
    assert not AuditLog.objects.filter(action="membership.add").exists()


def test_accepting_a_creator_invitation_links_the_chosen_roster_entry(agency, owner):
    roster_entry = CreatorFactory(agency=agency, email="lina@studio.test")
    _, token = invite(agency, "lina@example.com", role=Role.CREATOR, creator=roster_entry)
    lina = UserFactory(email="lina@example.com")

    response = client_for(lina).post(_accept_url(token), follow=True)

    roster_entry.refresh_from_db()
    assert roster_entry.user == lina
    # The creator lands on their own overview (the cockpit's creator home).
    assert response.redirect_chain[-1][0] == reverse("agencies:dashboard", args=[agency.slug])
    assert response.context["creator"] == roster_entry
    entry = AuditLog.objects.get(action="creator.link_login")
    assert entry.object_id == str(roster_entry.pk)


def test_a_creator_invitation_without_a_pick_links_the_entry_with_the_same_address(agency):
    roster_entry = CreatorFactory(agency=agency, email="Lina@Example.com")
    other = CreatorFactory(agency=agency, email="someone@example.com")
    _, token = invite(agency, "lina@example.com", role=Role.CREATOR)
    lina = UserFactory(email="lina@example.com")

    client_for(lina).post(_accept_url(token))

    roster_entry.refresh_from_db()
    other.refresh_from_db()
    assert roster_entry.user == lina
    assert other.user is None


def test_a_roster_entry_linked_meanwhile_to_someone_else_stays_theirs(agency):
    roster_entry = CreatorFactory(agency=agency)
    _, token = invite(agency, "lina@example.com", role=Role.CREATOR, creator=roster_entry)
    first = UserFactory(email="first@example.com")
    roster_entry.user = first
    roster_entry.save()
    lina = UserFactory(email="lina@example.com")

    client_for(lina).post(_accept_url(token))

    roster_entry.refresh_from_db()
    assert roster_entry.user == first
    assert Membership.objects.get(user=lina, agency=agency).role == Role.CREATOR


def test_the_service_refuses_another_users_invitation(agency):
    invitation, token = invite(agency, "nina@example.com")
    with pytest.raises(ValidationError):
        invitation_accept(token=token, user=UserFactory(email="eve@example.com"))
    with pytest.raises(InvitationInvalid):
        invitation_accept(token="forged", user=UserFactory(email="nina@example.com"))
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


# --- Accepting without being signed in ------------------------------------------------------


def test_an_invitee_with_an_account_signs_in_and_comes_back(client, agency, owner):
    _, token = invite(agency, "nina@example.com")
    nina = UserFactory(email="nina@example.com")

    page = client.get(_accept_url(token))
    assert page.status_code == 200
    login_url = page.context["login_url"]
    assert login_url == f"{reverse('account_login')}?next=%2Finvitations%2F{token}%2F"
    assert login_url in page.content.decode().replace("&amp;", "&")

    response = client.post(
        login_url, {"login": "nina@example.com", "password": "correct-horse-battery-staple"}
    )
    assert response["Location"] == _accept_url(token)
    client.post(_accept_url(token))
    assert Membership.objects.filter(user=nina, agency=agency).exists()


def test_a_new_invitee_creates_an_account_and_is_signed_in(client, agency, owner):
    invitation, token = invite(agency, "Nina@Example.com", role=Role.FINANCE)

    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert "nina@example.com" in page.content.decode()

    response = client.post(
        _accept_url(token),
        {"name": "Nina  de Vries", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:dashboard", args=[agency.slug])
    nina = User.objects.get(email="nina@example.com")
    assert (nina.first_name, nina.last_name) == ("Nina", "de Vries")
    assert nina.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=nina)
    assert (address.email, address.verified, address.primary) == ("nina@example.com", True, True)
    assert Membership.objects.get(user=nina, agency=agency).role == Role.FINANCE
    assert int(client.session["_auth_user_id"]) == nina.pk
    assert client.get(response["Location"]).status_code == 200
    invitation.refresh_from_db()
    assert invitation.accepted_by == nina


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Nina", "password1": "short", "password2": "short"}, "password1", "too short"),
        (
            {"name": "Nina", "password1": "password123", "password2": "password123"},
            "password1",
            "too common",
        ),
        (
            {"name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
            "password2",
            "do not match",
        ),
        ({"name": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "name", "required"),
    ],
)
def test_a_bad_sign_up_creates_nothing(client, agency, owner, data, field, message):
    invitation, token = invite(agency, "nina@example.com")

    response = client.post(_accept_url(token), data)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not User.objects.filter(email="nina@example.com").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert "_auth_user_id" not in client.session


def test_a_new_invitee_of_an_agency_that_requires_two_factor_is_sent_to_set_it_up(
    client, agency, owner
):
    agency.require_mfa = True
    agency.save()
    _, token = invite(agency, "nina@example.com")

    response = client.post(
        _accept_url(token),
        {"name": "Nina", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )

    chain = [url for url, _status in response.redirect_chain]
    assert chain[:2] == [
        reverse("agencies:dashboard", args=[agency.slug]),
        reverse("mfa_activate_totp"),
    ]
    # allauth asks for the password again before an authenticator is added.
    assert chain[2].startswith(reverse("account_reauthenticate"))


def test_an_htmx_revoke_that_fails_reloads_the_page_to_show_why(owner_client, agency):
    invitation, _token = invite(agency, "nina@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())

    response = owner_client.post(
        reverse("agencies:invitation-revoke", args=[agency.slug, invitation.pk]),
        HTTP_HX_REQUEST="true",
    )

    assert response["HX-Refresh"] == "true"
    page = owner_client.get(reverse("agencies:members", args=[agency.slug]))
    assert "already been accepted" in page.content.decode()


@pytest.mark.parametrize("role", ["admin", "", "Owner"])
def test_the_service_refuses_an_invalid_role(agency, owner, role, mailoutbox):
    with pytest.raises(ValidationError) as caught:
        invite(agency, "nina@example.com", role=role, actor=owner)
    assert "role" in caught.value.message_dict
    assert not Invitation.objects.exists()
    assert not mailoutbox

"""The team through the API: the Team page's twin (owners only, the same services), so the
same audit entries, the same last-owner rule and the same invitation e-mails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone

from agencies.models import AuditLog, Invitation, Membership
from agencies.roles import Role
from tests.agencies.support import invite, scoping_queries
from tests.factories import CreatorFactory
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db

# session, user, membership + agency (the API base), savepoint + release (ATOMIC_REQUESTS),
# then the count and one page of rows.
LIST_QUERIES = 7


def _url(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def _membership(user, agency) -> Membership:
    return Membership.objects.get(user=user, agency=agency)


def _member_url(user, agency) -> str:
    return _url(agency, "member-detail", pk=_membership(user, agency).pk)


def _post(client, url: str, body: dict | None = None, **extra):
    return client.post(url, body or {}, content_type="application/json", **extra)


# --- members ---------------------------------------------------------------------------------


def test_the_owner_lists_members_with_role_two_factor_and_roster_entry(
    owner_client, owner, manager, creator_user, agency, outsider
):
    Authenticator.objects.create(user=manager, type=Authenticator.Type.TOTP, data={})

    body = owner_client.get(_url(agency, "member-list")).json()

    rows = {row["email"]: row for row in body["results"]}
    assert set(rows) == {"owner@acme.test", "manager@acme.test", "creator@acme.test"}
    assert rows["manager@acme.test"]["has_mfa"] is True
    assert rows["owner@acme.test"]["has_mfa"] is False
    assert rows["owner@acme.test"]["role"] == Role.OWNER
    assert rows["owner@acme.test"]["id"] == _membership(owner, agency).pk
    roster_name = creator_user.creator_profiles.get().display_name
    assert rows["creator@acme.test"]["creator_name"] == roster_name


def test_the_owner_changes_a_role_and_it_is_audited(owner_client, owner, manager, agency):
    response = owner_client.patch(
        _member_url(manager, agency), {"role": Role.FINANCE}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["role"] == Role.FINANCE
    assert _membership(manager, agency).role == Role.FINANCE
    entry = AuditLog.objects.get(agency=agency, action="membership.set_role")
    assert entry.actor == owner
    assert entry.before == {"role": Role.MANAGER} and entry.after == {"role": Role.FINANCE}


@pytest.mark.parametrize("role", ["superuser", "", None, ["owner"]])
def test_an_invalid_role_is_a_400_naming_the_field(owner_client, manager, agency, role):
    response = owner_client.patch(
        _member_url(manager, agency), {"role": role}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "role" in response.json()
    assert _membership(manager, agency).role == Role.MANAGER


def test_the_last_owner_cannot_step_down(owner_client, owner, agency):
    response = owner_client.patch(
        _member_url(owner, agency), {"role": Role.MANAGER}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "needs at least one owner" in response.json()[0]
    assert _membership(owner, agency).role == Role.OWNER
    assert not AuditLog.objects.filter(action="membership.set_role").exists()


def test_the_owner_removes_a_member_and_it_is_audited(owner_client, owner, manager, agency):
    response = owner_client.delete(_member_url(manager, agency))

    assert response.status_code == 204
    assert not Membership.objects.filter(agency=agency, user=manager).exists()
    entry = AuditLog.objects.get(agency=agency, action="membership.remove")
    assert entry.actor == owner and entry.before["user"] == "manager@acme.test"


def test_the_last_owner_cannot_be_removed(owner_client, owner, agency):
    response = owner_client.delete(_member_url(owner, agency))

    assert response.status_code == 400
    assert "needs at least one owner" in response.json()[0]
    assert Membership.objects.filter(agency=agency, user=owner).exists()


def test_another_agencys_member_is_a_404(owner_client, agency, outsider, other_agency):
    theirs = _url(agency, "member-detail", pk=_membership(outsider, other_agency).pk)

    assert owner_client.get(theirs).status_code == 404
    patched = owner_client.patch(theirs, {"role": Role.FINANCE}, content_type="application/json")
    assert patched.status_code == 404
    assert owner_client.delete(theirs).status_code == 404
    assert _membership(outsider, other_agency).role == Role.OWNER


# --- invitations -----------------------------------------------------------------------------


def test_the_owner_lists_open_invitations_only(owner_client, owner, agency, other_agency):
    open_one, _ = invite(agency, "open@example.com", actor=owner)
    expired, _ = invite(agency, "expired@example.com", actor=owner)
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    revoked, _ = invite(agency, "revoked@example.com", actor=owner)
    Invitation.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    invite(other_agency, "theirs@example.com")

    body = owner_client.get(_url(agency, "invitation-list")).json()

    rows = {row["email"]: row for row in body["results"]}
    assert set(rows) == {"open@example.com", "expired@example.com"}
    assert rows["open@example.com"]["is_expired"] is False
    assert rows["expired@example.com"]["is_expired"] is True
    assert rows["open@example.com"]["invited_by_email"] == "owner@acme.test"
    assert rows["open@example.com"]["id"] == open_one.pk


def test_the_owner_invites_and_the_link_is_mailed_and_audited(
    owner_client, owner, agency, mailoutbox
):
    response = _post(
        owner_client,
        _url(agency, "invitation-list"),
        {"email": "New.Person@Example.com", "role": Role.FINANCE},
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.person@example.com" and body["role"] == Role.FINANCE
    invitation = Invitation.objects.get(pk=body["id"], agency=agency)
    assert invitation.invited_by == owner
    [mail] = mailoutbox
    assert mail.to == ["new.person@example.com"]
    assert "http://testserver/" in mail.body
    entry = AuditLog.objects.get(agency=agency, action="invitation.create")
    assert entry.actor == owner and entry.after["role"] == Role.FINANCE


def test_a_creator_invitation_links_a_roster_entry(owner_client, agency, mailoutbox):
    roster = CreatorFactory(agency=agency)

    response = _post(
        owner_client,
        _url(agency, "invitation-list"),
        {"email": "lina@example.com", "role": Role.CREATOR, "creator": roster.pk},
    )

    assert response.status_code == 201, response.content
    assert response.json()["creator"] == roster.pk
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "not-an-address", "role": Role.MANAGER}, "email"),
        ({"role": Role.MANAGER}, "email"),
        ({"email": "new@example.com", "role": "superuser"}, "role"),
        ({"email": "new@example.com"}, "role"),
        ({"email": "manager@acme.test", "role": Role.FINANCE}, "email"),
        ({"email": "new@example.com", "role": Role.CREATOR, "creator": 999_999_999}, "creator"),
        ({"email": "new@example.com", "role": Role.MANAGER, "creator": "abc"}, "creator"),
    ],
)
def test_a_bad_invitation_is_a_400_naming_the_field_and_sends_nothing(
    owner_client, manager, agency, mailoutbox, body, field
):
    response = _post(owner_client, _url(agency, "invitation-list"), body)

    assert response.status_code == 400
    assert field in response.json()
    assert not Invitation.objects.filter(agency=agency).exists()
    assert not AuditLog.objects.filter(action="invitation.create").exists()
    assert not mailoutbox


def test_a_roster_entry_of_another_role_is_refused_by_the_service(owner_client, agency, mailoutbox):
    roster = CreatorFactory(agency=agency)

    response = _post(
        owner_client,
        _url(agency, "invitation-list"),
        {"email": "lina@example.com", "role": Role.MANAGER, "creator": roster.pk},
    )

    assert response.status_code == 400 and "creator" in response.json()
    assert not mailoutbox


def test_a_second_invitation_to_a_pending_address_is_refused(owner_client, owner, agency):
    invite(agency, "twice@example.com", actor=owner)

    response = _post(
        owner_client,
        _url(agency, "invitation-list"),
        {"email": "twice@example.com", "role": Role.MANAGER},
    )

    assert response.status_code == 400 and "email" in response.json()
    assert Invitation.objects.filter(agency=agency, email="twice@example.com").count() == 1


def test_a_mail_server_failure_is_a_400_and_leaves_no_invitation(owner_client, agency, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("agencies.invitations.send_mail", broken)

    response = _post(
        owner_client, _url(agency, "invitation-list"), {"email": "x@example.com", "role": "manager"}
    )

    assert response.status_code == 400
    assert "could not be sent" in response.json()[0]
    assert not Invitation.objects.filter(agency=agency).exists()


def test_a_retried_invitation_with_its_key_is_mailed_once(
    owner_client, agency, mailoutbox, django_capture_on_commit_callbacks
):
    target = _url(agency, "invitation-list")
    body = {"email": "retry@example.com", "role": Role.MANAGER}

    with django_capture_on_commit_callbacks(execute=True):
        first = _post(owner_client, target, body, HTTP_IDEMPOTENCY_KEY="invite-retry")
    again = _post(owner_client, target, body, HTTP_IDEMPOTENCY_KEY="invite-retry")
    other = _post(
        owner_client,
        target,
        {**body, "email": "else@example.com"},
        HTTP_IDEMPOTENCY_KEY="invite-retry",
    )

    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert len(mailoutbox) == 1
    assert Invitation.objects.filter(agency=agency).count() == 1


def test_the_owner_revokes_an_invitation_and_it_is_audited(owner_client, owner, agency):
    invitation, _ = invite(agency, "revoke@example.com", actor=owner)

    response = _post(owner_client, _url(agency, "invitation-revoke", pk=invitation.pk))

    assert response.status_code == 200, response.content
    assert response.json()["revoked_at"] is not None
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    entry = AuditLog.objects.get(agency=agency, action="invitation.revoke")
    assert entry.actor == owner


def test_revoking_a_revoked_invitation_changes_nothing(owner_client, owner, agency):
    invitation, _ = invite(agency, "revoke@example.com", actor=owner)
    target = _url(agency, "invitation-revoke", pk=invitation.pk)
    _post(owner_client, target)

    again = _post(owner_client, target)

    # The service treats a second revoke as done already: no error, no second entry.
    assert again.status_code == 200
    assert AuditLog.objects.filter(action="invitation.revoke").count() == 1


def test_an_accepted_invitation_cannot_be_revoked_or_resent(
    owner_client, owner, agency, mailoutbox
):
    invitation, _ = invite(agency, "accepted@example.com", actor=owner)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
    mailoutbox.clear()

    revoked = _post(owner_client, _url(agency, "invitation-revoke", pk=invitation.pk))
    resent = _post(owner_client, _url(agency, "invitation-resend", pk=invitation.pk))

    assert revoked.status_code == 409
    assert revoked.json() == ["This invitation has already been accepted."]
    assert resent.status_code == 409
    assert not mailoutbox
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_the_owner_resends_an_expired_invitation_with_a_new_link(
    owner_client, owner, agency, mailoutbox
):
    invitation, old_token = invite(agency, "late@example.com", actor=owner)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    mailoutbox.clear()

    response = _post(owner_client, _url(agency, "invitation-resend", pk=invitation.pk))

    assert response.status_code == 200, response.content
    assert response.json()["is_expired"] is False
    [mail] = mailoutbox
    assert mail.to == ["late@example.com"] and old_token not in mail.body
    assert AuditLog.objects.get(action="invitation.resend").actor == owner


def test_a_revoked_invitation_cannot_be_resent(owner_client, owner, agency, mailoutbox):
    invitation, _ = invite(agency, "gone@example.com", actor=owner)
    Invitation.objects.filter(pk=invitation.pk).update(revoked_at=timezone.now())
    mailoutbox.clear()

    response = _post(owner_client, _url(agency, "invitation-resend", pk=invitation.pk))

    assert response.status_code == 409
    assert not mailoutbox


def test_a_retried_resend_with_its_key_is_mailed_once(
    owner_client, owner, agency, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, _ = invite(agency, "again@example.com", actor=owner)
    mailoutbox.clear()
    target = _url(agency, "invitation-resend", pk=invitation.pk)

    with django_capture_on_commit_callbacks(execute=True):
        first = _post(owner_client, target, HTTP_IDEMPOTENCY_KEY="resend-1")
    again = _post(owner_client, target, HTTP_IDEMPOTENCY_KEY="resend-1")

    assert first.status_code == 200 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("action", ["invitation-revoke", "invitation-resend"])
def test_another_agencys_invitation_is_a_404(
    owner_client, agency, other_agency, action, mailoutbox
):
    theirs, _ = invite(other_agency, "theirs@example.com")
    mailoutbox.clear()

    response = _post(owner_client, _url(agency, action, pk=theirs.pk))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert not mailoutbox


# --- roles and query counts ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE, Role.COMMUNITY_MANAGER, Role.CREATOR])
def test_only_owners_manage_the_team(agency, owner, role, mailoutbox):
    client = client_for(member(agency, role))
    invitation, _ = invite(agency, "pending@example.com", actor=owner)
    mailoutbox.clear()
    owner_url = _member_url(owner, agency)

    assert client.get(_url(agency, "member-list")).status_code == 403
    assert client.get(owner_url).status_code == 403
    assert (
        client.patch(owner_url, {"role": role}, content_type="application/json").status_code == 403
    )
    assert client.delete(owner_url).status_code == 403
    assert client.get(_url(agency, "invitation-list")).status_code == 403
    new = {"email": "x@example.com", "role": Role.OWNER}
    assert _post(client, _url(agency, "invitation-list"), new).status_code == 403
    for action in ("invitation-revoke", "invitation-resend"):
        assert _post(client, _url(agency, action, pk=invitation.pk)).status_code == 403
    assert not mailoutbox
    assert _membership(owner, agency).role == Role.OWNER


@pytest.mark.parametrize("size", [2, 12])
def test_the_member_list_costs_the_same_queries_for_2_or_12_members(
    owner_client, agency, size, django_assert_num_queries
):
    for n in range(size - 1):
        user = member(agency, Role.CREATOR if n % 2 else Role.FINANCE)
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    target = _url(agency, "member-list")
    owner_client.get(target)  # the first visit also saves the session

    # ... the members with their user, MFA flag and roster entry in one query.
    with django_assert_num_queries(LIST_QUERIES + scoping_queries()):
        response = owner_client.get(target)

    assert len(response.json()["results"]) == size


@pytest.mark.parametrize("size", [2, 12])
def test_the_invitation_list_costs_the_same_queries_for_2_or_12_invitations(
    owner_client, owner, agency, size, django_assert_num_queries
):
    for n in range(size):
        roster = CreatorFactory(agency=agency) if n % 2 else None
        role = Role.CREATOR if roster else Role.MANAGER
        invite(agency, f"invitee{n}@example.com", role=role, actor=owner, creator=roster)
    target = _url(agency, "invitation-list")
    owner_client.get(target)

    # ... the invitations with their inviter in one query.
    with django_assert_num_queries(LIST_QUERIES + scoping_queries()):
        response = owner_client.get(target)

    assert len(response.json()["results"]) == size

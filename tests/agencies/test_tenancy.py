from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from tests.helpers import client_for, member


def test_a_member_reaches_their_agency(owner_client, agency):
    response = owner_client.get(reverse("agencies:dashboard", args=[agency.slug]))
    assert response.status_code == 200
    assert response.context["current_agency"] == agency


def test_a_stranger_gets_404_for_an_existing_agency(outsider_client, agency):
    response = outsider_client.get(reverse("agencies:dashboard", args=[agency.slug]))
    assert response.status_code == 404
    assert agency.name.encode() not in response.content


def test_an_unknown_agency_looks_the_same_as_a_foreign_one(outsider_client):
    response = outsider_client.get(reverse("agencies:dashboard", args=["no-such-agency"]))
    assert response.status_code == 404


def test_anonymous_users_are_sent_to_login(client, agency):
    url = reverse("agencies:dashboard", args=[agency.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_home_sends_a_single_agency_member_to_their_agency(owner_client, agency):
    response = owner_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("agencies:dashboard", args=[agency.slug])


def test_home_lets_a_member_of_several_agencies_choose(agency, other_agency):
    user = member(agency, Role.MANAGER)
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, agency=other_agency, role=Role.FINANCE)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    assert [m.agency for m in response.context["memberships"]] == [agency, other_agency]


def test_switching_agency_remembers_the_last_one(agency, other_agency):
    from tests.factories import MembershipFactory

    user = member(agency, Role.MANAGER)
    MembershipFactory(user=user, agency=other_agency, role=Role.FINANCE)
    client = client_for(user)
    client.get(reverse("agencies:dashboard", args=[other_agency.slug]))
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("agencies:dashboard", args=[other_agency.slug])


def test_a_creator_gets_their_own_overview(creator_client, agency):
    response = creator_client.get(reverse("agencies:dashboard", args=[agency.slug]))
    assert response.status_code == 200
    assert response.templates[0].name == "cockpit/creator_home.html"


def test_agency_that_requires_mfa_sends_members_without_it_to_setup(owner_client, agency):
    agency.require_mfa = True
    agency.save()
    response = owner_client.get(reverse("agencies:dashboard", args=[agency.slug]))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.django_db
def test_the_audit_log_is_append_only(agency, owner):
    from agencies.audit import audit_record

    entry = audit_record(agency=agency, actor=owner, action="test.thing")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=entry.pk).delete()


def test_security_headers_are_set(owner_client, agency):
    response = owner_client.get(reverse("agencies:dashboard", args=[agency.slug]))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"

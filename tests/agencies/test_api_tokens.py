"""Personal API tokens: each member manages their own, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agencies.models import ApiToken, AuditLog, Membership
from agencies.roles import Role
from agencies.tokens import api_token_check, api_token_create
from core.formatting import datetime_short
from tests.agencies.support import scoping_queries
from tests.helpers import client_for, member


def _url(agency) -> str:
    return reverse("agencies:tokens", args=[agency.slug])


def _revoke_url(token) -> str:
    return reverse("agencies:token-revoke", args=[token.membership.agency.slug, token.pk])


def _me(agency, token: str):
    return Client().get(reverse("api:me", args=[agency.slug]), HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_every_role_creates_a_token_that_is_shown_once(agency, role):
    user = member(agency, role)
    client = client_for(user)

    response = client.post(_url(agency), {"name": "Reporting script"})

    assert response.status_code == 200
    plain = response.context["new_token"]
    assert re.fullmatch(r"td_[0-9a-f]{8}_[\w-]{40,}", plain)
    content = response.content.decode()
    assert f'<pre class="secret" id="new-token">{plain}</pre>' in content
    assert 'data-copy="new-token"' in content
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(membership__user=user)
    assert token.name == "Reporting script"
    assert token.digest == hashlib.sha256(plain.split("_", 2)[2].encode()).hexdigest()
    # The next visit lists it without the secret.
    again = client.get(_url(agency)).content.decode()
    assert "Reporting script" in again
    assert plain not in again
    entry = AuditLog.objects.get(action="api_token.create")
    assert entry.actor == user
    assert plain not in str(entry.after)


def test_the_new_token_authenticates_as_its_member_and_records_its_use(manager_client, agency):
    plain = manager_client.post(_url(agency), {"name": "script"}).context["new_token"]

    response = _me(agency, plain)

    assert response.status_code == 200
    assert response.json()["email"] == "manager@acme.test"
    assert response.json()["token"]["name"] == "script"
    page = manager_client.get(_url(agency))
    assert page.context["tokens"][0].last_used_at is not None


@pytest.mark.parametrize(
    ("name", "message"), [("", "required"), ("   ", "required"), ("x" * 81, "at most 80")]
)
def test_a_bad_token_name_is_refused(manager_client, agency, name, message):
    response = manager_client.post(_url(agency), {"name": name})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["name"])
    assert response.context["new_token"] is None
    assert not ApiToken.objects.exists()


def test_a_member_sees_only_their_own_tokens(manager_client, manager, finance, agency):
    api_token_create(
        membership=Membership.objects.get(user=finance), name="finance export", actor=finance
    )
    api_token_create(
        membership=Membership.objects.get(user=manager), name="my script", actor=manager
    )

    response = manager_client.get(_url(agency))

    assert [t.name for t in response.context["tokens"]] == ["my script"]
    assert "finance export" not in response.content.decode()


def test_revoking_a_token_stops_it_working_and_is_audited(manager_client, manager, agency):
    membership = Membership.objects.get(user=manager)
    token, plain = api_token_create(membership=membership, name="script", actor=manager)
    assert _me(agency, plain).status_code == 200

    response = manager_client.post(_revoke_url(token))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _me(agency, plain).status_code == 401
    assert AuditLog.objects.get(action="api_token.revoke").actor == manager
    listed = manager_client.get(_url(agency)).content.decode()
    assert "revoked" in listed


def test_another_members_token_answers_404_and_stays_active(manager_client, finance, agency):
    token, plain = api_token_create(
        membership=Membership.objects.get(user=finance), name="finance export", actor=finance
    )

    assert manager_client.post(_revoke_url(token)).status_code == 404

    token.refresh_from_db()
    assert token.revoked_at is None
    assert _me(agency, plain).status_code == 200


def test_an_owner_cannot_revoke_someone_elses_token_either(owner_client, finance, agency):
    token, _plain = api_token_create(
        membership=Membership.objects.get(user=finance), name="finance export", actor=finance
    )
    assert owner_client.post(_revoke_url(token)).status_code == 404


def test_a_token_of_another_agency_answers_404(owner_client, agency, outsider, other_agency):
    token, _plain = api_token_create(
        membership=Membership.objects.get(user=outsider), name="theirs", actor=outsider
    )
    url = reverse("agencies:token-revoke", args=[agency.slug, token.pk])
    assert owner_client.post(url).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_only_opens_its_own_agency(agency, other_agency):
    user = member(agency, Role.MANAGER)
    Membership.objects.create(user=user, agency=other_agency, role=Role.MANAGER)
    _token, plain = api_token_create(
        membership=Membership.objects.get(user=user, agency=agency), name="acme", actor=user
    )
    assert _me(agency, plain).status_code == 200
    assert _me(other_agency, plain).status_code == 404


@pytest.mark.parametrize("size", [1, 15])
def test_the_tokens_page_query_count_does_not_grow(
    manager_client, manager, agency, size, django_assert_num_queries
):
    membership = Membership.objects.get(user=manager)
    for n in range(size):
        api_token_create(membership=membership, name=f"script {n}", actor=manager)
    manager_client.get(_url(agency))  # the first visit also saves the session

    # savepoint (ATOMIC_REQUESTS), session, user, memberships + agencies (agency_view), the member's
    # tokens, release.
    with django_assert_num_queries(6 + scoping_queries()):
        response = manager_client.get(_url(agency))

    assert len(response.context["tokens"]) == size


# --- Expiry and last use ---------------------------------------------------------------------


def _create(client, agency, **data):
    return client.post(_url(agency), {"name": "script", **data}).context["new_token"]


@pytest.mark.parametrize(("posted", "days"), [({}, 90), ({"lifetime_days": "30"}, 30)])
def test_a_new_token_expires_after_the_chosen_lifetime(manager_client, agency, posted, days):
    before = timezone.now()

    _create(manager_client, agency, **posted)

    token = ApiToken.objects.get()
    assert before + timedelta(days=days) <= token.expires_at <= timezone.now() + timedelta(days)
    entry = AuditLog.objects.get(action="api_token.create")
    assert entry.after["expires_at"] == token.expires_at.isoformat()


@pytest.mark.parametrize("lifetime", ["0", "3650", "forever", "90.5"])
def test_a_lifetime_off_the_list_is_refused(manager_client, agency, lifetime):
    response = manager_client.post(_url(agency), {"name": "script", "lifetime_days": lifetime})

    assert response.status_code == 200
    assert "valid choice" in " ".join(response.context["form"].errors["lifetime_days"])
    assert not ApiToken.objects.exists()


def test_the_service_refuses_a_lifetime_off_the_list(manager, agency):
    with pytest.raises(ValidationError) as error:
        api_token_create(
            membership=Membership.objects.get(user=manager),
            name="x",
            actor=manager,
            lifetime_days=10_000,
        )
    assert "lifetime_days" in error.value.message_dict
    assert not ApiToken.objects.exists()


def test_an_expired_token_answers_401_saying_when_it_expired(manager_client, agency):
    plain = _create(manager_client, agency, lifetime_days="30")
    assert _me(agency, plain).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=30, minutes=1)):
        response = _me(agency, plain)

    assert response.status_code == 401
    expires = ApiToken.objects.get().expires_at
    assert response.json()["detail"] == (
        f"This API token expired on {expires:%Y-%m-%d %H:%M} UTC. "
        "Create a new one on the API tokens page."
    )
    assert response["WWW-Authenticate"] == "Token"


def test_the_last_use_is_written_at_most_once_a_minute(manager_client, agency):
    plain = _create(manager_client, agency)
    start = timezone.now()

    def updates(at):
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
            assert _me(agency, plain).status_code == 200
        return [q for q in queries if q["sql"].startswith("UPDATE") and "apitoken" in q["sql"]]

    assert len(updates(start)) == 1
    assert len(updates(start + timedelta(seconds=30))) == 0  # a busy script: no write
    assert ApiToken.objects.get().last_used_at == start
    assert len(updates(start + timedelta(seconds=61))) == 1
    assert ApiToken.objects.get().last_used_at == start + timedelta(seconds=61)


def test_the_tokens_page_shows_expiry_last_use_and_expired_tokens(manager_client, agency):
    plain = _create(manager_client, agency, lifetime_days="30")
    _me(agency, plain)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    token = ApiToken.objects.get()

    page = manager_client.get(_url(agency))

    content = page.content.decode()
    with timezone.override(agency.timezone):
        assert datetime_short(token.expires_at) in content
        assert datetime_short(token.last_used_at) in content
    assert ">expired<" in content
    assert "Valid for" in content


def test_the_me_endpoint_shows_the_tokens_expiry_and_last_use(manager_client, agency):
    plain = _create(manager_client, agency)

    body = _me(agency, plain).json()["token"]

    token = ApiToken.objects.get()
    assert parse_datetime(body["expires_at"]) == token.expires_at
    assert parse_datetime(body["last_used_at"]) == token.last_used_at


def test_the_lifetimes_read_in_the_readers_language(owner_client, agency):
    # Built when the form is shown, not when the module was imported (in English).
    dutch = owner_client.get(_url(agency), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    english = owner_client.get(_url(agency), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "30 dagen" in dutch and "30 days" not in dutch
    assert "30 days" in english


def test_a_tokens_read_builds_the_instances_the_orm_builds(agency):
    # tokens.py reads the token, its membership, user and agency with SQL it writes once;
    # every field must come back as the ORM's own select_related query brings it.
    agency.business_days = [0, 2, 4]  # a JSON column: read through its field's converter
    agency.save(update_fields=["business_days"])
    user = member(agency, Role.FINANCE)
    token, plain = api_token_create(
        membership=Membership.objects.get(user=user, agency=agency), name="ci", actor=user
    )

    read = api_token_check(plain)

    expected = ApiToken.objects.select_related("membership__agency", "membership__user").get(
        pk=token.pk
    )
    for got, want in [
        (read, expected),
        (read.membership, expected.membership),
        (read.membership.user, expected.membership.user),
        (read.membership.agency, expected.membership.agency),
    ]:
        fields = type(want)._meta.concrete_fields
        assert [getattr(got, f.attname) for f in fields] == [
            getattr(want, f.attname) for f in fields
        ]
        assert (got._state.adding, got._state.db) == (False, "default")
    assert read.membership.agency.business_days == [0, 2, 4]
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    assert api_token_check(plain) is None
    assert api_token_check(plain.replace(token.prefix, "nosuchprefx")) is None

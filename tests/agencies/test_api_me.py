"""GET /api/v1/agencies/<slug>/me/: who the caller is in this agency."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from agencies.models import Membership
from agencies.tokens import api_token_create


def test_a_token_describes_its_membership(agency, finance):
    membership = Membership.objects.get(user=finance, agency=agency)
    _token, plain = api_token_create(membership=membership, name="export", actor=finance)

    response = Client().get(
        reverse("api:me", args=[agency.slug]), HTTP_AUTHORIZATION=f"Token {plain}"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == "finance@acme.test"
    assert body["role"] == "finance"
    assert body["agency"]["slug"] == "acme"
    assert body["agency"]["timezone"] == "Europe/Amsterdam"
    assert body["token"]["name"] == "export"
    assert "digest" not in str(body)


def test_a_browser_session_has_no_token(manager_client, agency):
    body = manager_client.get(reverse("api:me", args=[agency.slug])).json()
    assert body["role"] == "manager"
    assert body["token"] is None


def test_without_credentials_the_api_answers_401(client, agency):
    response = client.get(reverse("api:me", args=[agency.slug]))
    assert response.status_code == 401


def test_a_made_up_token_is_refused(client, agency):
    response = client.get(
        reverse("api:me", args=[agency.slug]), HTTP_AUTHORIZATION="Token td_abcd1234_nope"
    )
    assert response.status_code == 401

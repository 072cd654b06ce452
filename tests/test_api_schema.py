"""The OpenAPI schema is complete (no generator warnings), its docs work offline, and both
are for signed-in users only."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Membership
from agencies.tokens import api_token_create


def test_the_schema_generates_without_a_warning(tmp_path, db):
    # --fail-on-warn: an endpoint the generator cannot describe fails here, not for a client.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/v1/agencies/{agency_slug}/" in (tmp_path / "s.yml").read_text()


def test_the_api_docs_load_nothing_from_a_cdn(manager_client):
    response = manager_client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn." not in page and "unpkg" not in page


def test_a_visitor_gets_no_schema_and_is_sent_to_sign_in_for_the_docs(client, db):
    schema = client.get(reverse("api-schema"))
    docs = client.get(reverse("api-docs"))

    assert schema.status_code == 401
    assert b"openapi" not in schema.content
    assert docs.status_code == 302
    assert docs["Location"] == redirect_to_login(reverse("api-docs"))["Location"]


def test_a_signed_in_member_reads_the_schema(manager_client):
    response = manager_client.get(reverse("api-schema"), HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Talentdesk API"


def test_a_script_reads_the_schema_with_its_api_token(manager):
    _token, plain = api_token_create(
        membership=Membership.objects.get(user=manager), name="codegen", actor=manager
    )
    response = Client().get(
        reverse("api-schema"), HTTP_AUTHORIZATION=f"Token {plain}", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert "/api/v1/agencies/{agency_slug}/me/" in response.json()["paths"]

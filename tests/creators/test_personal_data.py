"""A creator's legal name and date of birth: owners and account managers see them (page,
export, API, search); finance and community managers never do; a creator sees their own in
the portal."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from agencies.models import Membership
from agencies.roles import Role
from agencies.tokens import api_token_create
from creators.models import Creator
from tests.factories import CreatorFactory
from tests.helpers import client_for, member

LEGAL_NAME = "Wilhelmina Quist-Verbeek"
BORN = date(1999, 7, 23)
SEES = [Role.OWNER, Role.MANAGER]
DOES_NOT_SEE = [Role.FINANCE, Role.COMMUNITY_MANAGER]


@pytest.fixture
def creator(agency):
    return CreatorFactory(
        agency=agency, display_name="Mila", legal_name=LEGAL_NAME, date_of_birth=BORN
    )


def _api(user, agency) -> Client:
    membership = Membership.objects.get(user=user, agency=agency)
    _token, plain = api_token_create(membership=membership, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Token {plain}")


def _shows_personal_data(text: str) -> bool:
    shown = {LEGAL_NAME in text, "Quist" in text, "1999" in text, "Date of birth" in text}
    assert len(shown) == 1, f"some personal data shown, some not: {shown}"
    return shown.pop()


def _export(client, agency, **query) -> tuple[list[str], list[dict]]:
    response = client.get(reverse("creators:export", args=[agency.slug]), query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode().removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames), list(reader)


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_creator_page_shows_personal_data_to_owners_and_managers_only(role, agency, creator):
    client = client_for(member(agency, role))

    page = client.get(reverse("creators:detail", args=[agency.slug, creator.pk]))

    assert page.status_code == 200
    assert _shows_personal_data(page.content.decode()) is (role in SEES)


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_roster_export_has_personal_columns_for_owners_and_managers_only(role, agency, creator):
    columns, [row] = _export(client_for(member(agency, role)), agency)

    has_personal = {"legal_name", "date_of_birth"} <= set(columns)
    assert has_personal is (role in SEES)
    assert ("legal_name" in columns) is has_personal  # both or neither
    assert row["display_name"] == "Mila"
    text = ",".join(row.values())
    assert (LEGAL_NAME in text) is (role in SEES)
    assert ("1999-07-23" in text) is (role in SEES)


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_api_gives_personal_fields_to_owners_and_managers_only(role, agency, creator):
    api = _api(member(agency, role), agency)

    listed = api.get(reverse("api:creator-list", args=[agency.slug])).json()["results"][0]
    one = api.get(reverse("api:creator-detail", args=[agency.slug, creator.pk])).json()

    for body in (listed, one):
        assert body["display_name"] == "Mila"
        if role in SEES:
            assert (body["legal_name"], body["date_of_birth"]) == (LEGAL_NAME, "1999-07-23")
        else:
            assert "legal_name" not in body and "date_of_birth" not in body


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_searching_by_legal_name_finds_nothing_for_roles_that_may_not_see_it(role, agency, creator):
    user = member(agency, role)

    page = client_for(user).get(reverse("creators:list", args=[agency.slug]), {"q": "Quist"})
    api = _api(user, agency).get(reverse("api:creator-list", args=[agency.slug]), {"q": "Quist"})
    _columns, exported = _export(client_for(user), agency, q="Quist")

    found = role in SEES
    assert ("Mila" in page.content.decode()) is found
    assert api.json()["count"] == int(found)
    assert len(exported) == int(found)


def test_a_creator_sees_their_own_legal_name_and_birth_date_in_the_portal(agency, creator_user):
    own = Creator.objects.get(user=creator_user)
    own.legal_name, own.date_of_birth = LEGAL_NAME, BORN
    own.save()

    page = client_for(creator_user).get(reverse("portal:profile", args=[agency.slug]))
    body = _api(creator_user, agency).get(reverse("api:me-creator", args=[agency.slug])).json()

    assert _shows_personal_data(page.content.decode()) is True
    assert (body["legal_name"], body["date_of_birth"]) == (LEGAL_NAME, "1999-07-23")


def test_the_schema_still_describes_the_personal_fields(manager_client):
    schema = manager_client.get(reverse("api-schema"), HTTP_ACCEPT="application/json").json()

    creator = schema["components"]["schemas"]["Creator"]["properties"]
    assert "Owners and account managers only" in creator["legal_name"]["description"]
    assert "date_of_birth" in creator

"""The roster API answers bad input with a 400 naming the field, and its schema says which
fields a write needs: a social account without `platform` was a TypeError (a 500) while
the schema called the field optional."""

from __future__ import annotations

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from creators.models import SocialAccount
from tests.core.conftest import token_client
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db


def test_a_social_account_without_a_platform_is_a_400_naming_it(owner, agency):
    creator = CreatorFactory(agency=agency)
    url = reverse("api:creator-socialaccount-list", args=[agency.slug, creator.pk])

    response = token_client(owner, agency).post(
        url, {"handle": "lotte"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"platform": ["This field is required."]}
    assert not SocialAccount.objects.exists()


def test_the_schema_says_a_new_social_account_names_its_platform():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    required = schema["components"]["schemas"]["SocialAccountRequest"]["required"]

    assert set(required) == {"platform", "handle"}


@pytest.mark.parametrize("country", ["²", "\u0661\u0662", "9" * 5000, "1234"])
def test_a_country_that_only_looks_like_a_number_is_refused(owner, agency, country):
    # django-countries reads any str.isdigit() text with int(): a ValueError, so a 500.
    response = token_client(owner, agency).post(
        reverse("api:creator-list", args=[agency.slug]),
        {"display_name": "Lotte", "email": "lotte@example.com", "country": country},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["country"]


@pytest.mark.parametrize("country", ["²", "9" * 5000, "528", "nld"])
def test_the_roster_filter_takes_any_country_text(owner_client, agency, country):
    response = owner_client.get(reverse("creators:list", args=[agency.slug]), {"country": country})

    assert response.status_code == 200

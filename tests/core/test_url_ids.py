"""Object ids in URLs are at most 18 digits (core/converters.py): a 23-digit id reached the
lookup as a number no bigint holds (OverflowError on SQLite, a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from .conftest import token_client

HUGE = "20093204909091295592448"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/a/acme/creators/{id}/",
        "/a/acme/payouts/statements/{id}/",
        "/api/v1/agencies/acme/creators/{id}/",
        "/api/v1/agencies/acme/payouts/statements/{id}/lines/{id}/",
    ],
)
def test_an_id_longer_than_any_row_has_is_a_404(owner, agency, path):
    url = path.format(id=HUGE)

    client = token_client(owner, agency)

    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_the_schema_says_how_long_an_id_is(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    detail = schema["paths"]["/api/v1/agencies/{agency_slug}/creators/{id}/"]["get"]
    (pk,) = [p for p in detail["parameters"] if p["name"] == "id"]

    assert pk["schema"] == {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
    assert reverse("api:creator-detail", args=["acme", 10**18 - 1])

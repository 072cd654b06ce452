"""Id filters of the payouts API take whole numbers a bigint holds: "?transaction=-3.9e127"
reached the foreign-key lookup as a number no column holds (OverflowError on SQLite, a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.core.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("parameter", ["statement", "transaction", "run"])
@pytest.mark.parametrize("value", ["-3.9211905657065883e+127", "9" * 30, "1.5", "0", "-1"])
def test_an_id_filter_outside_the_ids_is_a_400_naming_it(owner, agency, parameter, value):
    response = token_client(owner, agency).get(
        reverse("api:payout-match-list", args=[agency.slug]), {parameter: value}
    )

    assert response.status_code == 400
    assert list(response.json()) == [parameter]


def test_an_id_filter_in_range_filters(owner, agency):
    response = token_client(owner, agency).get(
        reverse("api:payout-match-list", args=[agency.slug]), {"run": str(2**63 - 1)}
    )

    assert response.status_code == 200
    assert response.json()["count"] == 0

"""Control characters are refused at the edge: a NUL in `?q=` was a DataError (a 500) on
PostgreSQL on the roster, eligibility, campaigns, contracts and sponsors lists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from creators.models import Creator

from ..factories import CreatorFactory

LISTS = [
    "creators:list",
    "campaigns:list",
    "campaigns:contract-list",
    "campaigns:sponsor-list",
    "api:creator-list",
    "api:eligibility-list",
    "api:campaign-list",
    "api:contract-list",
    "api:sponsor-list",
]
PARAMETERS = ["q", "manager", "niche", "search", "eligibility", "sort", "ordering", "status"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("parameter", PARAMETERS)
def test_a_nul_in_a_list_filter_is_a_400_saying_why(owner_client, agency, name, parameter):
    url = reverse(name, args=[agency.slug])

    response = owner_client.get(url, {parameter: "beauty\x00"})

    assert response.status_code == 400
    message = f"“{parameter}” contains a control character"
    if name.startswith("api:"):
        assert message in response.json()["detail"]
    else:
        assert message in response.content.decode()
    assert owner_client.get(url, {parameter: "beauty"}).status_code in (200, 400)


@pytest.mark.parametrize("value", ["a\tb", "a\nb", "\x1b[31m", "\x7f", "\x85", "%ff"])
def test_no_control_character_passes_in_a_query_parameter(owner_client, agency, value):
    response = owner_client.get(reverse("creators:list", args=[agency.slug]), {"q": value})

    assert response.status_code == (200 if value == "%ff" else 400)


def test_the_parameter_name_is_checked_too_and_never_echoed(owner_client, agency):
    response = owner_client.get(reverse("creators:list", args=[agency.slug]) + "?q%00x=1")

    assert response.status_code == 400
    assert "\x00" not in response.content.decode()


def test_a_nul_in_the_address_is_a_400(owner_client, agency):
    response = owner_client.get("/invitations/abc%00def/")

    assert response.status_code == 400


def test_a_form_field_may_hold_line_breaks_and_tabs_but_not_a_nul(owner_client, agency):
    creator = CreatorFactory(agency=agency, display_name="Lotte")
    url = reverse("creators:edit", args=[agency.slug, creator.pk])
    data = {
        "display_name": "Lotte",
        "email": "lotte@example.com",
        "status": "active",
        "account_type": "creator",
    }

    refused = owner_client.post(url, {**data, "notes": "first\x00second"})
    accepted = owner_client.post(url, {**data, "notes": "first line\r\n\tsecond line"})

    assert refused.status_code == 400
    assert "“notes” contains a control character" in refused.content.decode()
    assert accepted.status_code == 302, accepted.content.decode()[:500]
    assert Creator.objects.get(pk=creator.pk).notes == "first line\r\n\tsecond line"


def test_unreadable_form_data_is_a_400_not_a_500(owner_client, agency):
    response = owner_client.post(
        reverse("creators:create", args=[agency.slug]),
        b"garbage",
        content_type="multipart/form-data",  # no boundary
    )

    assert response.status_code == 400
    assert "The form data could not be read" in response.content.decode()


def test_the_api_answers_json(owner_api, agency):
    response = owner_api.get(reverse("api:creator-list", args=[agency.slug]) + "?q=%00")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"

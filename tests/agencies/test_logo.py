"""The agency's logo on its own pages: streamed by the app from storage, never a MEDIA_URL or
bucket address, never cached, and only to the agency's members."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from agencies.logos import logo_url
from tests.helpers import client_for


def _png(colour="#c81e5a") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return SimpleUploadedFile("my logo.png", buffer.getvalue(), content_type="image/png")


def _settings_data(agency, **extra) -> dict:
    return {
        "name": agency.name,
        "timezone": agency.timezone,
        "default_currency": agency.default_currency,
        "business_days": ["0", "1", "2", "3", "4"],
        "business_day_start": "09:00",
        "business_day_end": "17:30",
        "brand_color": agency.brand_color,
        **extra,
    }


def _upload_logo(client, agency, upload=None) -> None:
    url = reverse("agencies:settings", args=[agency.slug])
    response = client.post(url, _settings_data(agency, logo=upload or _png()))
    assert response.status_code == 302
    agency.refresh_from_db()


@pytest.mark.django_db
def test_the_settings_page_shows_the_logo_through_the_apps_own_url(owner_client, agency):
    _upload_logo(owner_client, agency)
    url = logo_url(agency)
    assert url == f"/a/{agency.slug}/logo/{agency.logo.name.rsplit('/', 1)[-1]}"

    page = owner_client.get(reverse("agencies:settings", args=[agency.slug])).content.decode()

    # The picture and the file input's "currently" link both point at the app, not at media.
    assert page.count(f'src="{url}"') == 1
    assert f'href="{url}"' in page
    assert "/media/" not in page


@pytest.mark.django_db
def test_every_member_gets_the_logo_inline_and_never_cached(owner_client, agency, creator_user):
    _upload_logo(owner_client, agency)
    response = client_for(creator_user).get(logo_url(agency))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


@pytest.mark.django_db
def test_a_replaced_logo_answers_404_under_its_old_name(owner_client, agency):
    _upload_logo(owner_client, agency)
    old = logo_url(agency)
    _upload_logo(owner_client, agency, _png("#000000"))

    assert owner_client.get(old).status_code == 404
    assert owner_client.get(logo_url(agency)).status_code == 200


@pytest.mark.django_db
def test_another_agencys_logo_answers_404(owner_client, agency, outsider_client, other_agency):
    _upload_logo(owner_client, agency)
    name = agency.logo.name.rsplit("/", 1)[-1]

    # Not a member of the agency, or the name under their own agency: both a 404.
    assert outsider_client.get(logo_url(agency)).status_code == 404
    own = reverse("agencies:logo", kwargs={"agency_slug": other_agency.slug, "name": name})
    assert outsider_client.get(own).status_code == 404


@pytest.mark.django_db
def test_a_logo_whose_file_is_gone_answers_404(owner_client, agency):
    _upload_logo(owner_client, agency)
    agency.logo.storage.delete(agency.logo.name)

    assert owner_client.get(logo_url(agency)).status_code == 404

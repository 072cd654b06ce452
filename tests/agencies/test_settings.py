"""The agency settings page: owner only, validated, audited with before and after."""

from __future__ import annotations

import io
from datetime import time
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from agencies.models import Agency, AuditLog


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _url(agency) -> str:
    return reverse("agencies:settings", args=[agency.slug])


def _image(fmt: str = "PNG", size=(8, 8), name: str = "logo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def _data(agency, **overrides) -> dict:
    data = {
        "name": agency.name,
        "timezone": agency.timezone,
        "default_currency": agency.default_currency,
        "business_days": ["0", "1", "2", "3", "4"],
        "business_day_start": "09:00",
        "business_day_end": "17:30",
        "brand_color": agency.brand_color,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _give_totp(user) -> None:
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


def test_the_owner_sees_the_current_settings(owner_client, agency):
    response = owner_client.get(_url(agency))
    assert response.status_code == 200
    assert response.context["form"]["name"].value() == "Acme Talent"
    assert b'type="color"' in response.content


def test_the_owner_changes_the_settings_and_the_change_is_audited(owner_client, owner, agency):
    response = owner_client.post(
        _url(agency),
        _data(
            agency,
            name="Acme Talent Group",
            timezone="Europe/London",
            default_currency="GBP",
            business_days=["0", "2", "4"],
            business_day_start="08:30",
            business_day_end="18:00",
            brand_color="#FF8800",
        ),
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.name == "Acme Talent Group"
    assert agency.timezone == "Europe/London"
    assert agency.default_currency == "GBP"
    assert agency.business_days == [0, 2, 4]
    assert (agency.business_day_start, agency.business_day_end) == (time(8, 30), time(18, 0))
    assert agency.brand_color == "#ff8800"

    entry = AuditLog.objects.get(agency=agency, action="agency.update")
    assert entry.actor == owner
    assert entry.before["name"] == "Acme Talent"
    assert entry.after["name"] == "Acme Talent Group"
    assert entry.before["business_days"] == [0, 1, 2, 3, 4]
    assert entry.after["business_days"] == [0, 2, 4]
    assert entry.after["business_day_start"] == "08:30:00"
    # Only what changed is recorded.
    assert "require_mfa" not in entry.after


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("brand_color", "#12345", "hex colour"),
        ("brand_color", "red", "hex colour"),
        ("timezone", "Mars/Olympus_Mons", "valid choice"),
        ("default_currency", "XXX", "valid choice"),
        ("business_day_end", "08:00", "must end after it starts"),
        ("business_day_start", "25:00", "valid time"),
        ("business_days", [], "required"),
        ("business_days", ["7"], "valid choice"),
        ("name", "", "required"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_error_and_nothing_is_written(
    owner_client, agency, field, value, message
):
    response = owner_client.post(_url(agency), _data(agency, **{field: value}))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Agency.objects.get(pk=agency.pk).name == "Acme Talent"
    assert not AuditLog.objects.filter(action="agency.update").exists()


def test_a_rejected_change_does_not_leak_into_the_page_header(owner_client, agency):
    response = owner_client.post(_url(agency), _data(agency, name="Renamed", brand_color="bad"))
    assert response.context["current_agency"].name == "Acme Talent"


@pytest.mark.parametrize(("fmt", "name"), [("PNG", "logo.png"), ("JPEG", "logo.jpeg")])
def test_a_png_or_jpeg_logo_is_stored_under_a_random_name(owner_client, agency, fmt, name):
    response = owner_client.post(_url(agency), {**_data(agency), "logo": _image(fmt, name=name)})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.logo.name.startswith("agency-logos/acme-")
    assert agency.logo.name.endswith(".png" if fmt == "PNG" else ".jpg")
    with agency.logo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == fmt
    entry = AuditLog.objects.get(action="agency.update")
    assert entry.before["logo"] == ""
    assert entry.after["logo"] == agency.logo.name


def test_clearing_the_logo_removes_it_and_its_file(
    owner_client, agency, django_capture_on_commit_callbacks
):
    owner_client.post(_url(agency), {**_data(agency), "logo": _image()})
    agency.refresh_from_db()
    old_file = Path(agency.logo.path)
    assert old_file.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(_url(agency), {**_data(agency), "logo-clear": "on"})

    assert response.status_code == 302
    agency.refresh_from_db()
    assert not agency.logo
    assert not old_file.exists()
    entry = AuditLog.objects.filter(action="agency.update").first()
    assert entry.after == {"logo": ""}


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"this is not a picture"), "not a readable PNG or JPEG"),
        (SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40), "not a readable"),
        (None, "PNG or JPEG image (this file is GIF)"),
        (SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (1024 * 1024)), "at most 1 MB"),
    ],
    ids=["text", "broken-png", "gif", "oversized"],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(owner_client, agency, upload, message):
    upload = upload or _image("GIF", name="logo.png")
    response = owner_client.post(_url(agency), {**_data(agency), "logo": upload})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors["logo"])
    agency.refresh_from_db()
    assert not agency.logo
    assert not AuditLog.objects.filter(action="agency.update").exists()


def test_requiring_two_factor_needs_the_owner_to_have_it_first(owner_client, owner, agency):
    response = owner_client.post(_url(agency), {**_data(agency), "require_mfa": "on"})
    assert response.status_code == 200
    assert "Set up two-factor authentication for your own account first" in " ".join(
        response.context["form"].errors["require_mfa"]
    )
    agency.refresh_from_db()
    assert agency.require_mfa is False

    _give_totp(owner)
    response = owner_client.post(_url(agency), {**_data(agency), "require_mfa": "on"})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.require_mfa is True
    entry = AuditLog.objects.get(action="agency.update")
    assert (entry.before, entry.after) == ({"require_mfa": False}, {"require_mfa": True})


def test_a_manager_cannot_open_the_settings(manager_client, agency):
    assert manager_client.get(_url(agency)).status_code == 403
    response = manager_client.post(_url(agency), _data(agency, name="Hijacked"))
    assert response.status_code == 403
    assert Agency.objects.get(pk=agency.pk).name == "Acme Talent"

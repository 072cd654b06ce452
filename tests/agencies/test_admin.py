"""The Django admin signs in through the app (allauth: TOTP step, rate limits), opens only to
staff with an authenticator app, logs every request, and is not mounted unless
ADMIN_ENABLED."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import clear_url_caches, reverse

import config.urls
from agencies.models import Agency, StaffAccess
from agencies.roles import Role
from tests.factories import PASSWORD
from tests.helpers import client_for, member

STAFF_IP = "203.0.113.5"
ATTACKER_IP = "198.51.100.7"


@pytest.fixture
def admin_mounted(settings):
    """config/urls.py mounts the admin only when ADMIN_ENABLED: turn it on, reload the URLs."""

    def remount(enabled: bool) -> None:
        settings.ADMIN_ENABLED = enabled
        importlib.reload(config.urls)
        clear_url_caches()

    remount(True)
    yield
    remount(False)


@pytest.fixture
def staff(agency):
    """A platform staff superuser with an authenticator app; returns the user and secret."""
    user = member(agency, Role.OWNER, email="ops@talentdesk.test", is_staff=True)
    user.is_superuser = True
    user.save()
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def _code(secret: str, *, periods_ahead: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + periods_ahead))


def _sign_in_via_admin(client: Client, email: str, password: str = PASSWORD, *, ip=STAFF_IP):
    """Follow /admin/ to the sign-in page it sends to, and post the password there."""
    to_admin_login = client.get("/admin/", REMOTE_ADDR=ip)
    to_app_login = client.get(to_admin_login["Location"], REMOTE_ADDR=ip)
    login_url = to_app_login["Location"]
    return login_url, client.post(login_url, {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_admin_sends_visitors_to_the_apps_sign_in_page_with_next(client, db, admin_mounted):
    response = client.get("/admin/agencies/agency/")
    assert response.status_code == 302
    admin_login = response["Location"]
    assert admin_login.startswith(reverse("admin:login"))

    response = client.get(admin_login)

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account_login')}?{urlencode({'next': '/admin/agencies/agency/'})}"
    )


def test_the_admin_login_page_sends_signed_in_staff_back_only_within_the_site(admin_mounted, staff):
    client = client_for(staff[0])
    login = reverse("admin:login")

    inside = client.get(f"{login}?next=/admin/agencies/agency/")
    outside = client.get(f"{login}?next=https://evil.example/")

    assert inside["Location"] == "/admin/agencies/agency/"
    assert outside["Location"] == reverse("admin:index")


def test_signing_into_the_admin_needs_the_totp_code(admin_mounted, staff):
    user, secret = staff
    client = Client()

    login_url, response = _sign_in_via_admin(client, user.email)

    # The password alone gets as far as the two-factor step, not into the admin.
    assert login_url.startswith(reverse("account_login"))
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith(reverse("admin:login"))
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_old_admin_login_form_signs_nobody_in(admin_mounted, staff):
    user, _secret = staff
    client = Client()

    response = client.post(reverse("admin:login"), {"username": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_guessing_a_staff_password_through_the_admin_is_throttled(admin_mounted, staff):
    user, _secret = staff
    attacker = Client()
    for _attempt in range(5):
        _login_url, response = _sign_in_via_admin(
            attacker, user.email, "wrong-password", ip=ATTACKER_IP
        )
        assert "not correct" in response.content.decode()

    _login_url, response = _sign_in_via_admin(attacker, user.email, PASSWORD, ip=ATTACKER_IP)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in attacker.session
    # The member, from their own address, still gets to the two-factor step.
    _login_url, response = _sign_in_via_admin(Client(), user.email)
    assert response["Location"] == reverse("mfa_authenticate")


def test_a_staff_member_without_an_authenticator_is_sent_to_set_one_up(agency, admin_mounted):
    user = member(agency, Role.OWNER, is_staff=True)
    client = client_for(user)

    response = client.get(client.get("/admin/")["Location"])

    assert response["Location"] == reverse("mfa_activate_totp")
    [entry] = StaffAccess.objects.all()
    assert (entry.user_pk, entry.action) == (user.pk, StaffAccess.Action.DENIED)


def test_a_member_who_is_not_staff_gets_403_even_with_an_authenticator(
    owner, owner_client, admin_mounted
):
    TOTP.activate(owner, generate_totp_secret())

    response = owner_client.get("/admin/", follow=True)

    assert response.status_code == 403
    [entry] = StaffAccess.objects.all()
    assert (entry.user_email, entry.action, entry.status_code) == (owner.email, "denied", 403)


def test_every_admin_request_and_change_is_logged(agency, staff, admin_mounted):
    user, _secret = staff
    client = client_for(user)
    change_url = reverse("admin:agencies_agency_change", args=[agency.pk])

    page = client.get(change_url, REMOTE_ADDR=STAFF_IP)
    assert page.status_code == 200
    # Post the form back as shown, with a new name.
    shown = page.context["adminform"].form
    form = {name: shown[name].value() for name in shown.fields if name != "logo"}
    form = {name: value for name, value in form.items() if value is not None}
    form.update(name="Acme Renamed", _save="Save")
    response = client.post(change_url, form, REMOTE_ADDR=STAFF_IP)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(pk=agency.pk).name == "Acme Renamed"
    view, change = StaffAccess.objects.order_by("id")
    assert (view.action, view.method, view.path, view.status_code) == (
        "view",
        "GET",
        change_url,
        200,
    )
    assert (change.action, change.method, change.path, change.status_code) == (
        "change",
        "POST",
        change_url,
        302,
    )
    assert {view.user_pk, change.user_pk} == {user.pk}
    assert change.ip_address == STAFF_IP


def test_the_staff_access_log_is_append_only(agency, staff, admin_mounted):
    user, _secret = staff
    client_for(user).get("/admin/")
    entry = StaffAccess.objects.get()

    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        StaffAccess.objects.update(path="/elsewhere/")
    with pytest.raises(PermissionError):
        StaffAccess.objects.all().delete()


def test_on_postgresql_the_database_refuses_to_edit_the_staff_access_log(staff, admin_mounted):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    client_for(staff[0]).get("/admin/")

    for statement in (
        "UPDATE agencies_staffaccess SET path = '/elsewhere/'",
        "DELETE FROM agencies_staffaccess",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    assert StaffAccess.objects.get().path == "/admin/"


def test_without_admin_enabled_there_is_no_admin(client, db):
    # The test settings leave ADMIN_ENABLED at its default (DEBUG, off).
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DEBUG": "true"}, "True"),
        ({"SECRET_KEY": "x" * 50}, "False"),
        ({"SECRET_KEY": "x" * 50, "ADMIN_ENABLED": "true"}, "True"),
    ],
    ids=["development", "production", "production-opted-in"],
)
def test_the_admin_is_off_by_default_in_production(env, expected):
    root = Path(__file__).resolve().parents[2]
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.ADMIN_ENABLED)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "ADMIN_ENABLED"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "", **env})
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code], cwd=root, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == expected

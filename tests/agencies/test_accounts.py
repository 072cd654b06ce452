"""Accounts through allauth: sign-in, throttling, password reset, e-mail verification, and
two-factor authentication (available to everyone, enforced by an agency's owner)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agencies.roles import Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.helpers import member

NEW_PASSWORD = "another-long-passphrase-77"


def _login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _totp_code(secret: str) -> str:
    """The code an authenticator app shows right now for `secret` (allauth's own helpers)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _dashboard(agency) -> str:
    return reverse("agencies:dashboard", args=[agency.slug])


# --- Sign-in ---------------------------------------------------------------------------------


def test_the_login_page_offers_a_password_reset_but_no_sign_up(client, db):
    response = client.get(reverse("account_login"))

    content = response.content.decode()
    assert response.status_code == 200
    assert reverse("account_reset_password") in content
    assert reverse("account_signup") not in content
    assert "invitation" in content


def test_self_service_sign_up_is_closed(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "eve@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert "closed" in response.content.decode().lower()
    assert not EmailAddress.objects.filter(email="eve@example.com").exists()


def test_a_member_signs_in_with_email_and_password_and_out_again(client, owner, agency):
    response = _login(client, "OWNER@acme.test")
    assert response.status_code == 302
    assert client.get(_dashboard(agency)).status_code == 200

    client.post(reverse("account_logout"))
    assert client.get(_dashboard(agency)).status_code == 302


def test_repeated_failed_logins_are_throttled_even_for_the_right_password(client, owner):
    for _attempt in range(5):
        response = _login(client, owner.email, "wrong-password")
        assert "not correct" in response.content.decode()

    response = _login(client, owner.email)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_throttle_is_per_address(client, owner, manager):
    for _attempt in range(5):
        _login(client, owner.email, "wrong-password")
    assert _login(client, manager.email).status_code == 302


# --- Password reset and e-mail verification --------------------------------------------------


def test_a_forgotten_password_is_reset_through_an_emailed_link(client, owner, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": owner.email})
    assert response.status_code == 302
    [mail] = mailoutbox
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.body).group(1)

    form_page = client.get(link, follow=True)
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    fresh = Client()
    assert _login(fresh, owner.email, PASSWORD).status_code == 200  # the old one is gone
    assert _login(fresh, owner.email, NEW_PASSWORD).status_code == 302


def test_an_unverified_address_must_be_confirmed_by_email_before_signing_in(
    client, agency, mailoutbox
):
    user = UserFactory(email="fresh@acme.test", verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    MembershipFactory(user=user, agency=agency, role=Role.MANAGER)

    response = _login(client, user.email)

    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    [mail] = mailoutbox
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.body).group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified is True
    assert _login(client, user.email).status_code == 302
    assert client.get(_dashboard(agency)).status_code == 200


# --- Two-factor authentication ---------------------------------------------------------------


def _activate_totp(client: Client) -> Authenticator:
    """Walk allauth's activation: confirm the password, read the secret, enter a code."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        client.post(response["Location"], {"password": PASSWORD})
        response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": _totp_code(secret)})
    assert response.status_code == 302, response.content[:500]
    return Authenticator.objects.get(type=Authenticator.Type.TOTP)


def test_any_member_can_turn_on_an_authenticator_app(client, creator_user):
    _login(client, creator_user.email)

    authenticator = _activate_totp(client)

    assert authenticator.user == creator_user


def test_an_agency_that_requires_two_factor_opens_once_it_is_set_up(client, owner, agency):
    agency.require_mfa = True
    agency.save()
    _login(client, owner.email)

    response = client.get(_dashboard(agency))
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client.get(reverse("agencies:members", args=[agency.slug])).status_code == 302

    _activate_totp(client)

    assert client.get(_dashboard(agency)).status_code == 200
    assert client.get(reverse("agencies:members", args=[agency.slug])).status_code == 200


def test_the_requirement_only_applies_to_the_agency_that_set_it(client, agency, other_agency):
    user = member(agency, Role.MANAGER)
    MembershipFactory(user=user, agency=other_agency, role=Role.MANAGER)
    other_agency.require_mfa = True
    other_agency.save()
    _login(client, user.email)

    assert client.get(_dashboard(agency)).status_code == 200
    assert client.get(_dashboard(other_agency))["Location"] == reverse("mfa_activate_totp")


def test_signing_in_with_two_factor_asks_for_a_code(client, owner, agency):
    _login(client, owner.email)
    authenticator = _activate_totp(client)
    client.post(reverse("account_logout"))
    secret = decrypt(authenticator.data["secret"])

    # A minute later (a code is accepted only once).
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        response = _login(client, owner.email)
        assert response["Location"] == reverse("mfa_authenticate")
        assert client.get(_dashboard(agency)).status_code == 302  # not signed in yet

        wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
        assert wrong.status_code == 200
        assert "_auth_user_id" not in client.session

        response = client.post(reverse("mfa_authenticate"), {"code": _totp_code(secret)})
        assert response.status_code == 302
        assert client.get(_dashboard(agency)).status_code == 200


# --- E-mail delivery configuration ------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DEBUG": "true"}, "django.core.mail.backends.console.EmailBackend"),
        ({"SECRET_KEY": "x" * 50}, "django.core.mail.backends.smtp.EmailBackend"),
        (
            {"SECRET_KEY": "x" * 50, "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "2525"},
            "django.core.mail.backends.smtp.EmailBackend smtp.example.org 2525",
        ),
    ],
    ids=["development", "production", "production-host"],
)
def test_mail_goes_to_the_console_in_development_and_smtp_in_production(env, backend):
    root = Path(__file__).resolve().parents[2]
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DEBUG"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "config.settings", "TESTING": "", **env})
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", code],
        cwd=root,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith(backend)

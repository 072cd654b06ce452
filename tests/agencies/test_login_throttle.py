"""Failed sign-ins are limited per client IP and per address from that IP, with a back-off,
so an attacker locks only themselves out: the owner, from their own IP, still signs in."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

ATTACKER = "198.51.100.66"
OWNER_HOME = "203.0.113.10"


def _login(client: Client, email: str, password: str = PASSWORD, *, ip: str, **extra):
    return client.post(
        reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip, **extra
    )


def _locked_out(response) -> bool:
    return "Too many failed login attempts" in response.content.decode()


def test_an_attacker_guessing_a_password_is_locked_out_from_their_ip(client, owner):
    for _attempt in range(5):
        assert not _locked_out(_login(client, owner.email, "guess", ip=ATTACKER))

    response = _login(client, owner.email, PASSWORD, ip=ATTACKER)

    assert _locked_out(response)  # even the right password no longer gets through
    assert "_auth_user_id" not in client.session


def test_the_owner_still_signs_in_from_another_ip_while_the_attacker_is_locked_out(owner):
    attacker = Client()
    for _attempt in range(20):
        _login(attacker, owner.email, "guess", ip=ATTACKER)
    assert _locked_out(_login(attacker, owner.email, PASSWORD, ip=ATTACKER))

    owners_browser = Client()
    response = _login(owners_browser, owner.email, ip=OWNER_HOME)

    assert response.status_code == 302
    assert owners_browser.session["_auth_user_id"] == str(owner.pk)


def test_one_ip_spraying_many_addresses_is_stopped_by_the_per_ip_limit(client, owner, manager):
    # Ten different (unknown) addresses, one failure each: no address hits its own limit.
    for n in range(10):
        _login(client, f"nobody{n}@acme.test", "guess", ip=ATTACKER)

    assert _locked_out(_login(client, manager.email, PASSWORD, ip=ATTACKER))
    assert _login(Client(), manager.email, ip=OWNER_HOME).status_code == 302


def test_the_lock_backs_off_five_minutes_then_an_hour(client, owner):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _attempt in range(5):
            _login(client, owner.email, "guess", ip=ATTACKER)
        assert _locked_out(_login(client, owner.email, "guess", ip=ATTACKER))

        # Five minutes later the first window is over: five more tries (ten so far)...
        clock.move_to(start + timedelta(minutes=5, seconds=1))
        for _attempt in range(5):
            assert not _locked_out(_login(client, owner.email, "guess", ip=ATTACKER))
        # ...and five more after the next five minutes, which fills the hour's fifteen.
        clock.move_to(start + timedelta(minutes=10, seconds=2))
        for _attempt in range(5):
            assert not _locked_out(_login(client, owner.email, "guess", ip=ATTACKER))
        clock.move_to(start + timedelta(minutes=15, seconds=3))
        assert _locked_out(_login(client, owner.email, PASSWORD, ip=ATTACKER))

        # An hour after the first failure the hourly window has room again.
        clock.move_to(start + timedelta(hours=1, minutes=1))
        assert _login(client, owner.email, PASSWORD, ip=ATTACKER).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_client_ip_is_what_is_limited(settings, owner):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    attacker = Client()
    for _attempt in range(5):
        _login(attacker, owner.email, "guess", ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert _locked_out(
        _login(attacker, owner.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=ATTACKER)
    )

    # Same proxy, the owner's own address: not locked.
    response = _login(Client(), owner.email, ip=proxy, HTTP_X_FORWARDED_FOR=OWNER_HOME)
    assert response.status_code == 302

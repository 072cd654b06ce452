"""Platform tokens at rest: encrypted with a key from the environment, rotatable, and refused
in production without a key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from platforms import crypto
from platforms.models import PlatformAccount

from ..factories import CreatorFactory, PlatformAccountFactory

ACCESS = "act.secret-access-token-1234567890"
REFRESH = "rft.secret-refresh-token-0987654321"


def _raw_columns(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_ciphertext, refresh_token_ciphertext "
            "FROM platforms_platformaccount WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_the_database_holds_no_plaintext_token(agency):
    account = PlatformAccountFactory(
        creator=CreatorFactory(agency=agency), tokens=(ACCESS, REFRESH)
    )

    access_column, refresh_column = _raw_columns(account.pk)

    assert ACCESS not in access_column and REFRESH not in refresh_column
    assert "secret" not in access_column + refresh_column
    assert access_column.startswith("gAAAA")  # a Fernet token
    fresh = PlatformAccount.objects.get(pk=account.pk)
    assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)


def test_the_same_token_encrypts_differently_each_time(settings):
    assert crypto.encrypt(ACCESS) != crypto.encrypt(ACCESS)


def test_keys_rotate_by_putting_a_new_key_first_and_running_the_command(agency, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PLATFORM_TOKEN_KEYS = [old]
    account = PlatformAccountFactory(
        creator=CreatorFactory(agency=agency), tokens=(ACCESS, REFRESH)
    )
    before = _raw_columns(account.pk)

    settings.PLATFORM_TOKEN_KEYS = [new, old]
    call_command("rotate_platform_tokens")
    settings.PLATFORM_TOKEN_KEYS = [new]  # the old key is dropped

    assert _raw_columns(account.pk) != before
    fresh = PlatformAccount.objects.get(pk=account.pk)
    assert (fresh.access_token, fresh.refresh_token) == (ACCESS, REFRESH)


def test_a_dropped_key_makes_tokens_unreadable_not_wrong(agency, settings):
    settings.PLATFORM_TOKEN_KEYS = [Fernet.generate_key().decode()]
    account = PlatformAccountFactory(
        creator=CreatorFactory(agency=agency), tokens=(ACCESS, REFRESH)
    )
    settings.PLATFORM_TOKEN_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(crypto.TokenUnreadable):
        _ = PlatformAccount.objects.get(pk=account.pk).access_token
    with pytest.raises(CommandError, match="opens this token"):
        call_command("rotate_platform_tokens", "--agency", agency.slug)


def test_production_refuses_tokens_without_a_key_and_the_deploy_check_says_so(settings):
    settings.DEBUG = False
    settings.TESTING = False
    settings.PLATFORM_TOKEN_KEYS = []

    with pytest.raises(crypto.TokenKeyMissing, match="PLATFORM_TOKEN_KEYS"):
        crypto.encrypt(ACCESS)
    assert [w.id for w in crypto.token_key_check()] == ["platforms.W001"]

    settings.PLATFORM_TOKEN_KEYS = ["not-a-fernet-key"]
    assert [w.id for w in crypto.token_key_check()] == ["platforms.W002"]

    settings.PLATFORM_TOKEN_KEYS = [Fernet.generate_key().decode()]
    assert crypto.token_key_check() == []
    assert crypto.decrypt(crypto.encrypt(ACCESS)) == ACCESS


def test_development_derives_a_key_from_the_secret_key_only_while_testing_or_debugging(settings):
    settings.PLATFORM_TOKEN_KEYS = []
    settings.TESTING = True
    assert crypto.decrypt(crypto.encrypt(ACCESS)) == ACCESS

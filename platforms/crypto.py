"""Platform tokens encrypted at rest: Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`.

Keys come from PLATFORM_TOKEN_KEYS, comma-separated; the first encrypts, every one decrypts
(MultiFernet). Rotation: put a new key first, run `manage.py rotate_platform_tokens`, then
drop the old key. Only while DEBUG or TESTING, with no key set, a key derived from SECRET_KEY
is used so `make run` and the tests work; production refuses to store or read a token until
the environment names a key (and `manage.py check --deploy` warns).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.checks import Warning, register
from django.core.exceptions import ImproperlyConfigured


class TokenKeyMissing(ImproperlyConfigured):
    """No PLATFORM_TOKEN_KEYS in production: tokens cannot be stored."""


class TokenUnreadable(Exception):
    """A stored token none of the configured keys opens (its key was dropped too early)."""


def _development_key() -> bytes:
    digest = hashlib.sha256(f"talentdesk-platform-tokens:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def token_keys() -> list[bytes]:
    keys = [k.strip().encode() for k in settings.PLATFORM_TOKEN_KEYS if k.strip()]
    if keys:
        return keys
    if settings.DEBUG or getattr(settings, "TESTING", False):
        return [_development_key()]
    raise TokenKeyMissing(
        "PLATFORM_TOKEN_KEYS is not set: platform accounts cannot be linked until it names a "
        "Fernet key (see README.md, 'Platform connection')."
    )


def keys_configured() -> bool:
    try:
        token_keys()
    except TokenKeyMissing:
        return False
    return True


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in token_keys()])
    except ValueError as exc:  # a key that is not 32 url-safe base64 bytes
        raise ImproperlyConfigured(f"PLATFORM_TOKEN_KEYS holds an invalid key: {exc}") from exc


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenUnreadable("No configured PLATFORM_TOKEN_KEYS key opens this token.") from exc


def rotate(ciphertext: str) -> str:
    """The same token encrypted under the first key (MultiFernet.rotate)."""
    if not ciphertext:
        return ""
    try:
        return _fernet().rotate(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise TokenUnreadable("No configured PLATFORM_TOKEN_KEYS key opens this token.") from exc


@register(deploy=True)
def token_key_check(app_configs=None, **kwargs) -> list:
    if [k for k in settings.PLATFORM_TOKEN_KEYS if k.strip()]:
        try:
            _fernet()
        except ImproperlyConfigured as exc:
            return [Warning(str(exc), id="platforms.W002")]
        return []
    return [
        Warning(
            "PLATFORM_TOKEN_KEYS is not set: linking TikTok accounts is refused.",
            hint="Set PLATFORM_TOKEN_KEYS to a key from "
            '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`.',
            id="platforms.W001",
        )
    ]

"""Personal API tokens: `td_<prefix>_<secret>`, shown once, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.model_rows import Columns, column, per_connection, table

from .audit import audit_record
from .models import Agency, ApiToken, Membership
from .system_scope import enter_agency_of

TOKEN_PREFIX = "td"  # noqa: S105 - a public marker, not a secret
# How long a new token may live, in days; there is no "never".
TOKEN_LIFETIMES = (30, 90, 180, 365)
DEFAULT_TOKEN_LIFETIME = 90


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, membership: Membership, name: str, actor, lifetime_days: int = DEFAULT_TOKEN_LIFETIME
) -> tuple[ApiToken, str]:
    """Create a token for `membership` that expires after `lifetime_days` (one of
    TOKEN_LIFETIMES); returns the row and the plain token (shown once)."""
    if lifetime_days not in TOKEN_LIFETIMES:
        raise ValidationError(
            {"lifetime_days": _("Choose how long the token stays valid from the list.")}
        )
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    token = ApiToken(
        membership=membership,
        name=name.strip(),
        prefix=prefix,
        digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=lifetime_days),
    )
    token.full_clean()
    token.save()
    audit_record(
        agency=membership.agency,
        actor=actor,
        action="api_token.create",
        obj=token,
        after={
            "name": token.name,
            "prefix": prefix,
            "member": membership.user.email,
            "expires_at": token.expires_at.isoformat(),
        },
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    token = (
        ApiToken.objects.select_for_update().select_related("membership__agency").get(pk=token.pk)
    )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            agency=token.membership.agency,
            actor=actor,
            action="api_token.revoke",
            obj=token,
            after={"prefix": token.prefix},
        )
    return token


def api_token_record_use(*, token: ApiToken, now) -> None:
    """Note that `token` was used, at most once a minute: a busy script does not write on
    every request (one UPDATE of one column; not audited, the column is the record)."""
    if token.last_used_at is None or now - token.last_used_at >= timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_token_check(raw: str) -> ApiToken | None:
    """The unrevoked token for `raw`, or None; expired ones too, so the caller can say that
    it expired (whoever holds the whole token may know). Constant-time digest comparison."""
    try:
        scheme, prefix, secret = raw.split("_", 2)
    except ValueError:
        return None
    if scheme != TOKEN_PREFIX or not prefix or not secret:
        return None
    # The token names its agency only through the system scope; from here on the request
    # reads that agency's rows like any other (agencies/rls.py).
    if not enter_agency_of("api_token", prefix):
        return None
    token = _unrevoked_token(prefix)
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    return token


# Every API request reads its token with the membership, user and agency behind it: SQL
# written once per connection (core/model_rows.py), not a `select_related` query the ORM
# compiles each time.
def _token_read(db) -> tuple[str, list[Columns]]:
    user = get_user_model()
    models = [Columns(db, ApiToken, "t"), Columns(db, Membership, "m")]
    models += [Columns(db, user, "u"), Columns(db, Agency, "a")]
    sql = (
        f"SELECT {', '.join(m.sql for m in models)} FROM {table(db, ApiToken)} t "  # noqa: S608 - names from models
        f"JOIN {table(db, Membership)} m "
        f"ON m.{column(db, Membership)} = t.{column(db, ApiToken, 'membership')} "
        f"JOIN {table(db, user)} u ON u.{column(db, user)} = m.{column(db, Membership, 'user')} "
        f"JOIN {table(db, Agency)} a "
        f"ON a.{column(db, Agency)} = m.{column(db, Membership, 'agency')} "
        f"WHERE t.{column(db, ApiToken, 'prefix')} = %s "
        f"AND t.{column(db, ApiToken, 'revoked_at')} IS NULL"
    )
    return sql, models


_token_read_sql = per_connection(_token_read)


def _unrevoked_token(prefix: str) -> ApiToken | None:
    """The unrevoked token with `prefix` (unique), its membership, user and agency loaded."""
    db, (sql, models) = _token_read_sql()
    with db.cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    token, membership, user, agency = (model.load(db, values) for model in models)
    membership.user, membership.agency = user, agency
    token.membership = membership
    return token

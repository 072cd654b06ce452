"""URL matrix entries for agencies/ (agency pages, team, invitations, audit log, tokens)."""

from __future__ import annotations

import io
import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from agencies.models import ApiToken, Invitation, Membership
from agencies.roles import Role

from ..factories import MembershipFactory
from .base import ALL_ROLES, OWNER, STAFF_ROLES, UrlCase

JSON = {"content_type": "application/json"}


def _colleague(agency, creator) -> dict:
    """A manager to act on (so removing or demoting them never hits the last-owner rule)."""
    return {"pk": MembershipFactory(agency=agency, role=Role.MANAGER).pk}


def _invitation(agency, creator) -> dict:
    invitation = Invitation.objects.create(
        agency=agency,
        email=f"invitee-{secrets.token_hex(3)}@example.com",
        role=Role.MANAGER,
        digest=secrets.token_hex(32),
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {"pk": invitation.pk}


def _own_token(agency, creator) -> dict:
    # The matrix builds the acting member just before calling this, so the agency's newest
    # membership is theirs (an agency without members gets one: its token is then foreign).
    membership = Membership.objects.filter(agency=agency).order_by("-pk").first()
    if membership is None:
        membership = MembershipFactory(agency=agency, role=Role.MANAGER)
    token = ApiToken.objects.create(
        membership=membership,
        name="script",
        prefix=secrets.token_hex(4),
        digest="0" * 64,
        expires_at=timezone.now() + timedelta(days=90),
    )
    return {"pk": token.pk}


def _logo(agency, creator) -> dict:
    # A small PNG stored the way the settings page stores one.
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "#123456").save(png, "PNG")
    agency.logo.save(f"{agency.slug}-{secrets.token_hex(6)}.png", ContentFile(png.getvalue()))
    return {"name": agency.logo.name.rsplit("/", 1)[-1]}


def _settings_data(agency, creator) -> dict:
    return {
        "name": agency.name,
        "timezone": agency.timezone,
        "default_currency": agency.default_currency,
        "business_days": ["0", "1", "2", "3", "4"],
        "business_day_start": "09:00",
        "business_day_end": "17:30",
        "brand_color": "#123456",
    }


CASES: list[UrlCase] = [
    UrlCase("agencies:dashboard", ALL_ROLES),
    # The cockpit's own pages (cockpit/urls.py): each member's weekly digest settings.
    UrlCase("cockpit:digest", ALL_ROLES),
    UrlCase(
        "cockpit:digest",
        ALL_ROLES,
        method="post",
        data=lambda agency, creator: {"weekly_digest": "on", "language": "nl"},
    ),
    UrlCase("agencies:settings", OWNER),
    UrlCase("agencies:settings", OWNER, method="post", data=_settings_data),
    UrlCase("agencies:logo", ALL_ROLES, _logo),
    UrlCase("agencies:agency-create", OWNER),
    UrlCase(
        "agencies:agency-create",
        OWNER,
        method="post",
        data=lambda agency, creator: {
            "name": "Second Agency",
            "slug": f"{agency.slug}-second",
            "timezone": "Europe/Amsterdam",
            "currency": "EUR",
        },
    ),
    UrlCase("agencies:members", OWNER),
    UrlCase(
        "agencies:invite",
        OWNER,
        method="post",
        data=lambda agency, creator: {"email": "new@example.com", "role": Role.FINANCE},
    ),
    UrlCase(
        "agencies:member-role",
        OWNER,
        kwargs=_colleague,
        method="post",
        data=lambda agency, creator: {"role": Role.FINANCE},
    ),
    UrlCase(
        "agencies:member-role",
        OWNER,
        kwargs=_colleague,
        method="post",
        data=lambda agency, creator: {"role": Role.FINANCE},
        extra={"HTTP_HX_REQUEST": "true"},
    ),
    UrlCase("agencies:member-remove", OWNER, kwargs=_colleague, method="post"),
    UrlCase("agencies:invitation-revoke", OWNER, kwargs=_invitation, method="post"),
    UrlCase("agencies:invitation-resend", OWNER, kwargs=_invitation, method="post"),
    UrlCase("agencies:audit", OWNER),
    UrlCase("agencies:tokens", ALL_ROLES),
    UrlCase(
        "agencies:tokens",
        ALL_ROLES,
        method="post",
        data=lambda agency, creator: {"name": "Reporting script"},
    ),
    UrlCase("agencies:token-revoke", ALL_ROLES, kwargs=_own_token, method="post"),
    UrlCase("api:me", ALL_ROLES),
    UrlCase("api:audit-log", OWNER),
    # The Team page's API twins (agencies/api.py).
    UrlCase("api:member-list", OWNER),
    UrlCase("api:member-detail", OWNER, kwargs=_colleague),
    UrlCase(
        "api:member-detail",
        OWNER,
        kwargs=_colleague,
        method="patch",
        data=lambda agency, creator: {"role": Role.FINANCE},
        extra=JSON,
    ),
    UrlCase("api:member-detail", OWNER, kwargs=_colleague, method="delete"),
    UrlCase("api:invitation-list", OWNER),
    UrlCase(
        "api:invitation-list",
        OWNER,
        method="post",
        data=lambda agency, creator: {"email": "new@example.com", "role": Role.FINANCE},
        extra=JSON,
    ),
    UrlCase("api:invitation-revoke", OWNER, kwargs=_invitation, method="post", extra=JSON),
    UrlCase("api:invitation-resend", OWNER, kwargs=_invitation, method="post", extra=JSON),
    UrlCase("api:cockpit", STAFF_ROLES),
]

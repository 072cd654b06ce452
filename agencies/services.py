"""Writes to the agency itself and its team: settings, roles, removals. Every one audited.

Invitations live in `agencies/invitations.py`, API tokens in `agencies/tokens.py`.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit_record, snapshot
from .hooks import creator_logins
from .models import Agency, Membership
from .roles import Role
from .tenancy import user_has_mfa

# What the settings page may change; `logo` takes an uploaded file, or None to clear it.
AGENCY_SETTINGS_FIELDS = [
    "name",
    "timezone",
    "default_currency",
    "business_days",
    "business_day_start",
    "business_day_end",
    "brand_color",
    "logo",
    "require_mfa",
]
_UNSET = object()


def _logo_name(agency: Agency, upload: UploadedFile) -> str:
    # A random name: the uploader's file name never reaches the disk or a URL.
    suffix = PurePosixPath(upload.name or "").suffix.lower()
    suffix = ".jpg" if suffix in {".jpeg", ".jpe"} else suffix
    return f"{agency.slug}-{secrets.token_hex(6)}{suffix if suffix in {'.png', '.jpg'} else ''}"


def _settings_snapshot(agency: Agency) -> dict[str, Any]:
    data = snapshot(agency, [f for f in AGENCY_SETTINGS_FIELDS if f != "logo"])
    data["logo"] = agency.logo.name if agency.logo else ""
    return data


@transaction.atomic
def agency_update(*, agency: Agency, actor, changes: dict[str, Any]) -> Agency:
    """Change the agency's settings (see AGENCY_SETTINGS_FIELDS) and audit before/after.

    Locks the agency row. Turning on "require two-factor authentication" needs the acting
    owner to have an authenticator already, so nobody locks themselves out by accident.
    Raises ValidationError (nothing written) on bad values.
    """
    unknown = set(changes) - set(AGENCY_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"agency_update cannot change {sorted(unknown)}")
    changes = dict(changes)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = _settings_snapshot(agency)
    old_logo = agency.logo.name if agency.logo else ""

    if changes.get("require_mfa") and not agency.require_mfa and not user_has_mfa(actor):
        raise ValidationError(
            {
                "require_mfa": _(
                    "Set up two-factor authentication for your own account first, so you "
                    "are not locked out."
                )
            }
        )

    logo = changes.pop("logo", _UNSET)
    for field, value in changes.items():
        setattr(agency, field, value)
    if isinstance(logo, UploadedFile):
        agency.logo.save(_logo_name(agency, logo), logo, save=False)
    elif logo is None or logo is False:
        agency.logo = ""
    try:
        agency.full_clean()
    except ValidationError:
        if isinstance(logo, UploadedFile):
            agency.logo.delete(save=False)
        raise
    agency.save()

    audit_record(
        agency=agency,
        actor=actor,
        action="agency.update",
        obj=agency,
        before=before,
        after=_settings_snapshot(agency),
    )
    new_logo = agency.logo.name if agency.logo else ""
    if old_logo and old_logo != new_logo:
        storage = agency.logo.storage
        # Only once the new settings are committed is the old file unreferenced.
        transaction.on_commit(lambda: storage.delete(old_logo))
    return agency


def _lock_memberships(agency: Agency) -> list[Membership]:
    # Lock every membership of the agency (ordered by pk) so two owners demoting each
    # other at the same moment cannot both succeed and leave the agency without an owner.
    return list(
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "agency")
        .filter(agency=agency)
        .order_by("pk")
    )


def _assert_keeps_an_owner(memberships: list[Membership], leaving: Membership) -> None:
    owners = [m for m in memberships if m.role == Role.OWNER and m.pk != leaving.pk]
    if not owners:
        raise ValidationError(
            _("%(agency)s needs at least one owner. Make someone else an owner first.")
            % {"agency": leaving.agency.name}
        )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor) -> Membership:
    """Give a member another role. Refuses to remove the agency's last owner."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    locked = _lock_memberships(membership.agency)
    membership = next((m for m in locked if m.pk == membership.pk), None)
    if membership is None:
        raise Membership.DoesNotExist
    if membership.role == role:
        return membership
    if membership.role == Role.OWNER:
        _assert_keeps_an_owner(locked, membership)
    before = snapshot(membership, ["role"])
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    audit_record(
        agency=membership.agency,
        actor=actor,
        action="membership.set_role",
        obj=membership,
        before=before,
        after=snapshot(membership, ["role"]),
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    """Remove a member from the agency: their API tokens go with the membership and a
    creator's roster entry is unlinked from their login. Refuses to remove the last owner."""
    locked = _lock_memberships(membership.agency)
    membership = next((m for m in locked if m.pk == membership.pk), None)
    if membership is None:
        raise Membership.DoesNotExist
    if membership.role == Role.OWNER:
        _assert_keeps_an_owner(locked, membership)
    agency = membership.agency
    audit_record(
        agency=agency,
        actor=actor,
        action="membership.remove",
        obj=membership,
        before={"user": membership.user.email, "role": membership.role},
    )
    creator_logins().unlink(membership, actor)
    membership.delete()

"""Roster writes: creators, their niches and their social accounts.

Every service is keyword-only, runs in one transaction, validates (`full_clean` plus the
tenant rules a model cannot express) before it saves, and appends an audit entry naming the
actor. A rule broken raises `ValidationError` with a message per field, nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import BaseUserManager
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency, Membership
from agencies.roles import Role

from . import selectors
from .models import AccountType, Creator, CreatorStatus, NicheTag, Platform, SocialAccount
from .permissions import ACCOUNT_MANAGER_ROLES

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

# What the audit log records of a creator (niches as their names).
CREATOR_FIELDS = [
    "display_name",
    "legal_name",
    "email",
    "country",
    "date_of_birth",
    "account_type",
    "status",
    "account_manager",
    "user",
    "notes",
]
CREATOR_EDITABLE = frozenset(CREATOR_FIELDS)
SOCIAL_FIELDS = ["platform", "handle", "profile_url", "followers"]
SOCIAL_EDITABLE = frozenset(SOCIAL_FIELDS)

NICHE_MAX_LENGTH = NicheTag._meta.get_field("name").max_length
# Letters, digits, dot, underscore and hyphen: what TikTok, Instagram, YouTube, X and Twitch
# allow between them. "@" in front is accepted and dropped.
HANDLE_RE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
PROFILE_URLS = {
    Platform.TIKTOK: "https://www.tiktok.com/@{handle}",
    Platform.INSTAGRAM: "https://www.instagram.com/{handle}/",
    Platform.YOUTUBE: "https://www.youtube.com/@{handle}",
    Platform.X: "https://x.com/{handle}",
    Platform.TWITCH: "https://www.twitch.tv/{handle}",
}
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


# --- small normalisers shared with the CSV import and the API --------------------------------


def normalise_email(email: str) -> str:
    return BaseUserManager.normalize_email((email or "").strip())


def normalise_handle(handle: str) -> str:
    return (handle or "").strip().removeprefix("@").strip()


def split_niches(text: str) -> list[str]:
    """'Beauty; tech, food' → ['Beauty', 'tech', 'food'] (both separators accepted)."""
    return [part for part in re.split(r"[;,]", text or "") if part.strip()]


def clean_niche_names(names: Iterable[str]) -> list[str]:
    """Trimmed, whitespace-collapsed, de-duplicated case-insensitively (first spelling wins)."""
    seen: dict[str, str] = {}
    for raw in names:
        name = " ".join(str(raw).split())
        if not name:
            continue
        if len(name) > NICHE_MAX_LENGTH:
            raise ValidationError(
                {
                    "niches": _("A niche has at most %(max)d characters: “%(name)s”.")
                    % {"max": NICHE_MAX_LENGTH, "name": name[:60]}
                }
            )
        seen.setdefault(name.casefold(), name)
    return list(seen.values())


def default_profile_url(platform: str, handle: str) -> str:
    template = PROFILE_URLS.get(platform)
    return template.format(handle=handle) if template and handle else ""


def handle_error(handle: str) -> str | None:
    if not handle:
        return _("Enter the handle.")
    if not HANDLE_RE.match(handle):
        return _("A handle has only letters, digits, dots, underscores and hyphens.")
    return None


def birth_date_error(value: date | None, *, today: date | None = None) -> str | None:
    if value is None:
        return None
    today = today or timezone.localdate()
    if value > today:
        return _("The date of birth is in the future.")
    if value < EARLIEST_BIRTH_DATE:
        return _("Check the year of the date of birth.")
    return None


# --- niches ----------------------------------------------------------------------------------


@transaction.atomic
def niche_tags_get_or_create(*, agency: Agency, names: Iterable[str]) -> list[NicheTag]:
    """The agency's tags for `names`, creating missing ones; matched case-insensitively, so
    "Beauty" and "beauty" are one tag (the spelling first saved wins)."""
    wanted = clean_niche_names(names)
    if not wanted:
        return []
    existing = {tag.name.casefold(): tag for tag in NicheTag.objects.for_agency(agency)}
    tags = []
    for name in wanted:
        tag = existing.get(name.casefold())
        if tag is None:
            tag = NicheTag(agency=agency, name=name)
            tag.full_clean(exclude=["agency"], validate_constraints=False)
            tag.save()
            existing[name.casefold()] = tag
            selectors.roster_facets_forget(agency_id=agency.pk)
        tags.append(tag)
    return tags


# --- creators --------------------------------------------------------------------------------


def creator_field_errors(creator: Creator, *, check_relations: bool = True) -> dict[str, list]:
    """Field rules of one creator, without the tenant rules (those need the database)."""
    errors: dict[str, list] = {}
    exclude = [] if check_relations else ["agency", "account_manager", "user"]
    try:
        # Constraints are checked in `creator_tenant_errors` with messages a person can act on.
        creator.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if message := birth_date_error(creator.date_of_birth):
        errors.setdefault("date_of_birth", []).append(message)
    return errors


def creator_tenant_errors(creator: Creator) -> dict[str, list]:
    """The rules across rows: a unique e-mail in the agency, an account manager who is an
    owner or manager here, a login that is a creator member here and nobody else's."""
    errors: dict[str, list] = {}
    agency_creators = Creator.objects.filter(agency_id=creator.agency_id).exclude(pk=creator.pk)
    if creator.email and agency_creators.filter(email__iexact=creator.email).exists():
        errors["email"] = [_("Another creator in this agency has this e-mail address.")]
    memberships = Membership.objects.filter(agency_id=creator.agency_id)
    if (
        creator.account_manager_id
        and not memberships.filter(
            user_id=creator.account_manager_id, role__in=ACCOUNT_MANAGER_ROLES
        ).exists()
    ):
        errors["account_manager"] = [
            _("The account manager must be an owner or account manager of this agency.")
        ]
    if creator.user_id:
        if not memberships.filter(user_id=creator.user_id, role=Role.CREATOR).exists():
            errors["user"] = [_("The login must belong to a creator member of this agency.")]
        elif agency_creators.filter(user_id=creator.user_id).exists():
            errors["user"] = [_("This login is already linked to another creator.")]
    return errors


def _validate(creator: Creator) -> None:
    errors = creator_field_errors(creator)
    for field, messages in creator_tenant_errors(creator).items():
        errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def sync_offboarded_at(creator: Creator, *, previous_status: str | None) -> None:
    """Keep `offboarded_at` set exactly while the creator is offboarded."""
    if creator.status == CreatorStatus.OFFBOARDED:
        if previous_status != CreatorStatus.OFFBOARDED or creator.offboarded_at is None:
            creator.offboarded_at = timezone.now()
    else:
        creator.offboarded_at = None


def creator_snapshot(creator: Creator, *, niches: list[str] | None = None) -> dict[str, Any]:
    data = snapshot(creator, CREATOR_FIELDS)
    data["niches"] = (
        sorted(niches) if niches is not None else sorted(t.name for t in creator.niches.all())
    )
    return data


@transaction.atomic
def creator_create(
    *,
    agency: Agency,
    actor: AbstractUser | None,
    display_name: str,
    email: str,
    legal_name: str = "",
    country: str = "",
    date_of_birth: date | None = None,
    account_type: str = AccountType.CREATOR,
    status: str = CreatorStatus.ACTIVE,
    account_manager: AbstractUser | None = None,
    user: AbstractUser | None = None,
    niches: Iterable[str] = (),
    notes: str = "",
) -> Creator:
    """Add a creator to the roster, with niches created as needed."""
    creator = Creator(
        agency=agency,
        display_name=(display_name or "").strip(),
        email=normalise_email(email),
        legal_name=(legal_name or "").strip(),
        country=country or "",
        date_of_birth=date_of_birth,
        account_type=account_type,
        status=status,
        account_manager=account_manager,
        user=user,
        notes=notes or "",
    )
    sync_offboarded_at(creator, previous_status=None)
    niche_names = clean_niche_names(niches)
    _validate(creator)
    creator.save()
    selectors.roster_facets_forget(agency_id=agency.pk)  # the count, maybe a new country
    tags = niche_tags_get_or_create(agency=agency, names=niche_names)
    creator.niches.set(tags)
    audit_record(
        agency=agency,
        actor=actor,
        action="creator.create",
        obj=creator,
        after=creator_snapshot(creator, niches=[t.name for t in tags]),
    )
    return creator


def _locked(creator: Creator) -> Creator:
    return (
        # of=self: lock the creator's row, not the agency row joined for convenience.
        Creator.objects.select_for_update(of=("self",))
        .select_related("agency")
        .get(pk=creator.pk, agency_id=creator.agency_id)
    )


@transaction.atomic
def creator_update(
    *,
    creator: Creator,
    actor: AbstractUser | None,
    niches: Iterable[str] | None = None,
    **changes: Any,
) -> Creator:
    """Change any of CREATOR_FIELDS (and the niches when given). Locks the creator's row.
    Setting the status keeps `offboarded_at` in step; an audit entry lists what changed."""
    unknown = set(changes) - CREATOR_EDITABLE
    if unknown:
        raise TypeError(f"creator_update() cannot change {sorted(unknown)}")
    creator = _locked(creator)
    before = creator_snapshot(creator)
    previous_status = creator.status
    for field, value in changes.items():
        if field == "email":
            value = normalise_email(value)
        elif field in {"display_name", "legal_name"}:
            value = (value or "").strip()
        elif field in {"country", "notes"}:
            value = value or ""
        setattr(creator, field, value)
    sync_offboarded_at(creator, previous_status=previous_status)
    niche_names = clean_niche_names(niches) if niches is not None else None
    _validate(creator)
    creator.save()
    if "country" in changes:
        selectors.roster_facets_forget(agency_id=creator.agency_id)
    if niche_names is not None:
        creator.niches.set(niche_tags_get_or_create(agency=creator.agency, names=niche_names))
    after = creator_snapshot(creator, niches=niche_names)
    if after != before:
        audit_record(
            agency=creator.agency,
            actor=actor,
            action="creator.update",
            obj=creator,
            before=before,
            after=after,
        )
    return creator


@transaction.atomic
def creator_offboard(*, creator: Creator, actor: AbstractUser | None, reason: str = "") -> Creator:
    """Mark the creator offboarded (kept on the roster, with history). Locks the row."""
    creator = _locked(creator)
    if creator.status == CreatorStatus.OFFBOARDED:
        raise ValidationError(_("This creator is already offboarded."))
    before = {"status": creator.status, "offboarded_at": None}
    creator.status = CreatorStatus.OFFBOARDED
    creator.offboarded_at = timezone.now()
    creator.save(update_fields=["status", "offboarded_at", "updated_at"])
    audit_record(
        agency=creator.agency,
        actor=actor,
        action="creator.offboard",
        obj=creator,
        before=before,
        after={
            "status": creator.status,
            "offboarded_at": creator.offboarded_at,
            "reason": (reason or "").strip(),
        },
    )
    return creator


@transaction.atomic
def creator_reactivate(*, creator: Creator, actor: AbstractUser | None) -> Creator:
    """Bring an offboarded creator back as active. Locks the row."""
    creator = _locked(creator)
    if creator.status != CreatorStatus.OFFBOARDED:
        raise ValidationError(_("Only an offboarded creator can be reactivated."))
    before = {"status": creator.status, "offboarded_at": creator.offboarded_at}
    creator.status = CreatorStatus.ACTIVE
    creator.offboarded_at = None
    creator.save(update_fields=["status", "offboarded_at", "updated_at"])
    audit_record(
        agency=creator.agency,
        actor=actor,
        action="creator.reactivate",
        obj=creator,
        before=before,
        after={"status": creator.status, "offboarded_at": None},
    )
    return creator


# --- social accounts -------------------------------------------------------------------------


def social_account_errors(account: SocialAccount) -> dict[str, list]:
    errors: dict[str, list] = {}
    if message := handle_error(account.handle):
        errors["handle"] = [message]
    try:
        account.full_clean(
            exclude=["agency", "creator", "handle"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if "handle" not in errors:
        taken = (
            SocialAccount.objects.filter(
                agency_id=account.agency_id,
                platform=account.platform,
                handle__iexact=account.handle,
            )
            .exclude(pk=account.pk)
            .select_related("creator")
            .first()
        )
        if taken is not None:
            errors["handle"] = [
                _("@%(handle)s on %(platform)s already belongs to %(creator)s.")
                % {
                    "handle": account.handle,
                    "platform": account.get_platform_display(),
                    "creator": taken.creator.display_name,
                }
            ]
    return errors


def _social_snapshot(account: SocialAccount) -> dict[str, Any]:
    return {**snapshot(account, SOCIAL_FIELDS), "creator": account.creator_id}


@transaction.atomic
def social_account_add(
    *,
    creator: Creator,
    actor: AbstractUser | None,
    platform: str,
    handle: str,
    profile_url: str = "",
    followers: int = 0,
) -> SocialAccount:
    """Link a social account; a handle is unique per platform within the agency."""
    handle = normalise_handle(handle)
    account = SocialAccount(
        agency_id=creator.agency_id,
        creator=creator,
        platform=platform,
        handle=handle,
        profile_url=(profile_url or "").strip() or default_profile_url(platform, handle),
        followers=followers or 0,
    )
    if errors := social_account_errors(account):
        raise ValidationError(errors)
    account.save()
    audit_record(
        agency=creator.agency,
        actor=actor,
        action="social_account.add",
        obj=account,
        after=_social_snapshot(account),
    )
    return account


@transaction.atomic
def social_account_update(
    *, account: SocialAccount, actor: AbstractUser | None, **changes: Any
) -> SocialAccount:
    """Change the platform, handle, profile URL or followers. Locks the row. A profile URL
    that was the platform's default follows a new handle."""
    unknown = set(changes) - SOCIAL_EDITABLE
    if unknown:
        raise TypeError(f"social_account_update() cannot change {sorted(unknown)}")
    account = (
        SocialAccount.objects.select_for_update(of=("self",))
        .select_related("creator__agency")
        .get(pk=account.pk, agency_id=account.agency_id)
    )
    before = _social_snapshot(account)
    had_default_url = account.profile_url in (
        "",
        default_profile_url(account.platform, account.handle),
    )
    if "handle" in changes:
        changes["handle"] = normalise_handle(changes["handle"])
    if "profile_url" in changes:
        changes["profile_url"] = (changes["profile_url"] or "").strip()
    for field, value in changes.items():
        setattr(account, field, value)
    if had_default_url and not changes.get("profile_url"):
        account.profile_url = default_profile_url(account.platform, account.handle)
    if account.followers is None:
        account.followers = 0
    if errors := social_account_errors(account):
        raise ValidationError(errors)
    account.save()
    after = _social_snapshot(account)
    if after != before:
        audit_record(
            agency=account.creator.agency,
            actor=actor,
            action="social_account.update",
            obj=account,
            before=before,
            after=after,
        )
    return account


@transaction.atomic
def social_account_remove(*, account: SocialAccount, actor: AbstractUser | None) -> None:
    """Unlink a social account; the audit entry keeps what it was."""
    account = (
        SocialAccount.objects.select_for_update(of=("self",))
        .select_related("creator__agency")
        .get(pk=account.pk, agency_id=account.agency_id)
    )
    audit_record(
        agency=account.creator.agency,
        actor=actor,
        action="social_account.remove",
        obj=account,
        before=_social_snapshot(account),
    )
    account.delete()

"""Persisting a parsed roster file (`creators.roster_csv.parse_roster_csv`): every row or none.

Rows are matched to the roster by e-mail (case-insensitive): a match is updated, anything
else is created, so importing the same file twice changes nothing the second time. All rows
are checked against the database first (account managers, handles owned by someone else);
only a clean file is written, in bulk, inside one transaction, with an audit entry per
creator changed and one for the import.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency

from . import selectors
from .models import Creator, SocialAccount
from .roster_csv import CellError, ParsedRoster, RosterRow
from .services import (
    creator_field_errors,
    creator_snapshot,
    default_profile_url,
    niche_tags_get_or_create,
    sync_offboarded_at,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

# Model fields an import can write, and the file column that reports a problem with each.
_DIRECT_FIELDS = ("display_name", "legal_name", "country", "date_of_birth", "notes")
_WRITTEN_FIELDS = [
    *_DIRECT_FIELDS,
    "account_type",
    "status",
    "account_manager",
    "offboarded_at",
    "updated_at",
]
_FIELD_COLUMNS = {"account_manager": "account_manager_email", "__all__": ""}
_BATCH = 500


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


class RosterImportError(Exception):
    def __init__(self, errors: list[CellError]):
        super().__init__(f"{len(errors)} problem(s) in the roster file")
        self.errors = errors


@dataclass
class _Plan:
    creator: Creator
    is_new: bool
    before: dict[str, Any] | None
    after: dict[str, Any]
    niches: list[str] | None
    new_accounts: list[SocialAccount] = field(default_factory=list)
    changed_accounts: list[SocialAccount] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.is_new or self.before != self.after


def _folded(names: list[str]) -> list[str]:
    return sorted(name.casefold() for name in names)


def _account_label(account: SocialAccount) -> str:
    return f"{account.platform}:@{account.handle}:{account.followers}"


class _Roster:
    """What the import needs to know of the agency's roster, loaded in a handful of queries
    (never one per row)."""

    def __init__(self, agency: Agency):
        self.creators = {c.email.lower(): c for c in Creator.objects.for_agency(agency)}
        through = Creator.niches.through
        self.niches: dict[int, list[str]] = defaultdict(list)
        for creator_id, name in through.objects.filter(creator__agency=agency).values_list(
            "creator_id", "nichetag__name"
        ):
            self.niches[creator_id].append(name)
        self.managers = {
            user.email.lower(): user
            for user in selectors.account_manager_choices(agency=agency)
            if user.email
        }
        self.accounts: dict[tuple[str, str], SocialAccount] = {}
        self.accounts_of: dict[int, list[SocialAccount]] = defaultdict(list)
        for account in SocialAccount.objects.for_agency(agency).order_by("pk"):
            self.accounts[(account.platform, account.handle.lower())] = account
            self.accounts_of[account.creator_id].append(account)
        self.names = {c.pk: c.display_name for c in self.creators.values()}


def _plan_row(
    agency: Agency, roster: _Roster, row: RosterRow, errors: list[CellError]
) -> _Plan | None:
    values = row.values
    creator = roster.creators.get(row.email.lower())
    is_new = creator is None
    row_errors: list[CellError] = []
    if creator is None:
        creator = Creator(agency=agency, email=row.email)
        before = None
        previous_status = None
        old_niches: list[str] = []
    else:
        old_niches = roster.niches.get(creator.pk, [])
        before = creator_snapshot(creator, niches=old_niches)
        previous_status = creator.status
    for name in _DIRECT_FIELDS:
        if name in values:
            setattr(creator, name, values[name])
    for name in ("account_type", "status"):
        if values.get(name):
            setattr(creator, name, values[name])
    if "account_manager_email" in values:
        email = values["account_manager_email"]
        manager = roster.managers.get(email.lower()) if email else None
        if email and manager is None:
            row_errors.append(
                CellError(
                    row.row,
                    "account_manager_email",
                    _("Nobody with this e-mail is an owner or account manager of the agency."),
                )
            )
        creator.account_manager = manager
    sync_offboarded_at(creator, previous_status=previous_status)
    for name, messages in creator_field_errors(creator, check_relations=False).items():
        column = _FIELD_COLUMNS.get(name, name)
        row_errors.extend(CellError(row.row, column, str(m)) for m in messages)

    new_accounts, changed_accounts = [], []
    before_accounts, after_accounts = [], []
    for cell in row.socials:
        account = roster.accounts.get((cell.platform, cell.handle.lower()))
        if account is not None and (is_new or account.creator_id != creator.pk):
            row_errors.append(
                CellError(
                    row.row,
                    f"{cell.platform}_handle",
                    _("@%(handle)s already belongs to %(creator)s.")
                    % {"handle": cell.handle, "creator": roster.names.get(account.creator_id)},
                )
            )
            continue
        if account is None and not is_new:
            # Renamed: the creator's only account on that platform takes the new handle.
            same_platform = [
                a for a in roster.accounts_of.get(creator.pk, []) if a.platform == cell.platform
            ]
            if len(same_platform) == 1:
                account = same_platform[0]
        if account is None:
            account = SocialAccount(agency=agency, creator=creator, platform=cell.platform)
            account.handle = cell.handle
            account.profile_url = default_profile_url(cell.platform, cell.handle)
            account.followers = cell.followers or 0
            new_accounts.append(account)
            after_accounts.append(_account_label(account))
            continue
        old_label = _account_label(account)
        if account.handle != cell.handle:
            if account.profile_url in ("", default_profile_url(account.platform, account.handle)):
                account.profile_url = default_profile_url(account.platform, cell.handle)
            account.handle = cell.handle
        if cell.followers is not None:
            account.followers = cell.followers
        if _account_label(account) != old_label:
            changed_accounts.append(account)
            before_accounts.append(old_label)
            after_accounts.append(_account_label(account))

    if row_errors:
        errors.extend(row_errors)
        return None
    niches = values.get("niches")
    after = creator_snapshot(creator, niches=niches if niches is not None else old_niches)
    if before is not None and _folded(before["niches"]) == _folded(after["niches"]):
        niches = None  # unchanged (perhaps spelled in another case): leave the links alone
        after["niches"] = before["niches"]
    if before_accounts or after_accounts:
        after["social_accounts"] = after_accounts
        if before is not None:
            before = {**before, "social_accounts": before_accounts}
    return _Plan(creator, is_new, before, after, niches, new_accounts, changed_accounts)


@transaction.atomic
def roster_import(
    *,
    agency: Agency,
    actor: AbstractUser | None,
    parsed: ParsedRoster,
    filename: str = "",
) -> ImportSummary:
    """Write a parsed roster file, all or nothing. Raises RosterImportError with every
    problem (row, column, message) when any row cannot be written; then nothing is."""
    if parsed.errors:
        raise RosterImportError(parsed.errors)
    # One import at a time per agency (PostgreSQL row lock; SQLite has one writer anyway):
    # two overlapping files would otherwise race on the same e-mails and handles.
    list(Agency.objects.select_for_update().filter(pk=agency.pk))
    roster = _Roster(agency)
    errors: list[CellError] = []
    plans = [plan for row in parsed.rows if (plan := _plan_row(agency, roster, row, errors))]
    if errors:
        raise RosterImportError(errors)
    try:
        with transaction.atomic():
            summary = _write(agency, actor, plans)
            audit_record(
                agency=agency,
                actor=actor,
                action="creator.import",
                after={
                    "file": filename[:200],
                    "rows": len(parsed.rows),
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                },
            )
    except IntegrityError as exc:
        raise RosterImportError(
            [CellError(0, "", _("The roster changed while the file was imported; try again."))]
        ) from exc
    return summary


def _write(agency: Agency, actor, plans: list[_Plan]) -> ImportSummary:
    now = timezone.now()
    new = [p for p in plans if p.is_new]
    changed = [p for p in plans if not p.is_new and p.changed]
    Creator.objects.bulk_create([p.creator for p in new], batch_size=_BATCH)
    selectors.roster_facets_forget(agency_id=agency.pk)  # the count and the countries
    for plan in changed:
        plan.creator.updated_at = now
    Creator.objects.bulk_update(
        [p.creator for p in changed], fields=_WRITTEN_FIELDS, batch_size=_BATCH
    )

    niche_plans = [p for p in plans if p.niches is not None]
    if niche_plans:
        tags = {
            tag.name.casefold(): tag
            for tag in niche_tags_get_or_create(
                agency=agency, names=[n for p in niche_plans for n in p.niches]
            )
        }
        through = Creator.niches.through
        old_ids = [p.creator.pk for p in niche_plans if not p.is_new]
        for start in range(0, len(old_ids), _BATCH):
            through.objects.filter(creator_id__in=old_ids[start : start + _BATCH]).delete()
        links = {(p.creator.pk, tags[name.casefold()].pk) for p in niche_plans for name in p.niches}
        through.objects.bulk_create(
            [through(creator_id=c, nichetag_id=t) for c, t in sorted(links)],
            batch_size=_BATCH,
        )

    new_accounts = [a for p in plans for a in p.new_accounts]
    for account in new_accounts:
        account.creator_id = account.creator.pk
    SocialAccount.objects.bulk_create(new_accounts, batch_size=_BATCH)
    changed_accounts = [a for p in plans for a in p.changed_accounts]
    for account in changed_accounts:
        account.updated_at = now
    SocialAccount.objects.bulk_update(
        changed_accounts,
        fields=["handle", "profile_url", "followers", "updated_at"],
        batch_size=_BATCH,
    )

    for plan in new:
        audit_record(
            agency=agency, actor=actor, action="creator.create", obj=plan.creator, after=plan.after
        )
    for plan in changed:
        audit_record(
            agency=agency,
            actor=actor,
            action="creator.update",
            obj=plan.creator,
            before=plan.before,
            after=plan.after,
        )
    unchanged = len(plans) - len(new) - len(changed)
    return ImportSummary(created=len(new), updated=len(changed), unchanged=unchanged)

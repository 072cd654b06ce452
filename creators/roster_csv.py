"""The roster as a CSV file: its columns, the pure parser (bytes → rows and errors) and the
export rows. Nothing here touches the database; `creators.roster_import` persists.

Rules of the file (shown on the import page):
- UTF-8, with or without a byte-order mark; comma- or semicolon-separated (read from the
  header line); the first line names the columns, in any order and any case.
- `display_name` and `email` are required; a row is matched to the roster by e-mail
  (case-insensitive), so importing the same file again updates instead of duplicating.
- A column left out of the file leaves that field as it is. An empty cell clears an optional
  field; an empty `account_type` or `status` keeps the current value (a new creator gets the
  default); an empty handle leaves that platform's account alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv_import import (
    CellError,
    Column,
    CsvTable,
    choice,
    country_code,
    iso_date,
    read_csv,
    whole_number,
)
from core.spreadsheets import spreadsheet_unescape

from .models import AccountType, Creator, CreatorStatus, Platform
from .services import (
    clean_niche_names,
    handle_error,
    normalise_email,
    normalise_handle,
    split_niches,
)

MAX_FOLLOWERS = 10**11


PLATFORMS: list[str] = list(Platform.values)

COLUMNS: tuple[Column, ...] = (
    Column("display_name", gettext_lazy("Name shown in the roster."), "Mila Jansen", required=True),
    Column(
        "email",
        gettext_lazy("E-mail address; matches the row to an existing creator."),
        "mila@example.com",
        required=True,
    ),
    Column("legal_name", gettext_lazy("Name for contracts and payouts."), "Mila de Jong-Jansen"),
    Column("country", gettext_lazy("ISO country code, e.g. NL, GB, US."), "NL"),
    Column("date_of_birth", gettext_lazy("YYYY-MM-DD."), "1998-04-17"),
    Column(
        "account_type", gettext_lazy("personal, creator or business (empty: creator)."), "creator"
    ),
    Column("status", gettext_lazy("active, paused or offboarded (empty: active)."), "active"),
    Column(
        "account_manager_email",
        gettext_lazy("E-mail of an owner or account manager of the agency; empty for none."),
        "manager@agency.example",
    ),
    Column("niches", gettext_lazy("Niche names separated by semicolons."), "beauty; lifestyle"),
    Column("notes", gettext_lazy("Internal notes."), ""),
    *(
        column
        for platform, label in Platform.choices
        for column in (
            Column(
                f"{platform}_handle",
                format_lazy(gettext_lazy("{platform} handle, with or without @."), platform=label),
                "milajansen" if platform == Platform.TIKTOK else "",
            ),
            Column(
                f"{platform}_followers",
                format_lazy(gettext_lazy("{platform} followers, a whole number."), platform=label),
                "48200" if platform == Platform.TIKTOK else "",
            ),
        )
    ),
)
COLUMN_NAMES = [c.name for c in COLUMNS]
REQUIRED_COLUMNS = [c.name for c in COLUMNS if c.required]
# Columns the export adds for reading; the import recognises and ignores them.
EXPORT_ONLY_COLUMNS = ["total_followers"]
EXPORT_COLUMNS = [*COLUMN_NAMES, *EXPORT_ONLY_COLUMNS]
# Left out of the export for roles that may not see them (permissions.PERSONAL_DATA_VIEW):
# left out, not blank, so a re-import of such a file cannot erase them.
PERSONAL_COLUMNS = frozenset({"legal_name", "date_of_birth"})


def export_columns(*, personal_data: bool) -> list[str]:
    """The export's columns, with or without the personal ones."""
    if personal_data:
        return EXPORT_COLUMNS
    return [name for name in EXPORT_COLUMNS if name not in PERSONAL_COLUMNS]


_MAX_LENGTHS = {
    name: Creator._meta.get_field(name).max_length
    for name in ("display_name", "legal_name", "email")
}


@dataclass
class SocialCell:
    platform: str
    handle: str
    followers: int | None


@dataclass
class RosterRow:
    row: int
    # Only the columns present in the file, cleaned: str, date, list[str] (niches).
    values: dict[str, Any]
    socials: list[SocialCell] = field(default_factory=list)

    @property
    def email(self) -> str:
        return self.values["email"]


class ParsedRoster(CsvTable):
    """The roster file as read: `rows` are `RosterRow`s, usable only when `errors` is empty."""


# --- the cells ---------------------------------------------------------------------------------


def _text(column: str, *, required_message: Promise | None = None):
    def parse(text: str) -> str:
        value = text.strip()
        if required_message and not value:
            raise ValueError(str(required_message))
        limit = _MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            raise ValueError(_("At most %(max)d characters.") % {"max": limit})
        return value

    return parse


def _email(*, required: bool):
    def parse(text: str) -> str:
        value = normalise_email(text)
        if not value:
            if required:
                raise ValueError(_("Enter the e-mail address."))
            return ""
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValueError(_("Enter a valid e-mail address.")) from exc
        if len(value) > _MAX_LENGTHS["email"]:
            raise ValueError(_("At most %(max)d characters.") % {"max": _MAX_LENGTHS["email"]})
        return value

    return parse


def _optional(parse):
    return lambda text: parse(text) if text.strip() else None


def _choice_or_keep(choices):
    return lambda text: choice(text, choices) if text.strip() else ""


def _niches(text: str) -> list[str]:
    try:
        return clean_niche_names(split_niches(text))
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from exc


def _handle(text: str) -> str:
    handle = normalise_handle(text)
    if handle and (message := handle_error(handle)):
        raise ValueError(message)
    return handle


def _followers(text: str) -> int | None:
    if not text.strip():
        return None
    return whole_number(
        text,
        limit=MAX_FOLLOWERS,
        invalid=_("Use a whole number of followers, such as 12000."),
        too_large=_("That is more followers than any account has."),
    )


_PARSERS = {
    "display_name": _text("display_name", required_message=gettext_lazy("Enter the display name.")),
    "email": _email(required=True),
    "legal_name": _text("legal_name"),
    "country": country_code,
    "date_of_birth": _optional(iso_date),
    "account_type": _choice_or_keep(AccountType.choices),
    "status": _choice_or_keep(CreatorStatus.choices),
    "account_manager_email": _email(required=False),
    "niches": _niches,
    "notes": _text("notes"),
    **{f"{platform}_handle": _handle for platform in PLATFORMS},
    **{f"{platform}_followers": _followers for platform in PLATFORMS},
}


_SPEC = [replace(column, parse=_PARSERS[column.name]) for column in COLUMNS]


def _followers_need_a_handle(values: dict[str, Any]):
    for platform in PLATFORMS:
        handle_col, followers_col = f"{platform}_handle", f"{platform}_followers"
        if values.get(followers_col) is not None and values.get(handle_col) == "":
            yield followers_col, _("Give the %(column)s too.") % {"column": handle_col}


# --- the file ----------------------------------------------------------------------------------


def parse_roster_csv(data: bytes, *, max_bytes: int, max_rows: int) -> ParsedRoster:
    """Read a roster file. Every row is checked and every problem reported with its row and
    column; the result is usable only when `errors` is empty. Pure: no database."""
    table = read_csv(
        data,
        _SPEC,
        max_bytes=max_bytes,
        max_rows=max_rows,
        also_known=EXPORT_ONLY_COLUMNS,
        unescape=spreadsheet_unescape,
        check=_followers_need_a_handle,
    )
    result = ParsedRoster(
        errors=table.errors, columns=table.columns, ignored_columns=table.ignored_columns
    )
    present = set(table.columns)
    emails: dict[str, int] = {}
    handles: dict[tuple[str, str], int] = {}
    for parsed in table.rows:
        row = _roster_row(parsed.row, parsed.values, present)
        key = row.email.lower()
        if key in emails:
            result.errors.append(
                CellError(
                    row.row,
                    "email",
                    _("The same e-mail address is on row %(row)d.") % {"row": emails[key]},
                )
            )
        emails.setdefault(key, row.row)
        for social in row.socials:
            key = (social.platform, social.handle.lower())
            if key in handles:
                result.errors.append(
                    CellError(
                        row.row,
                        f"{social.platform}_handle",
                        _("The same handle is on row %(row)d.") % {"row": handles[key]},
                    )
                )
            handles.setdefault(key, row.row)
        result.rows.append(row)
    if result.errors:
        result.rows = []
        result.errors.sort(key=lambda error: error.row)
    return result


def _roster_row(number: int, values: dict[str, Any], present: set[str]) -> RosterRow:
    socials = [
        SocialCell(platform, values[f"{platform}_handle"], values[f"{platform}_followers"])
        for platform in PLATFORMS
        if values[f"{platform}_handle"]
    ]
    fields = {
        name: value
        for name, value in values.items()
        if name in present and not name.endswith(("_handle", "_followers"))
    }
    return RosterRow(number, fields, socials)


# --- template and export -----------------------------------------------------------------------


def template_rows() -> tuple[list[str], list[list[str]]]:
    """Header and one example row for the downloadable template."""
    return COLUMN_NAMES, [[c.example for c in COLUMNS]]


def export_row(creator: Creator, columns: list[str] = EXPORT_COLUMNS) -> list[Any]:
    """One roster row for the export (`columns`, see `export_columns`), from a creator out of
    `selectors.roster` (prefetched: no queries). Re-importing the file changes nothing."""
    by_platform: dict[str, Any] = {}
    # Accounts are prefetched by followers, highest first: the main account per platform.
    for account in creator.social_accounts.all():
        by_platform.setdefault(account.platform, account)
    values: dict[str, Any] = {
        "display_name": creator.display_name,
        "email": creator.email,
        "legal_name": creator.legal_name,
        "country": creator.country.code if creator.country else "",
        "date_of_birth": creator.date_of_birth,
        "account_type": creator.account_type,
        "status": creator.status,
        "account_manager_email": creator.account_manager.email if creator.account_manager else "",
        "niches": "; ".join(t.name for t in creator.niches.all()),
        "notes": creator.notes,
        "total_followers": getattr(creator, "total_followers", ""),
    }
    for platform in PLATFORMS:
        account = by_platform.get(platform)
        values[f"{platform}_handle"] = account.handle if account else ""
        values[f"{platform}_followers"] = account.followers if account else ""
    return [values[name] for name in columns]


def export_rows(creators: Iterable[Creator], columns: list[str] = EXPORT_COLUMNS):
    for creator in creators:
        yield export_row(creator, columns)

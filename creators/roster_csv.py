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

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.spreadsheets import spreadsheet_unescape
from core.countries import country_alpha2
from core.numbers import is_ascii_digits

from .models import AccountType, Creator, CreatorStatus, Platform
from .services import (
    clean_niche_names,
    handle_error,
    normalise_email,
    normalise_handle,
    split_niches,
)

MAX_FOLLOWERS = 10**11


@dataclass(frozen=True)
class Column:
    name: str
    description: Promise | str
    example: str = ""
    required: bool = False


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
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_GROUPED_INT_RE = re.compile(r"^\d{1,3}([,._ ]\d{3})+$", re.ASCII)


@dataclass(frozen=True)
class CellError:
    """One problem, where a person would look for it: the row number as a spreadsheet shows
    it (the header is row 1; 0 for the file as a whole) and the column name."""

    row: int
    column: str
    message: str


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


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    pass


def _decode(data: bytes) -> str:
    try:
        # utf-8-sig drops a byte-order mark if there is one (Excel's "CSV UTF-8" writes it).
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _FileError(
            _('The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8".')
        ) from exc


def _delimiter(text: str) -> str:
    # The header line decides: column names never contain either separator, while notes and
    # niches in the rows may contain both, which throws csv.Sniffer off.
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# "Display Name", "display-name" and "DISPLAY_NAME" all name display_name.
_HEADER_KEYS = {_squash(name): name for name in [*COLUMN_NAMES, *EXPORT_ONLY_COLUMNS]}


def _header_key(name: str) -> str:
    return _HEADER_KEYS.get(_squash(name), name.strip())


def _parse_followers(text: str) -> int:
    cleaned = text.strip()
    if _GROUPED_INT_RE.match(cleaned):
        cleaned = re.sub(r"[,._ ]", "", cleaned)
    if not is_ascii_digits(cleaned):
        raise ValueError(_("Use a whole number of followers, such as 12000."))
    value = int(cleaned)
    if value > MAX_FOLLOWERS:
        raise ValueError(_("That is more followers than any account has."))
    return value


def _choice(text: str, choices) -> str:
    wanted = text.strip().casefold()
    for value, label in choices:
        if wanted in (str(value).casefold(), str(label).casefold()):
            return value
    raise ValueError(
        _("Use one of: %(values)s.") % {"values": ", ".join(str(v) for v, _l in choices)}
    )


def _clean_cell(column: str, text: str) -> Any:
    """The cleaned value of one cell, or ValueError with the message to show."""
    if column in ("display_name", "legal_name", "notes"):
        value = text.strip()
        if column == "display_name" and not value:
            raise ValueError(_("Enter the display name."))
        limit = _MAX_LENGTHS.get(column)
        if limit and len(value) > limit:
            raise ValueError(_("At most %(max)d characters.") % {"max": limit})
        return value
    if column in ("email", "account_manager_email"):
        value = normalise_email(text)
        if not value:
            if column == "email":
                raise ValueError(_("Enter the e-mail address."))
            return ""
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValueError(_("Enter a valid e-mail address.")) from exc
        if len(value) > _MAX_LENGTHS["email"]:
            raise ValueError(_("At most %(max)d characters.") % {"max": _MAX_LENGTHS["email"]})
        return value
    if column == "country":
        value = text.strip()
        if not value:
            return ""
        code = country_alpha2(value)
        if not code:
            raise ValueError(_("Unknown country code “%(value)s”; use e.g. NL.") % {"value": value})
        return code
    if column == "date_of_birth":
        value = text.strip()
        if not value:
            return None
        if not _DATE_RE.match(value):
            raise ValueError(_("Write the date as YYYY-MM-DD."))
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(_("This date does not exist.")) from exc
    if column == "account_type":
        return _choice(text, AccountType.choices) if text.strip() else ""
    if column == "status":
        return _choice(text, CreatorStatus.choices) if text.strip() else ""
    if column == "niches":
        try:
            return clean_niche_names(split_niches(text))
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from exc
    raise AssertionError(column)  # pragma: no cover


def parse_roster_csv(data: bytes, *, max_bytes: int, max_rows: int) -> ParsedRoster:
    """Read a roster file. Every row is checked and every problem reported with its row and
    column; the result is usable only when `errors` is empty. Pure: no database."""
    result = ParsedRoster()

    def file_error(message: str) -> ParsedRoster:
        result.rows = []
        result.errors.append(CellError(0, "", message))
        return result

    if len(data) > max_bytes:
        return file_error(_("The file is larger than %(max)d kB.") % {"max": max_bytes // 1024})
    try:
        text = _decode(data)
    except _FileError as exc:
        return file_error(str(exc))
    if not text.strip():
        return file_error(_("The file is empty."))
    if "\x00" in text:
        return file_error(_("The file contains binary data; upload a CSV file."))

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
    except csv.Error as exc:
        return file_error(_("Row 1 cannot be read: %(reason)s") % {"reason": exc})

    keys = [_header_key(h) for h in header]
    known = set(COLUMN_NAMES)
    positions: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in known:
            if key in positions:
                result.errors.append(CellError(1, key, _("This column appears more than once.")))
            positions.setdefault(key, index)
        elif key and key not in EXPORT_ONLY_COLUMNS:
            result.ignored_columns.append(header[index].strip())
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            result.errors.append(CellError(1, name, _("This required column is missing.")))
    if result.errors:
        return result
    result.columns = [name for name in COLUMN_NAMES if name in positions]

    emails: dict[str, int] = {}
    handles: dict[tuple[str, str], int] = {}
    row_number = 1
    try:
        for cells in reader:
            row_number += 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as spreadsheets leave at the end
            if len(result.rows) >= max_rows:
                return file_error(
                    _("The file has more than %(max)d rows; split it into smaller files.")
                    % {"max": max_rows}
                )
            row = _parse_row(row_number, cells, positions, len(header), result.errors)
            if row is None:
                continue
            if "email" in row.values:
                key = row.email.lower()
                if key in emails:
                    result.errors.append(
                        CellError(
                            row_number,
                            "email",
                            _("The same e-mail address is on row %(row)d.") % {"row": emails[key]},
                        )
                    )
                emails.setdefault(key, row_number)
            for social in row.socials:
                key = (social.platform, social.handle.lower())
                if key in handles:
                    result.errors.append(
                        CellError(
                            row_number,
                            f"{social.platform}_handle",
                            _("The same handle is on row %(row)d.") % {"row": handles[key]},
                        )
                    )
                handles.setdefault(key, row_number)
            result.rows.append(row)
    except csv.Error as exc:
        return file_error(
            _("Row %(row)d cannot be read: %(reason)s") % {"row": row_number, "reason": exc}
        )
    if not result.rows and not result.errors:
        return file_error(_("The file has a header but no rows."))
    if result.errors:
        result.rows = []
    return result


def _parse_row(
    row_number: int,
    cells: list[str],
    positions: dict[str, int],
    width: int,
    errors: list[CellError],
) -> RosterRow | None:
    before = len(errors)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        errors.append(
            CellError(row_number, "", _("This row has more cells than the header has columns."))
        )

    def cell(name: str) -> str:
        index = positions[name]
        # Spreadsheets drop trailing empty cells; a short row means empty cells.
        return spreadsheet_unescape(cells[index]) if index < len(cells) else ""

    values: dict[str, Any] = {}
    for name in positions:
        if name.endswith(("_handle", "_followers")):
            continue
        try:
            values[name] = _clean_cell(name, cell(name))
        except ValueError as exc:
            errors.append(CellError(row_number, name, str(exc)))

    socials = []
    for platform in PLATFORMS:
        handle_col, followers_col = f"{platform}_handle", f"{platform}_followers"
        handle = normalise_handle(cell(handle_col)) if handle_col in positions else ""
        followers_text = cell(followers_col).strip() if followers_col in positions else ""
        followers = None
        if followers_text:
            try:
                followers = _parse_followers(followers_text)
            except ValueError as exc:
                errors.append(CellError(row_number, followers_col, str(exc)))
        if handle:
            if message := handle_error(handle):
                errors.append(CellError(row_number, handle_col, message))
            else:
                socials.append(SocialCell(platform, handle, followers))
        elif followers_text:
            errors.append(
                CellError(
                    row_number,
                    followers_col,
                    _("Give the %(column)s too.") % {"column": handle_col},
                )
            )
    if len(errors) > before:
        return None
    return RosterRow(row_number, values, socials)


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

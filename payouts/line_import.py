"""Import the per-asset line items of payout statements from a `lines` CSV.

Columns (header names, any order, case-insensitive; extra columns are ignored):
platform_reference, source (optional: needed only when two statements of the agency share
the reference), asset_reference, campaign_code, description and amount. Each line belongs
to a statement of this agency; its amount is in the statement's currency (a dot or comma for
decimals, at most the currency's decimals; negative for a deduction such as invalid
activity). Campaign codes are read in capitals, as campaigns carry them.

The file is the whole truth about the statements it names: their lines are replaced by the
file's, so importing the same file again changes nothing, and a statement the file does not
name keeps its lines. All or nothing, as the statement import, with the same set-based
reading (a handful of queries for the whole file). A campaign code must name one of the
agency's campaigns (the line's revenue counts for it), as on the statement page. Lines adding
up to more than their statement's amount are imported with a warning, not refused: the
platform's file is what it is (a later correction may follow).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.audit import audit_record
from agencies.models import Agency
from campaigns.models import Campaign
from core.csv_import import Column
from moderation.auditing import audit_bulk, audit_entry
from moderation.bulk import bulk_insert

from .models import PayoutLine, PayoutSource, PayoutStatement
from .statement_import import (
    RowError,
    StatementImportError,
    chunks,
    line_errors,
    parse_money,
    read_statement_csv,
)

LINE_COLUMNS = [
    "platform_reference",
    "source",
    "asset_reference",
    "campaign_code",
    "description",
    "amount",
]
_LENGTHS = {
    name: PayoutLine._meta.get_field(name).max_length
    for name in ("asset_reference", "campaign_code", "description")
}
# A line as compared with what is stored: (asset, campaign code, description, amount).
Line = tuple[str, str, str, Decimal]


@dataclass
class LineImportResult:
    replaced: int = 0  # statements whose lines the file changed
    unchanged: int = 0  # statements whose lines were already the file's
    lines: int = 0  # lines written
    warnings: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return _("Line items of %(r)s statements replaced (%(l)s lines), %(n)s unchanged.") % {
            "r": self.replaced,
            "l": self.lines,
            "n": self.unchanged,
        }


@dataclass
class _Group:
    """The file's lines of one statement."""

    statement: PayoutStatement
    first_row: int
    lines: list[Line] = field(default_factory=list)


def _source(text: str) -> str:
    value = text.strip()
    if value and value not in PayoutSource.values:
        raise ValueError(_("Use one of: %(v)s.") % {"v": ", ".join(PayoutSource.values)})
    return value


def _limited(name: str, *, upper: bool = False):
    limit = _LENGTHS[name]

    def parse(text: str) -> str:
        value = text.strip().upper() if upper else text.strip()
        if len(value) > limit:
            raise ValueError(
                _("At most %(max)s characters (this has %(n)s).") % {"max": limit, "n": len(value)}
            )
        return value

    return parse


_REQUIRED = gettext_lazy("This value is required.")
LINE_SPEC = (
    Column("platform_reference", required=True, blank_error=_REQUIRED),
    Column("source", parse=_source),
    Column(
        "asset_reference", required=True, parse=_limited("asset_reference"), blank_error=_REQUIRED
    ),
    Column("campaign_code", parse=_limited("campaign_code", upper=True)),
    Column("description", parse=_limited("description")),
    Column("amount", required=True, blank_error=_REQUIRED),  # in the statement's currency
)


def _statements(agency: Agency, refs: list[str]) -> dict[str, list[PayoutStatement]]:
    """The agency's statements with these references, by reference (one query a chunk)."""
    found: dict[str, list[PayoutStatement]] = defaultdict(list)
    for chunk in chunks(refs):
        for statement in (
            PayoutStatement.objects.for_agency(agency)
            .filter(platform_reference__in=chunk)
            .only(
                "pk",
                "source",
                "platform_reference",
                "currency",
                "estimated_amount",
                "settled_amount",
                "status",
            )
            .order_by("pk")
        ):
            found[statement.platform_reference].append(statement)
    return found


def _statement_for(
    line_no: int, row: dict[str, Any], found: dict[str, list[PayoutStatement]]
) -> tuple[PayoutStatement | None, RowError | None]:
    candidates = found.get(row["platform_reference"], [])
    if row["source"]:
        candidates = [s for s in candidates if s.source == row["source"]]
    if len(candidates) == 1:
        return candidates[0], None
    if not candidates:
        return None, RowError(
            line_no,
            "platform_reference",
            _("No payout statement of this agency has this reference and source.")
            if row["source"]
            else _("No payout statement of this agency has this reference."),
        )
    sources = ", ".join(sorted(s.source for s in candidates))
    return None, RowError(
        line_no,
        "source",
        _("Several statements have this reference (%(sources)s): fill in the source.")
        % {"sources": sources},
    )


def _read(agency: Agency, data: bytes) -> tuple[dict[int, _Group], list[RowError]]:
    """The file's lines grouped by statement (in file order), and every problem found."""
    # Rows with a bad cell are still matched to their statement, so one answer lists all.
    table = read_statement_csv(data, LINE_SPEC, keep_rows_with_errors=True)
    errors = line_errors(table)
    parsed: list[tuple[int, dict[str, Any]]] = [
        (row.row, {name: row.values.get(name, "") for name in LINE_COLUMNS})
        for row in table.rows
        if "platform_reference" in row.values and "source" in row.values
    ]
    found = _statements(agency, sorted({row["platform_reference"] for _n, row in parsed}))
    codes = {row["campaign_code"] for _n, row in parsed if row["campaign_code"]}
    known = set(
        Campaign.objects.for_agency(agency).filter(code__in=codes).values_list("code", flat=True)
    )
    groups: dict[int, _Group] = {}
    for line_no, row in parsed:
        statement, error = _statement_for(line_no, row, found)
        if error is not None:
            errors.append(error)
            continue
        code = row["campaign_code"]
        if code and code not in known:
            # As a line typed on the statement page: its revenue must count for a campaign.
            errors.append(
                RowError(
                    line_no,
                    "campaign_code",
                    _("No campaign of this agency has the code “%(code)s”.") % {"code": code},
                )
            )
        if not row["amount"]:
            continue  # reported as required above
        try:
            amount = parse_money(row["amount"], statement.currency, negative=True)
        except ValueError as exc:
            errors.append(RowError(line_no, "amount", str(exc)))
            continue
        group = groups.setdefault(statement.pk, _Group(statement, line_no))
        group.lines.append(
            (row["asset_reference"], row["campaign_code"], row["description"], amount)
        )
    return groups, errors


def _stored_lines(agency: Agency, statement_ids: list[int]) -> dict[int, list[Line]]:
    stored: dict[int, list[Line]] = defaultdict(list)
    for chunk in chunks(statement_ids):
        for statement_id, *line in (
            PayoutLine.objects.for_agency(agency)
            .filter(statement_id__in=chunk)
            .order_by("statement_id", "id")
            .values_list(
                "statement_id", "asset_reference", "campaign_code", "description", "amount"
            )
        ):
            stored[statement_id].append(tuple(line))
    return stored


def _warnings(groups: list[_Group]) -> list[RowError]:
    warnings: list[RowError] = []
    for group in groups:
        statement = group.statement
        total = sum((amount for *_rest, amount in group.lines), Decimal(0))
        if total > statement.amount_due:
            warnings.append(
                RowError(
                    group.first_row,
                    "amount",
                    _(
                        "The lines of %(reference)s add up to %(total)s %(currency)s, more "
                        "than the statement's %(amount)s %(currency)s."
                    )
                    % {
                        "reference": statement.platform_reference,
                        "total": total,
                        "amount": statement.amount_due,
                        "currency": statement.currency,
                    },
                )
            )
    return warnings


@transaction.atomic
def statement_lines_import(*, agency: Agency, actor, data: bytes) -> LineImportResult:
    """Replace the line items of the statements a `lines` CSV names with the file's lines;
    nothing is written on any error (StatementImportError lists each with line and column).

    Locks the statements whose lines change (primary key order) and compares their lines
    again under the lock, so two imports of one statement cannot leave both files' lines.
    Audited: one entry per statement whose lines were replaced, one for the import.
    """
    groups, errors = _read(agency, data)
    if errors:
        raise StatementImportError(sorted(errors, key=lambda e: e.row))
    stored = _stored_lines(agency, sorted(groups))
    changed = [pk for pk, group in groups.items() if stored.get(pk, []) != group.lines]
    if changed:
        for chunk in chunks(sorted(changed)):
            list(PayoutStatement.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
        stored = {**stored, **_stored_lines(agency, sorted(changed))}
        changed = [pk for pk in changed if stored.get(pk, []) != groups[pk].lines]
    result = LineImportResult(
        replaced=len(changed),
        unchanged=len(groups) - len(changed),
        warnings=_warnings(list(groups.values())),
    )
    for chunk in chunks(changed):
        PayoutLine.objects.for_agency(agency).filter(statement_id__in=chunk).delete()
    new = [
        PayoutLine(
            agency=agency,
            statement_id=pk,
            asset_reference=asset,
            campaign_code=code,
            description=description,
            amount=amount,
        )
        for pk in changed
        for asset, code, description, amount in groups[pk].lines
    ]
    bulk_insert(new)
    result.lines = len(new)
    audit_bulk(
        [
            audit_entry(
                agency_id=agency.pk,
                actor=actor,
                action="payout_line.replace",
                obj=groups[pk].statement,
                before=_summary(stored.get(pk, [])),
                after=_summary(groups[pk].lines),
            )
            for pk in changed
        ]
    )
    audit_record(
        agency=agency,
        actor=actor,
        action="payout_line.import",
        after={
            "statements": len(groups),
            "replaced": result.replaced,
            "unchanged": result.unchanged,
            "lines": result.lines,
            "warnings": len(result.warnings),
        },
    )
    return result


def _summary(lines: list[Line]) -> dict[str, Any]:
    return {
        "lines": len(lines),
        "total": str(sum((amount for *_rest, amount in lines), Decimal(0))),
        "assets": sorted({asset for asset, *_rest in lines})[:50],
    }

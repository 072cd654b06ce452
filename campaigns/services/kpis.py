"""Metric snapshots (CSV import, API) and conversion events with last-touch attribution."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record
from agencies.models import Agency
from creators.models import Creator

from ..metrics_csv import CsvImportError, RowError, parse_snapshots_csv
from ..models import (
    Campaign,
    ConversionEvent,
    Deliverable,
    DeliverableStatus,
    MetricSnapshot,
)
from ._common import apply_fields

SNAPSHOT_FIELDS = [
    "captured_at",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "avg_watch_seconds",
    "completion_25",
    "completion_50",
    "completion_75",
    "completion_100",
    "unique_reach",
]
CONVERSION_FIELDS = ["kind", "occurred_at", "value", "currency", "external_id", "creator"]


@transaction.atomic
def snapshot_record(
    *, deliverable: Deliverable, actor, fields: dict[str, Any], source: str = "api"
) -> MetricSnapshot:
    snap = MetricSnapshot(agency=deliverable.agency, deliverable=deliverable, source=source)
    apply_fields(snap, fields, SNAPSHOT_FIELDS)
    snap.full_clean()
    snap.save()
    audit_record(
        agency=deliverable.agency,
        actor=actor,
        action="metric_snapshot.create",
        obj=deliverable,
        after={"captured_at": snap.captured_at, "views": snap.views, "source": source},
    )
    return snap


@transaction.atomic
def snapshots_import(*, campaign: Campaign, actor, data: bytes) -> int:
    """Import a CSV of snapshots for the campaign's deliverables: all rows or none.

    Raises CsvImportError listing every bad row and column (nothing written). Rows name a
    deliverable by id or by its post id; a (deliverable, time) already stored is an error.
    """
    agency = campaign.agency
    errors: list[RowError] = []
    try:
        rows = parse_snapshots_csv(
            data,
            tz=agency.tzinfo,
            max_bytes=settings.CSV_IMPORT_MAX_BYTES,
            max_rows=settings.CSV_IMPORT_MAX_ROWS,
        )
    except CsvImportError as error:
        if not error.rows:
            raise
        # Keep going with the rows that parsed, so one answer lists every problem.
        errors, rows = list(error.errors), error.rows
    deliverables = Deliverable.objects.for_agency(agency).filter(campaign=campaign)
    by_id = {d.pk: d for d in deliverables.filter(pk__in={r.deliverable_id for r in rows})}
    by_post = {
        d.post_id: d
        for d in deliverables.filter(post_id__in={r.post_id for r in rows if r.post_id})
    }
    pending: list[tuple[int, MetricSnapshot]] = []
    seen: set[tuple[int, datetime]] = set()
    for row in rows:
        if row.deliverable_id is not None:
            deliverable = by_id.get(row.deliverable_id)
            column = "deliverable_id"
        else:
            deliverable = by_post.get(row.post_id)
            column = "post_id"
        if deliverable is None:
            errors.append(RowError(row.row, column, _("No such deliverable in this campaign.")))
            continue
        key = (deliverable.pk, row.captured_at)
        if key in seen:
            errors.append(RowError(row.row, "captured_at", _("Repeats an earlier row.")))
            continue
        seen.add(key)
        pending.append(
            (
                row.row,
                MetricSnapshot(
                    agency=agency,
                    deliverable=deliverable,
                    captured_at=row.captured_at,
                    source=MetricSnapshot.Source.CSV,
                    **row.values,
                ),
            )
        )
    # One query for the (deliverable, time) pairs already stored.
    existing = set(
        MetricSnapshot.objects.filter(
            deliverable_id__in={s.deliverable_id for _row, s in pending},
            captured_at__in={s.captured_at for _row, s in pending},
        ).values_list("deliverable_id", "captured_at")
    )
    for number, snap in pending:
        if (snap.deliverable_id, snap.captured_at) in existing:
            errors.append(RowError(number, "captured_at", _("Already imported.")))
    if errors:
        raise CsvImportError(sorted(errors, key=lambda e: (e.row, e.column)))
    snapshots = [snap for _row, snap in pending]
    MetricSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    audit_record(
        agency=agency,
        actor=actor,
        action="metric_snapshot.import",
        obj=campaign,
        after={"rows": len(snapshots)},
    )
    return len(snapshots)


def attribution_deadline(posted_at: datetime, window_days: int, tz) -> datetime:
    """The first instant no longer credited to a post: local midnight starting the day
    after the window's last day. A post on 1 March (local) with a 7-day window earns
    conversions through 8 March 23:59:59.999999, counted in the agency's timezone (so the
    window keeps whole local days across a daylight-saving change)."""
    local_day = timezone.localtime(posted_at, tz).date()
    end_day = local_day + timedelta(days=window_days + 1)
    return datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz)


def attributed_deliverable(
    *, campaign: Campaign, occurred_at: datetime, creator: Creator | None = None
) -> Deliverable | None:
    """The last deliverable posted at or before the event whose attribution window (in the
    agency's timezone) still covers it; restricted to one creator's posts when known."""
    tz = campaign.agency.tzinfo
    window = campaign.attribution_window_days
    # A post older than window + 2 days can never qualify; narrow the query first.
    candidates = Deliverable.objects.filter(
        campaign=campaign,
        status=DeliverableStatus.POSTED,
        posted_at__lte=occurred_at,
        posted_at__gte=occurred_at - timedelta(days=window + 2),
    ).order_by("-posted_at", "-id")
    if creator is not None:
        candidates = candidates.filter(creator=creator)
    for deliverable in candidates:
        if occurred_at < attribution_deadline(deliverable.posted_at, window, tz):
            return deliverable
    return None


@transaction.atomic
def conversion_record(*, campaign: Campaign, actor, fields: dict[str, Any]) -> ConversionEvent:
    """Store a conversion and credit it to the last qualifying deliverable (or none)."""
    agency: Agency = campaign.agency
    fields = dict(fields)
    fields.setdefault("currency", campaign.currency)
    fields.setdefault("value", Decimal("0"))
    event = ConversionEvent(agency=agency, campaign=campaign)
    apply_fields(event, fields, CONVERSION_FIELDS)
    if event.creator_id and event.creator.agency_id != agency.pk:
        raise ValidationError({"creator": _("Choose a creator of this agency.")})
    if event.occurred_at and event.occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("The event cannot be in the future.")})
    event.full_clean()
    event.deliverable = attributed_deliverable(
        campaign=campaign, occurred_at=event.occurred_at, creator=event.creator
    )
    event.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="conversion.create",
        obj=event,
        after={
            "kind": event.kind,
            "occurred_at": event.occurred_at,
            "value": event.value,
            "currency": event.currency,
            "deliverable": event.deliverable_id,
        },
    )
    return event

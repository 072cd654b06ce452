from __future__ import annotations

from typing import Any

from django.db import transaction

from agencies.audit import audit_record, snapshot
from agencies.models import Agency

from ..models import Sponsor
from ._common import apply_fields

SPONSOR_FIELDS = [
    "brand",
    "category",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "notes",
]


@transaction.atomic
def sponsor_create(*, agency: Agency, actor, fields: dict[str, Any]) -> Sponsor:
    sponsor = Sponsor(agency=agency)
    apply_fields(sponsor, fields, SPONSOR_FIELDS)
    sponsor.full_clean()
    sponsor.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="sponsor.create",
        obj=sponsor,
        after=snapshot(sponsor, SPONSOR_FIELDS),
    )
    return sponsor


@transaction.atomic
def sponsor_update(*, sponsor: Sponsor, actor, fields: dict[str, Any]) -> Sponsor:
    sponsor = Sponsor.objects.select_for_update().get(pk=sponsor.pk)
    before = snapshot(sponsor, SPONSOR_FIELDS)
    apply_fields(sponsor, fields, SPONSOR_FIELDS)
    sponsor.full_clean()
    sponsor.save()
    audit_record(
        agency=sponsor.agency,
        actor=actor,
        action="sponsor.update",
        obj=sponsor,
        before=before,
        after=snapshot(sponsor, SPONSOR_FIELDS),
    )
    return sponsor

"""The owner sets the "any niche" RPM rate: the row lock joined the niche through the model's
ordering, and PostgreSQL refuses to lock the nullable side of an outer join (a 500)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.urls import reverse

from agencies.models import AuditLog
from creators.models import RpmRate

pytestmark = pytest.mark.django_db


def test_the_owner_sets_and_replaces_the_any_niche_rate(owner_client, agency):
    url = reverse("creators:rpm", args=[agency.slug])
    data = {"program": "creativity_program", "country": "", "rpm_low": "0.4", "rpm_high": "1.6"}

    first = owner_client.post(url, data)
    second = owner_client.post(url, {**data, "rpm_high": "1.8"})

    assert first.status_code == 302 and second.status_code == 302
    rate = RpmRate.objects.get(agency=agency)
    assert (rate.niche, rate.country, rate.rpm_high) == (None, "", D("1.8000"))
    assert list(
        AuditLog.objects.filter(agency=agency, action__startswith="rpm_rate")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["rpm_rate.create", "rpm_rate.update"]

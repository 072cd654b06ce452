from __future__ import annotations

import pytest
from django.urls import reverse

from creators.models import Creator

from .builders import statement

pytestmark = pytest.mark.django_db


def test_a_creator_sees_only_their_own_statements_and_no_internal_fields(
    agency, creator_user, creator_client
):
    own = Creator.objects.get(user=creator_user)
    statement(agency, "MINE-1", "10.00", creator=own)
    statement(agency, "THEIRS-1", "20.00")
    page = creator_client.get(reverse("payouts:portal", kwargs={"agency_slug": agency.slug}))
    assert b"MINE-1" in page.content and b"THEIRS-1" not in page.content
    csv = creator_client.get(reverse("payouts:portal_csv", kwargs={"agency_slug": agency.slug}))
    text = b"".join(csv.streaming_content).decode()
    assert "MINE-1" in text and "THEIRS-1" not in text
    assert "rule" not in text.splitlines()[0] and "bank_transaction_reference" not in text

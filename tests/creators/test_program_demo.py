"""The demo's program applications (seed_demo): one waiting for review per agency, one
rejection whose wait is over, shown on the applications page; seeding again adds none."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Agency
from core.db_scope import tenant_transaction
from creators.demo import DEMO_PASSWORD
from creators.models import ProgramApplication
from creators.program_demo import seed_demo_applications

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_application_waiting_for_review_and_one_that_may_reapply():
    call_command("seed_demo", stdout=StringIO())
    northstar = Agency.objects.get(slug="northstar")

    outcomes = sorted(
        ProgramApplication.objects.filter(agency=northstar).values_list("outcome", flat=True)
    )
    client = Client()
    client.login(email="owner@northstar.test", password=DEMO_PASSWORD)
    page = client.get(reverse("creators:applications", args=["northstar"]))

    assert outcomes == ["rejected", "waiting"]
    assert "Waiting for review" in page.content.decode()
    assert [row.can_reapply for row in page.context["rows"]].count(True) == 1


def test_seeding_the_applications_again_adds_none():
    call_command("seed_demo", stdout=StringIO())
    northstar = Agency.objects.get(slug="northstar")

    with tenant_transaction(northstar.pk):
        added = seed_demo_applications(northstar)

    assert added == 0
    assert ProgramApplication.objects.filter(agency=northstar).count() == 2

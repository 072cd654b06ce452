"""`seed_demo` shows a consented lead with its conversion and its follow-up DM."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from agencies.models import Agency
from campaigns.models import ConversionSource
from leads.demo import seed_demo_leads
from leads.models import FollowUp, Lead
from moderation.models import ActionKind

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_consented_lead_counted_for_its_video():
    call_command("seed_demo", stdout=StringIO())

    northstar = Agency.objects.get(slug="northstar")
    lead = Lead.objects.get(agency=northstar)
    assert lead.email == "fenna@example.com" and lead.name == "Fenna"
    assert lead.language == "nl"
    assert lead.deliverable is not None and lead.campaign == lead.deliverable.campaign
    assert lead.conversion.source == ConversionSource.CONVERSATION
    assert lead.conversion.deliverable == lead.deliverable
    assert lead.follow_up == FollowUp.SCHEDULED
    assert lead.follow_up_action.kind == ActionKind.DM
    assert lead.follow_up_action.text.startswith("Hoi!")
    # Idempotent.
    assert seed_demo_leads(northstar) is False
    call_command("seed_demo", stdout=StringIO())
    assert Lead.objects.filter(agency=northstar).count() == 1

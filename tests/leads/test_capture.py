"""The DM sequence captures the e-mail address with consent, in one language per contact, and
the lead becomes a campaign conversion attributed to the video whose comment started it."""

from __future__ import annotations

import pytest

from agencies.models import AuditLog
from campaigns.models import ConversionEvent, ConversionSource
from leads.models import FollowUp, Lead
from leads.services import leads_record
from moderation.hooks import LeadCapture
from moderation.models import ActionKind, AutomatedAction, Contact, DmState
from moderation.triage import email_in
from tests.campaigns.factories import CampaignFactory, DeliverableFactory
from tests.factories import CreatorFactory, SocialAccountFactory

from .conftest import ACCOUNT, conversation, say

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(agency):
    creator = CreatorFactory(agency=agency)
    SocialAccountFactory(creator=creator, handle=ACCOUNT)
    return DeliverableFactory(
        agency=agency, creator=creator, campaign__agency=agency, post_id="7301", platform="tiktok"
    )


def test_a_consented_address_makes_a_lead_and_a_conversion_of_the_video(agency, video):
    opted_in = conversation(agency, video="7301")

    lead = Lead.objects.get()
    contact = Contact.objects.get(handle="fenna")
    assert (contact.email, contact.dm_state) == ("fenna@example.com", DmState.HANDED_OFF)
    assert contact.email_consent_at is not None
    assert (lead.name, lead.email, lead.agency_id) == ("Fenna", "fenna@example.com", agency.pk)
    assert lead.opted_in_at == opted_in and lead.consented_at == contact.email_consent_at
    assert (lead.deliverable, lead.campaign, lead.creator_id) == (
        video,
        video.campaign,
        video.creator_id,
    )
    assert lead.first_comment.text == "Mooie video!"
    assert lead.source_message.text == "fenna@example.com"
    assert lead.follow_up == FollowUp.WAITING
    conversion = ConversionEvent.objects.get()
    assert lead.conversion == conversion
    assert (conversion.kind, conversion.source) == ("lead", ConversionSource.CONVERSATION)
    assert (conversion.campaign, conversion.deliverable) == (video.campaign, video)
    assert conversion.occurred_at == lead.captured_at
    assert AuditLog.objects.filter(action="lead.create", object_id=str(lead.pk)).exists()


def test_an_invalid_address_is_asked_for_once_more(agency, video):
    say(agency, "Mooie video!", kind="comment", video="7301")
    say(agency, "info?", opt_in=True)
    say(agency, "Fenna")
    say(agency, "JA")
    _message, [retry] = say(agency, "fenna at example dot com")
    assert retry.kind == ActionKind.DM and "once more" in retry.text
    assert Contact.objects.get().dm_state == DmState.EMAIL_RETRY
    say(agency, "Sure: Fenna@Example.COM.")
    assert Lead.objects.get().email == "Fenna@example.com"


def test_a_second_invalid_address_stops_the_sequence_without_a_lead(agency, video):
    say(agency, "info?", opt_in=True)
    say(agency, "Fenna")
    say(agency, "YES")
    say(agency, "no")
    _message, [stop] = say(agency, "still no")
    assert stop.kind == ActionKind.NONE and stop.reasons[-1] == {"code": "no_email"}
    assert Contact.objects.get().dm_state == DmState.NO_EMAIL
    dms = AutomatedAction.objects.filter(kind=ActionKind.DM).count()
    say(agency, "a@b.nl")  # too late: the sequence stopped
    assert not Lead.objects.exists() and not ConversionEvent.objects.exists()
    assert AutomatedAction.objects.filter(kind=ActionKind.DM).count() == dms


def test_no_consent_means_no_address_asked_and_no_lead(agency, video):
    say(agency, "info?", opt_in=True)
    say(agency, "Fenna")
    _message, [declined] = say(agency, "nee")
    assert declined.kind == ActionKind.NONE
    say(agency, "fenna@example.com")
    assert Contact.objects.get().email == "" and not Lead.objects.exists()


def test_the_conversation_keeps_the_language_of_its_first_dm(agency, video):
    """ "JA" alone is detected as Spanish; the contact still gets Dutch, not English."""
    _m, [ask_name] = say(agency, "Hoi! Mag ik meer informatie over de bowl?", opt_in=True)
    assert "Hoe heet je" in ask_name.text
    assert Contact.objects.get().language == "nl"
    _m, [ask_consent] = say(agency, "Fenna")
    assert "Antwoord JA" in ask_consent.text
    message, [ask_email] = say(agency, "JA")
    assert message.language != "nl"  # what the detector makes of it
    assert ask_email.text == "Top! Wat is je e-mailadres?"
    _m, [handoff] = say(agency, "fenna@example.com")
    assert handoff.text.startswith("Dank je!")
    assert Lead.objects.get().language == "nl"


def test_without_a_campaign_the_lead_has_no_conversion(agency):
    conversation(agency, video="unknown-video")
    lead = Lead.objects.get()
    assert lead.campaign is None and lead.conversion is None and lead.deliverable is None
    assert not ConversionEvent.objects.exists()


def test_a_campaign_code_without_a_known_video_counts_for_the_campaign_unattributed(agency):
    campaign = CampaignFactory(agency=agency, code="GLOW-26")
    conversation(agency, campaign_code="glow-26")
    lead = Lead.objects.get()
    assert lead.campaign == campaign and lead.deliverable is None
    assert lead.conversion.campaign == campaign and lead.conversion.deliverable is None


def test_another_agencys_video_is_never_attributed(agency, other_agency):
    DeliverableFactory(agency=other_agency, campaign__agency=other_agency, post_id="7301")
    conversation(agency, video="7301")
    assert Lead.objects.get().campaign is None
    assert not ConversionEvent.objects.exists()


def test_a_capture_is_recorded_once(agency, video):
    conversation(agency, video="7301")
    lead = Lead.objects.get()
    again = LeadCapture(
        agency_id=agency.pk,
        contact=lead.contact,
        message=lead.source_message,
        captured_at=lead.captured_at,
    )
    assert leads_record([again]) == []
    assert Lead.objects.count() == 1 and ConversionEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("fenna@example.com", "fenna@example.com"),
        ("it's Fenna@Example.COM!", "Fenna@example.com"),
        ("<fenna@example.com>", "fenna@example.com"),
        ("fenna@example", ""),
        ("@fenna", ""),
        ("fenna at example.com", ""),
        ("", ""),
    ],
)
def test_the_address_is_validated(text, address):
    assert email_in(text) == address

"""The default policy's decisions on the examples from issue 16, through ingest and triage:
threats and legal threats go to Legal / PR, a brand asking for rates goes to the creator's
account manager, ordinary praise is left alone."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agencies.roles import Role
from moderation.explain import event_sentence, explanation, reason_sentences
from moderation.models import (
    ActionKind,
    AutomatedAction,
    Case,
    InboundMessage,
    Level,
    OutboxMessage,
)
from moderation.rules import classify, compile_rules, default_rules, validate_rules
from moderation.triage import message_triage
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import client_for, member

pytestmark = pytest.mark.django_db

THREATS = [
    "I'll find where you live and hurt you",
    "i know where you live",
    "I WILL KILL YOU",
    "Ik weet waar je woont.",
    "ik maak je af!!!",
]
LEGAL_THREATS = [
    "my lawyer will sue you",
    "Ik stap naar de advocaat",
    "You'll get a cease and desist from us tomorrow",
    "This is defamation, see you in court",
    "wij gaan juridische stappen ondernemen",
]
BRAND_INQUIRIES = [
    "what are your rates for a sponsored post?",
    "wij willen graag samenwerken, wat kost een post?",
    "Hi! Could you send your media kit and rate card?",
    "Wat zijn jullie tarieven voor een gesponsorde post?",
]
COMPLIMENTS = [
    "this is killer content",
    "you killed it",
    "killing it as always",
    "this slaps, you're the best",
    "dit is echt te gek, wat een toffe video",
    "I'm dead 😂 this is so funny",
    "that outfit is to die for",
    "the looser fit looks great on you",
]


@pytest.fixture
def account_manager(agency):
    return member(agency, Role.MANAGER, email="am@acme.test")


@pytest.fixture
def creator(agency, account_manager):
    creator = CreatorFactory(agency=agency, account_manager=account_manager)
    SocialAccountFactory(creator=creator, handle="acmecreator")
    return creator


def triage(message):
    actions = message_triage(message_id=message.pk)
    message.refresh_from_db()
    return actions


@pytest.mark.parametrize("text", THREATS)
def test_a_threat_is_hidden_and_goes_to_legal_pr(agency, creator, message_factory, text):
    message = message_factory(agency, text)
    actions = triage(message)
    assert message.category == "threats" and message.hidden
    assert {a.kind for a in actions} == {ActionKind.HIDE, ActionKind.ESCALATE}
    case = Case.objects.get(message=message)
    assert case.level == Level.LEGAL_PR and case.creator == creator
    # the hide went through the connector, nothing was said to the author
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == [ActionKind.HIDE]


def test_the_threat_from_the_issue_reads_as_sentences_in_both_languages(
    agency, creator, message_factory
):
    message = message_factory(agency, "I'll find where you live and hurt you")
    triage(message)
    case = Case.objects.get(message=message)
    opened = case.events.get(kind="opened")
    actions = list(message.actions.all())
    with translation.override("en"):
        assert explanation(message, actions).startswith("Hidden, sent to Legal / PR.")
        assert "threats or violence" in event_sentence(opened)
    with translation.override("nl"):  # rendered when read, in the reader's language
        assert "Juridisch / PR" in explanation(message, actions)


@pytest.mark.parametrize("text", LEGAL_THREATS)
def test_a_legal_threat_goes_to_legal_pr_whatever_its_tone(agency, creator, message_factory, text):
    message = message_factory(agency, text)
    [action] = triage(message)
    assert message.category == "legal_threat" and not message.hidden
    assert action.kind == ActionKind.ESCALATE
    assert Case.objects.get(message=message).level == Level.LEGAL_PR
    # the category decided: no "negative tone" reason, even when the tone is negative
    assert "sentiment" not in {r["code"] for r in action.reasons}


@pytest.mark.parametrize("text", BRAND_INQUIRIES)
def test_a_brand_asking_for_rates_by_dm_goes_to_the_account_manager(
    agency, creator, account_manager, message_factory, text
):
    message = message_factory(agency, text, kind="dm", author="brandco", opt_in=True)
    [action] = triage(message)
    assert message.intent == "brand_inquiry"
    assert action.kind == ActionKind.ESCALATE
    case = Case.objects.get(message=message)
    assert case.level == Level.ACCOUNT_MANAGER and case.assignee == account_manager
    assert case.title_data["code"] == "brand_inquiry"
    # no lead-capture DM (not even a suppressed one) and nothing in the outbox
    assert not AutomatedAction.objects.filter(kind=ActionKind.DM).exists()
    assert not OutboxMessage.objects.exists()
    message.contact.refresh_from_db()
    assert message.contact.dm_state == "none"


def test_the_creators_manager_gets_a_brand_inquiry_even_when_the_level_has_a_default(
    agency, creator, account_manager, owner, message_factory
):
    from moderation.policies import sla_rule_update, sla_rules_ensure

    rule = next(r for r in sla_rules_ensure(agency=agency) if r.level == Level.ACCOUNT_MANAGER)
    sla_rule_update(rule=rule, actor=owner, minutes=rule.minutes, assignee=owner)
    message = message_factory(agency, "what are your rates?", kind="dm", author="brandco")
    triage(message)
    assert Case.objects.get(message=message).assignee == account_manager


def test_a_brand_inquiry_on_an_account_without_a_creator_still_opens_a_manager_case(
    agency, message_factory
):
    message = message_factory(agency, "your rates please", kind="dm", account="unknown")
    triage(message)
    case = Case.objects.get(message=message)
    assert case.level == Level.ACCOUNT_MANAGER and case.assignee is None


def test_the_brand_inquiry_through_the_api_ingest(
    agency, creator, account_manager, django_capture_on_commit_callbacks
):
    cm = member(agency, Role.COMMUNITY_MANAGER)
    item = {
        "platform": "tiktok",
        "id": "dm-1",
        "kind": "dm",
        "account": "acmecreator",
        "author": "brandco",
        "text": "Hello! What are your rates for a sponsored post?",
        "sent_at": "2026-03-04T10:00:00+01:00",
    }
    url = reverse("api:moderation-message-list", kwargs={"agency_slug": agency.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cm).post(url, [item], content_type="application/json")
    assert response.status_code == 201, response.content
    message = InboundMessage.objects.get(platform_message_id="dm-1")
    case = Case.objects.get(message=message)
    assert (case.level, case.assignee) == (Level.ACCOUNT_MANAGER, account_manager)


def test_a_price_question_from_a_fan_still_gets_the_automated_reply(agency, message_factory):
    message = message_factory(agency, "how much is this hoodie?")
    [action] = triage(message)
    assert message.intent == "price" and action.kind == ActionKind.REPLY


@pytest.mark.parametrize("text", COMPLIMENTS)
def test_compliments_are_not_flagged(agency, creator, message_factory, text):
    message = message_factory(agency, text)
    actions = triage(message)
    assert message.category == "" and not message.hidden
    assert not Case.objects.filter(message=message).exists()
    assert ActionKind.ESCALATE not in {a.kind for a in actions}


# --- robustness of the matching (pure, many inputs) -------------------------------------------

COMPILED = compile_rules(validate_rules(default_rules()))


def _stretch(text: str, data) -> str:
    """Random case per letter, some letters repeated 3-5 times, punctuation between words."""
    out = []
    for word_index, word in enumerate(text.split(" ")):
        if word_index:
            out.append(data.draw(st.sampled_from([" ", "  ", ", ", "... ", " - ", "! "])))
        for char in word:
            if char.isalpha() and data.draw(st.booleans()):
                char = char * data.draw(st.integers(3, 5))
            out.append(char.upper() if data.draw(st.booleans()) else char)
    return "".join(out) + data.draw(st.sampled_from(["", "!", "!!!", "?", " 😡"]))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=st.sampled_from(THREATS))
def test_threats_survive_casing_punctuation_and_elongation(data, text):
    assert classify(_stretch(text, data), COMPILED).category == "threats"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=st.sampled_from(LEGAL_THREATS))
def test_legal_threats_survive_casing_punctuation_and_elongation(data, text):
    assert classify(_stretch(text, data), COMPILED).category == "legal_threat"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), text=st.sampled_from(BRAND_INQUIRIES))
def test_brand_inquiries_survive_casing_and_punctuation(data, text):
    assert classify(_stretch(text, data), COMPILED).intent == "brand_inquiry"


@settings(max_examples=80)
@given(
    text=st.sampled_from(COMPLIMENTS),
    upper=st.booleans(),
    suffix=st.sampled_from(["", "!", "!!!", " 🔥🔥", " 💯"]),
)
def test_compliments_stay_unflagged_in_any_case(text, upper, suffix):
    result = classify((text.upper() if upper else text) + suffix, COMPILED)
    assert result.category == "" and result.route == ""


def test_accents_and_curly_apostrophes_do_not_hide_a_threat():
    assert classify("I\u2019ll hurt you", COMPILED).category == "threats"
    assert classify("ÍK WÉET WAAR JE WOONT", COMPILED).category == "threats"


def test_reasons_are_sentences_in_the_readers_language():
    reasons = [*classify("my lawyer will sue you", COMPILED).reasons]
    reasons.append({"code": "escalated", "level": Level.LEGAL_PR})
    with translation.override("en"):
        assert reason_sentences(reasons) == [
            "Matches the category “legal threat”: the words “my lawyer”.",
            "Sent to Legal / PR.",
        ]
    with translation.override("nl"):
        assert "Juridisch / PR" in reason_sentences(reasons)[1]


def test_reasons_stored_as_text_before_the_codes_still_read():
    from moderation.explain import reason_sentence

    with translation.override("en"):
        assert reason_sentence("cancelled at send time: crisis mode") == (
            "Cancelled when it was due: crisis mode was on."
        )
        assert reason_sentence("category spam: keyword “f4f”") == "category spam: keyword “f4f”"
        assert reason_sentence({"code": "unknown_future_code"}) == "unknown_future_code"

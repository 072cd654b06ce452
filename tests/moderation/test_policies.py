"""Policies: validation of rules, immutable versions, and which version a decision used."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agencies.models import AuditLog
from moderation.models import Policy, PolicyVersion
from moderation.policies import policy_create, policy_version_publish
from moderation.rules import classify, compile_rules, default_rules, validate_rules
from moderation.selectors import effective_policy_version
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db


def rules_with(**changes):
    rules = default_rules()
    rules.update(changes)
    return rules


def test_the_default_rules_are_valid():
    assert validate_rules(default_rules())["limits"]["dms_per_person_per_7_days"] == 5
    assert validate_rules(default_rules())["delay"] == {"min_minutes": 10, "max_minutes": 60}


@pytest.mark.parametrize(
    ("patterns", "message"),
    [
        (["(unclosed"], "not a valid pattern"),
        (["(a+)+$"], "nests repetition"),
        (["x" * 201], "at most 200 characters"),
        ([f"p{i}" for i in range(21)], "more than 20 entries"),
    ],
)
def test_bad_patterns_are_refused_with_a_clear_message(patterns, message):
    rules = default_rules()
    rules["categories"][0]["patterns"] = patterns
    with pytest.raises(ValidationError, match=message):
        validate_rules(rules)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"delay": {"min_minutes": 60, "max_minutes": 10}}, "must not exceed"),
        ({"limits": {"dms_per_person_per_7_days": -1}}, "whole number"),
        ({"sentiment_threshold": 3}, "from -1 to 1"),
        ({"categories": [{"name": "spam", "action": "explode"}]}, "action must be one of"),
        ({"categories": [{"name": "x", "action": "hide", "domains": ["not a domain"]}]}, "domain"),
        ({"intents": [{"name": "price", "triggers": [], "reply": "hi"}]}, "at least one trigger"),
        ({"intents": [{"name": "price", "triggers": ["p"], "reply": {"nl": "hoi"}}]}, "English"),
    ],
)
def test_bad_rules_name_the_entry_at_fault(change, message):
    with pytest.raises(ValidationError, match=message):
        validate_rules(rules_with(**change))


def test_publishing_creates_a_new_version_and_keeps_the_old_one(agency, owner):
    policy = policy_create(agency=agency, actor=owner, name="House rules")
    first = policy.current_version
    second = policy_version_publish(
        policy=policy, actor=owner, rules=rules_with(sentiment_threshold=-0.6), note="stricter"
    )
    policy.refresh_from_db()
    assert (first.number, second.number) == (1, 2)
    assert policy.current_version == second
    first.refresh_from_db()
    assert first.rules["sentiment_threshold"] == -0.3
    assert AuditLog.objects.filter(agency=agency, action="policy.publish").count() == 2


def test_a_policy_version_cannot_be_changed(agency, owner):
    version = policy_create(agency=agency, actor=owner, name="House rules").current_version
    version.note = "rewritten history"
    with pytest.raises(PermissionError):
        version.save()
    with pytest.raises(PermissionError):
        PolicyVersion.objects.filter(pk=version.pk).update(note="x")


def test_invalid_rules_store_nothing(agency, owner):
    with pytest.raises(ValidationError):
        policy_create(agency=agency, actor=owner, name="Broken", rules={"categories": "nope"})
    assert not Policy.objects.filter(agency=agency).exists()


def test_a_creator_policy_overrides_the_agency_default(agency, owner):
    creator = CreatorFactory(agency=agency)
    other = CreatorFactory(agency=agency)
    default = policy_create(agency=agency, actor=owner, name="Default")
    own = policy_create(agency=agency, actor=owner, name="Own", creator=creator)
    assert effective_policy_version(agency, creator.pk) == own.current_version
    assert effective_policy_version(agency, other.pk) == default.current_version


def test_matching_keywords_domains_patterns_and_intents_in_english_and_dutch():
    compiled = compile_rules(validate_rules(default_rules()))
    assert classify("you are an idiot", compiled).category == "harassment"
    assert classify("Wat een sukkel", compiled).category == "harassment"
    scam = classify("win big at https://promo.crypto-giveaway.example/now", compiled)
    assert scam.category == "scam" and scam.reasons[0]["host"] == "promo.crypto-giveaway.example"
    assert classify("DM me to earn $500 a day", compiled).category == "scam"
    assert classify("Wat is de prijs?", compiled).intent == "price"
    assert classify("Interesse in een samenwerking!", compiled).intent == "collaboration"
    neutral = classify("lovely video", compiled)
    assert (neutral.category, neutral.intent, neutral.action) == ("", "", "allow")


def test_keywords_match_whole_words_only():
    compiled = compile_rules(validate_rules(default_rules()))
    assert classify("Scunthorpe shitake mushrooms", compiled).category == ""

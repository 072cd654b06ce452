"""Migration 0004 gives existing policies the threat, legal-threat and brand-inquiry rules."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from agencies.models import AuditLog
from moderation.models import Case, Level, Policy
from moderation.policies import policy_create
from moderation.rules import default_rules
from moderation.triage import message_triage

pytestmark = pytest.mark.django_db
migration = importlib.import_module("moderation.migrations.0004_default_threat_and_brand_rules")


def old_rules() -> dict:
    """The default rules as they were before issue 16."""
    rules = default_rules()
    rules["categories"] = [
        c for c in rules["categories"] if c["name"] not in ("threats", "legal_threat")
    ]
    rules["intents"] = [i for i in rules["intents"] if i["name"] != "brand_inquiry"]
    for category in rules["categories"]:
        category.pop("escalate_to", None)
    return rules


def test_an_old_policy_gets_the_new_rules_first_in_a_new_audited_version(
    agency, owner, message_factory
):
    policy = policy_create(agency=agency, actor=owner, name="Old", rules=old_rules())
    message = message_factory(agency, "my lawyer will sue you")

    migration.add_defaults(apps, None)

    policy = Policy.objects.select_related("current_version").get(pk=policy.pk)
    version = policy.current_version
    assert version.number == 2 and version.note == migration.NOTE
    assert [c["name"] for c in version.rules["categories"][:3]] == [
        "threats",
        "legal_threat",
        "self_harm",
    ]
    assert version.rules["intents"][0]["name"] == "brand_inquiry"
    assert AuditLog.objects.filter(agency=agency, action="policy.publish").count() == 2
    message_triage(message_id=message.pk)
    assert Case.objects.get(message=message).level == Level.LEGAL_PR


def test_a_policy_that_has_them_is_left_alone(agency, owner):
    policy = policy_create(agency=agency, actor=owner, name="New")
    migration.add_defaults(apps, None)
    migration.add_defaults(apps, None)
    assert Policy.objects.get(pk=policy.pk).current_version.number == 1

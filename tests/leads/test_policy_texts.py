"""The e-mail step's and the follow-up's texts are edited in the policy editor like the rest
of the DM sequence, and the conversation uses them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from moderation.models import PolicyVersion
from moderation.policies import policy_ensure_default
from tests.moderation.test_policy_form_input import editor_data

from .conftest import say

pytestmark = pytest.mark.django_db


def test_the_editor_edits_the_email_texts_and_the_dm_uses_them(owner_client, agency):
    policy = policy_ensure_default(agency=agency)
    data = editor_data()
    assert data["policy-ask_email_en"] == "Great! What is your e-mail address?"
    data["policy-ask_email_en"] = "Lovely! Which e-mail address may we use?"
    data["policy-follow_up_nl"] = "Hoi! Nog vragen over onze mail?"

    response = owner_client.post(
        reverse("moderation:policy", kwargs={"agency_slug": agency.slug, "pk": policy.pk}), data
    )

    assert response.status_code == 302, response.content.decode()[:1000]
    rules = PolicyVersion.objects.get(policy=policy, number=2).rules["dm_sequence"]
    assert rules["ask_email"]["en"] == "Lovely! Which e-mail address may we use?"
    assert rules["follow_up"]["nl"] == "Hoi! Nog vragen over onze mail?"
    say(agency, "info please", opt_in=True)
    say(agency, "Sam")
    _message, [ask] = say(agency, "YES")
    assert ask.text == "Lovely! Which e-mail address may we use?"


def test_an_empty_english_text_keeps_the_default(owner_client, agency):
    policy = policy_ensure_default(agency=agency)
    data = editor_data()
    data["policy-ask_email_again_en"] = ""
    response = owner_client.post(
        reverse("moderation:policy", kwargs={"agency_slug": agency.slug, "pk": policy.pk}), data
    )
    assert response.status_code == 302
    rules = PolicyVersion.objects.get(policy=policy, number=2).rules["dm_sequence"]
    assert rules["ask_email_again"]["en"].startswith("That does not look like")

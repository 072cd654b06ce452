"""The policy page reads its rules through the one JSON reader: 100,000 `[` in the rules
box was a RecursionError (a 500)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from moderation.models import PolicyVersion
from moderation.policies import policy_ensure_default

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "rules, message",
    [
        ("[" * 100_000, "The JSON is nested deeper than 64 levels."),
        ('{"categories": "\\u0000"}', "control character"),
        ("{nope", "Not valid JSON"),
    ],
)
def test_rules_the_json_reader_refuses_are_a_form_error(owner_client, agency, rules, message):
    policy = policy_ensure_default(agency=agency)
    versions = PolicyVersion.objects.count()

    response = owner_client.post(
        reverse("moderation:policy", args=[agency.slug, policy.pk]),
        {"name": policy.name, "rules": rules, "note": ""},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert PolicyVersion.objects.count() == versions

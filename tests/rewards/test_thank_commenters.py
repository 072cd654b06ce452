"""The thank-top-commenters policy action: when a rewarded video passes the policy's watch
time, its top commenters get a public thank-you, within the caps of every automated reply."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from agencies.roles import Role
from moderation.models import ActionOutcome, AutomatedAction
from moderation.policies import crisis_mode_set, policy_ensure_default, policy_version_publish
from moderation.rules import default_rules, validate_rules
from rewards.models import BonusAward
from tests.helpers import client_for, member
from tests.moderation.conftest import make_message
from tests.moderation.test_policy_form_input import editor_data

from .conftest import NOW, snapshot, video

pytestmark = pytest.mark.django_db


def enable_thanks(agency, *, top_n=2, min_watch=20, hourly=30):
    policy = policy_ensure_default(agency=agency)
    rules = dict(policy.current_version.rules)
    rules["thank_commenters"] = {
        "enabled": True,
        "top_n": top_n,
        "min_avg_watch_seconds": min_watch,
        "reply": {"en": "Thanks for watching!", "nl": "Bedankt voor het kijken!"},
    }
    rules["limits"] = {**rules["limits"], "replies_per_account_per_hour": hourly}
    policy_version_publish(policy=policy, actor=None, rules=rules)


def comment(agency, n, author, minutes):
    return make_message(
        agency,
        "Love this video",
        author=author,
        message_id=f"7300:c{n}",
        sent_at=NOW - dt.timedelta(days=10) + dt.timedelta(minutes=minutes),
    )


@pytest.fixture
def rewarded(agency, campaign, rule):
    asset = video(campaign, post_id="7300", posted=NOW - dt.timedelta(days=12))
    comment(agency, 1, "alice", 1)
    comment(agency, 2, "bob", 5)
    comment(agency, 3, "carol", 3)
    comment(agency, 4, "alice", 9)
    other = make_message(agency, "Other video", author="dave", message_id="9999:c1")
    return asset, other


def evaluate(agency):
    with time_machine.travel(NOW, tick=False):
        call_command("rewards_evaluate", "--agency", agency.slug, stdout=StringIO())


def thanks():
    return AutomatedAction.objects.filter(reasons__0__code="thank_commenters").order_by("pk")


def test_the_top_commenters_are_thanked_once_within_the_hourly_cap(agency, rewarded):
    asset, _other = rewarded
    snapshot(asset, hours=48, views=20_000, avg="25")
    enable_thanks(agency, top_n=2, hourly=1)

    evaluate(agency)
    evaluate(agency)

    # alice commented twice, carol before bob: those two; the cap of 1 an hour holds carol's
    rows = list(thanks().select_related("contact"))
    assert [(a.contact.handle, a.outcome) for a in rows] == [
        ("alice", ActionOutcome.SCHEDULED),
        ("carol", ActionOutcome.SUPPRESSED),
    ]
    assert rows[0].text == "Thanks for watching!"
    assert rows[0].promotional is True
    assert rows[0].due_at > NOW  # after the policy's random delay, like every reply
    assert rows[1].reasons[-1] == {"code": "hourly_limit", "limit": 1}
    assert BonusAward.objects.get().thanked_at == NOW


def test_nobody_is_thanked_before_the_watch_time_is_reached(agency, rewarded):
    asset, _other = rewarded
    snapshot(asset, hours=48, views=20_000, avg="12")
    enable_thanks(agency, min_watch=20)

    evaluate(agency)
    assert not thanks().exists()
    assert BonusAward.objects.get().thanked_at is None

    # the next day's snapshot passes the threshold
    snapshot(asset, hours=24 * 6, views=25_000, avg="21")
    evaluate(agency)
    assert thanks().count() == 2


def test_switched_off_or_in_crisis_mode_nothing_is_sent(agency, rewarded):
    asset, _other = rewarded
    snapshot(asset, hours=48, views=20_000, avg="30")

    evaluate(agency)  # the default policy has the action switched off
    assert not thanks().exists()

    enable_thanks(agency)
    crisis_mode_set(agency=agency, actor=None, enabled=True)
    evaluate(agency)
    assert not thanks().exists()
    assert BonusAward.objects.get().thanked_at is None


def test_the_policy_editor_switches_the_action_on(agency):
    policy = policy_ensure_default(agency=agency)
    url = reverse("moderation:policy", kwargs={"agency_slug": agency.slug, "pk": policy.pk})
    data = editor_data(policy.current_version.rules)
    data.update(
        {
            "policy-thank_enabled": "on",
            "policy-thank_top_n": "4",
            "policy-thank_min_watch": "18",
            "policy-thank_reply_en": "Thank you!",
        }
    )

    client = client_for(member(agency, Role.OWNER))
    assert "Thank the top commenters of rewarded videos" in client.get(url).content.decode()
    response = client.post(url, data)

    assert response.status_code == 302
    policy.refresh_from_db()
    config = policy.current_version.rules["thank_commenters"]
    assert config["enabled"] is True
    assert (config["top_n"], config["min_avg_watch_seconds"]) == (4, 18)
    assert config["reply"]["en"] == "Thank you!"


def test_the_policy_refuses_a_bad_number_of_commenters(agency):
    rules = default_rules()
    rules["thank_commenters"] = {**rules["thank_commenters"], "top_n": 0}
    with pytest.raises(ValidationError, match=r"thank_commenters\.top_n"):
        validate_rules(rules)

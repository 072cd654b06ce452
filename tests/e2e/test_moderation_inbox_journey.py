"""The moderation product pages in a real browser, at 1440 px and 390 px: the inbox explains
each decision, the policy editor's "test this comment" answers through htmx without saving,
and a community manager answers a threat's case through the outbox."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.roles import Role
from moderation.inbound import MessageIn, messages_ingest
from moderation.models import Case, Level, OutboxMessage, PolicyVersion
from moderation.policies import policy_ensure_default
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import member

from .test_layout_overflow import OVERFLOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["window"], found


@pytest.mark.parametrize("width", [1440, 390])
def test_inbox_policy_preview_and_a_reply_from_a_case(page, sign_in, agency, width):
    page.set_viewport_size({"width": width, "height": 900})
    cm = member(agency, Role.COMMUNITY_MANAGER, email="cm@acme.test")
    manager = member(agency, Role.MANAGER, email="am@acme.test")
    creator = CreatorFactory(agency=agency, display_name="Lina Makes", account_manager=manager)
    SocialAccountFactory(creator=creator, handle="linamakes")
    policy = policy_ensure_default(agency=agency)
    texts = {
        "c-1": ("comment", "angryfan", "I'll find where you live and hurt you"),
        "c-2": ("comment", "happyfan", "you killed it, this is killer content"),
        "d-1": ("dm", "brandco", "Hi! What are your rates for a sponsored post?"),
    }
    messages_ingest(
        agency=agency,
        messages=[
            MessageIn("tiktok", pk, kind, "linamakes", author, text, timezone.now())
            for pk, (kind, author, text) in texts.items()
        ],
        source="api",
    )
    threat = Case.objects.get(agency=agency, message__platform_message_id="c-1")
    assert threat.level == Level.LEGAL_PR

    sign_in(cm)

    # the inbox shows every message, each with its decision in words
    page.goto(reverse("moderation:inbox", args=[agency.slug]))
    inbox = page.get_by_test_id("inbox")
    expect(inbox.get_by_role("row", name=re.compile("angryfan"))).to_contain_text(
        "Hidden, sent to Legal / PR"
    )
    expect(inbox.get_by_role("row", name=re.compile("happyfan"))).to_contain_text("No action")
    expect(inbox.get_by_role("row", name=re.compile("brandco"))).to_contain_text(
        "Sent to Account manager"
    )
    fits(page)
    page.get_by_label("Decision").select_option("escalated")
    page.get_by_role("button", name="Filter").click()
    expect(inbox.get_by_role("row")).to_have_count(3)  # the header and two escalations

    # the policy editor tests a comment without saving anything
    page.goto(reverse("moderation:policy", args=[agency.slug, policy.pk]))
    expect(page.get_by_test_id("category").first).to_contain_text("Threats or violence")
    sample = "wij willen graag samenwerken, wat kost een post?"
    page.get_by_label("Message", exact=True).fill(sample)
    page.get_by_label("As a").select_option("dm")
    page.get_by_role("button", name="Test against this policy").click()
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("account manager")
    expect(preview).to_contain_text("Recognised as a brand inquiry")
    fits(page)
    assert PolicyVersion.objects.filter(policy=policy).count() == 1

    # the queue shows the threat with its countdown; the community manager answers it
    page.goto(reverse("moderation:queue", args=[agency.slug]))
    row = page.get_by_role("row", name=re.compile("angryfan"))
    expect(row.get_by_test_id("countdown")).to_contain_text(re.compile("due in|overdue by"))
    fits(page)
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Threats or violence: comment from @angryfan"
    )
    page.get_by_label("Reply").fill("We have reported this to TikTok and the police.")
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Reply sent through the outbox.")).to_be_visible()
    expect(page.get_by_test_id("timeline")).to_contain_text("Public reply: We have reported")
    fits(page)
    assert OutboxMessage.objects.filter(kind="reply", recipient="angryfan").count() == 1

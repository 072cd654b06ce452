"""The moderation journey in a real browser: a negative comment lands in the review queue,
the community manager escalates it to the account manager, the account manager's SLA
breaches when time moves on, and the breach scan escalates it further and tells them."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from agencies.roles import Role
from moderation.cases import breach_scan
from moderation.inbound import MessageIn, messages_ingest
from moderation.models import Case, Level
from tests.factories import CreatorFactory, SocialAccountFactory
from tests.helpers import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def next_tuesday_morning() -> datetime:
    """10:00 in Amsterdam on the coming Tuesday: inside business hours, and close enough to
    the real date that the browser keeps the session cookie the server sets."""
    today = timezone.now().astimezone(AMSTERDAM).date()
    days = (1 - today.weekday()) % 7 or 7
    return datetime.combine(today + timedelta(days=days), time(10, 0), tzinfo=AMSTERDAM)


def test_a_negative_comment_is_escalated_breaches_its_sla_and_reaches_the_account_manager(
    page, sign_in, agency
):
    community_manager = member(agency, Role.COMMUNITY_MANAGER, email="cm@acme.test")
    account_manager = member(agency, Role.MANAGER, email="am@acme.test")
    creator = CreatorFactory(
        agency=agency, display_name="Lina Makes", account_manager=account_manager
    )
    SocialAccountFactory(creator=creator, handle="linamakes")
    queue = reverse("moderation:queue", args=[agency.slug])

    with time_machine.travel(next_tuesday_morning(), tick=True) as traveller:
        # a negative comment arrives through the API service and is triaged at once
        messages_ingest(
            agency=agency,
            messages=[
                MessageIn(
                    platform="tiktok",
                    platform_message_id="c-1",
                    kind="comment",
                    account="linamakes",
                    author="angryfan",
                    text="This is terrible, the worst product I ever bought. Awful!",
                    sent_at=timezone.now(),
                )
            ],
            source="api",
        )
        case = Case.objects.get(agency=agency)
        assert case.level == Level.HUMAN_REVIEW

        # the community manager finds it in the review queue and escalates it
        sign_in(community_manager)
        page.goto(queue)
        row = page.get_by_role("row", name=re.compile("Comment from @angryfan"))
        expect(row).to_contain_text("Human review")
        expect(row).to_contain_text("Lina Makes")
        row.get_by_role("link").click()
        expect(page.get_by_text("This is terrible, the worst product")).to_be_visible()
        page.get_by_label("Action").select_option("escalate")
        page.get_by_label("Note").fill("The customer threatens to go to the press.")
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_text("Case updated.")).to_be_visible()
        details = page.locator("dl.details")
        expect(details).to_contain_text("Account manager")
        expect(details).to_contain_text("am@acme.test")

        # nobody answers: five hours later the account manager's SLA (4 business hours) has
        # passed, and the breach scan (every minute in production) escalates the case
        traveller.shift(timedelta(hours=5))
        assert breach_scan() == 1

        # the account manager is told, and finds the case escalated past them
        page.context.clear_cookies()
        sign_in(account_manager)
        page.goto(queue)
        notices = page.get_by_test_id("notifications")
        expect(notices).to_contain_text("SLA breached (Account manager): Comment from @angryfan")
        row = page.get_by_role("row", name=re.compile("Comment from @angryfan"))
        expect(row).to_contain_text("Legal / PR")
        notices.get_by_role("link", name=re.compile("SLA breached")).click()
        expect(page.locator("dl.details")).to_contain_text("Legal / PR")
        timeline = page.get_by_role("table").first
        expect(timeline).to_contain_text("SLA breached at Account manager.")
        expect(timeline).to_contain_text("Escalated to Legal / PR. SLA breached.")
        expect(timeline).to_contain_text("The customer threatens to go to the press.")

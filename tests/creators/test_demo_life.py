"""After `seed_demo` every area has something to show, for both demo agencies and each demo
login (issue 16): finance statements over several months, bank transactions, runs, the
exceptions queue, the moderation inbox and cases at every level (one past its SLA), and the
creator's "My payouts". A second run adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from creators.demo import DEMO_PASSWORD
from moderation.models import Case, CaseStatus, InboundMessage, Level
from payouts.models import (
    BankTransaction,
    Match,
    MatchRule,
    MatchStatus,
    PayoutStatement,
    ReconciliationRun,
)

pytestmark = pytest.mark.django_db
AGENCIES = ["northstar", "lumen"]
# (login, agency): the finance people of each agency (manager@northstar is finance at Lumen)
FINANCE = [("finance@northstar.test", "northstar"), ("manager@northstar.test", "lumen")]
COMMUNITY = [("community@northstar.test", "northstar"), ("community@lumen.test", "lumen")]


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=StringIO())


def login(email: str) -> Client:
    client = Client()
    assert client.login(username=email, password=DEMO_PASSWORD)
    return client


def count(client: Client, name: str, slug: str, query: str = "") -> int:
    response = client.get(reverse(name, kwargs={"agency_slug": slug}) + query)
    assert response.status_code == 200, name
    return response.context["page_obj"].paginator.count


def test_every_area_has_life_for_the_demo_logins(seeded):
    for email, slug in FINANCE:
        client = login(email)
        assert count(client, "payouts:index", slug) >= 30, slug
        assert count(client, "payouts:transactions", slug) >= 20, slug
        assert count(client, "payouts:transactions", slug, "?open=true") >= 1, slug
        assert count(client, "payouts:runs", slug) >= 2, slug
        assert count(client, "payouts:exceptions", slug) >= 2, slug
    for email, slug in COMMUNITY:
        client = login(email)
        assert count(client, "moderation:inbox", slug) >= 15, slug
        assert count(client, "moderation:queue", slug) >= 4, slug
    portal = login("creator@northstar.test").get(
        reverse("payouts:portal", kwargs={"agency_slug": "northstar"})
    )
    assert portal.status_code == 200
    assert len(portal.context["trails"]) >= 4


def test_the_books_span_months_and_every_kind_of_match(seeded):
    for slug in AGENCIES:
        statements = PayoutStatement.objects.filter(agency__slug=slug)
        months = {s.period_end.strftime("%Y-%m") for s in statements}
        assert len(months) >= 6  # five settled months and this one's estimates
        assert statements.filter(status="estimated").exists()
        assert statements.filter(settled_amount__isnull=False, allocated_amount=0).exists()
        matches = Match.objects.filter(agency__slug=slug)
        assert matches.filter(status=MatchStatus.CONFIRMED, rule=MatchRule.REFERENCE).exists()
        assert matches.filter(status=MatchStatus.CONFIRMED, rule=MatchRule.FX).exists()
        assert matches.filter(status=MatchStatus.PROPOSED).count() >= 2
        assert matches.filter(status=MatchStatus.REVERSED).exists()
        assert BankTransaction.objects.filter(agency__slug=slug, is_reversal=True).exists()
        runs = ReconciliationRun.objects.filter(agency__slug=slug, status="completed")
        assert runs.count() >= 2
        # the moderation side: cases at every level, one past its SLA, one resolved
        open_cases = Case.objects.filter(agency__slug=slug, status=CaseStatus.OPEN)
        assert set(open_cases.values_list("level", flat=True)) == set(Level.values)
        assert open_cases.filter(due_at__lt=timezone.now()).count() >= 1
        assert Case.objects.filter(agency__slug=slug, status=CaseStatus.RESOLVED).exists()


def test_a_second_run_adds_no_books_and_no_moderation(seeded):
    models = (PayoutStatement, BankTransaction, Match, ReconciliationRun, InboundMessage, Case)
    before = [m.objects.count() for m in models]

    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert [m.objects.count() for m in models] == before
    assert "Demo books: 0 agencies" in out.getvalue()
    assert "Demo moderation: 0 agencies" in out.getvalue()


def test_the_demo_figures_agree_with_each_other(seeded):
    from datetime import timedelta

    from django.db.models import Sum

    from campaigns.models import Deliverable, DeliverableReview
    from creators.models import AccountSnapshot, SocialAccount, Video

    # the videos of the last 30 days make up most of the account's 30-day views
    since = timezone.now() - timedelta(days=30)
    for account in SocialAccount.objects.filter(platform="tiktok", snapshots__isnull=False)[:20]:
        latest = AccountSnapshot.objects.filter(social_account=account).latest("date")
        in_window = Video.objects.filter(social_account=account, posted_at__gte=since).aggregate(
            total=Sum("views")
        )["total"]
        assert 0.75 * latest.views_last_30_days <= in_window <= latest.views_last_30_days
    # every submitted or posted deliverable has the history the workflow writes
    Decision = DeliverableReview.Decision
    for deliverable in Deliverable.objects.filter(status__in=["submitted", "posted"]):
        history = list(
            deliverable.reviews.order_by("created_at").values_list("decision", flat=True)
        )
        if deliverable.status == "posted":
            assert history == [Decision.SUBMITTED, Decision.APPROVED, Decision.POSTED]
        else:
            assert history == [Decision.SUBMITTED] and deliverable.submitted_at is not None

"""The daily evaluation through its entry points: the command and the Celery task."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from agencies.models import AuditLog
from campaigns.models import ConversionEvent
from payouts.models import PayoutSource, PayoutStatement, StatementStatus
from payouts.services import statement_update
from rewards.models import BonusAward, BonusPool, Kpi
from rewards.tasks import evaluate_agencies, evaluate_agency
from tests.payouts.builders import credit

from .conftest import NOW, make_pool, make_rule, snapshot, video

pytestmark = pytest.mark.django_db


def run_command(agency) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("rewards_evaluate", "--agency", agency.slug, stdout=out)
    return out.getvalue()


def test_a_video_past_the_threshold_inside_the_window_is_awarded_once(agency, campaign, rule):
    # given a video that reached 12,000 views two days after posting
    asset = video(campaign)
    snapshot(asset, hours=48, views=12_000)

    # when the evaluation runs twice
    first = run_command(agency)
    second = run_command(agency)

    # then one award, one expected statement, and the second run added nothing
    award = BonusAward.objects.get()
    assert (award.amount, award.currency, award.kpi_value) == (
        Decimal("100.00"),
        "EUR",
        Decimal("12000.00"),
    )
    assert "1 new awards (100.00 EUR)" in first
    assert "0 new awards" in second
    assert BonusPool.objects.get().awarded_amount == Decimal("100.00")
    assert AuditLog.objects.filter(action="bonus_award.create").count() == 1


def test_a_threshold_reached_after_the_window_earns_nothing(agency, campaign, rule):
    asset = video(campaign)
    snapshot(asset, hours=24, views=5_000)
    snapshot(asset, hours=24 * 8, views=20_000)  # the 7-day window closed a day earlier

    run_command(agency)

    assert not BonusAward.objects.exists()


def test_an_award_becomes_an_expected_bonus_statement_with_its_asset_line(agency, campaign, rule):
    asset = video(campaign, post_id="7300")
    snapshot(asset, hours=30, views=15_000)

    run_command(agency)

    award = BonusAward.objects.select_related("statement").get()
    statement = award.statement
    assert statement.source == PayoutSource.BONUS
    assert statement.status == StatementStatus.ESTIMATED
    assert statement.creator_id == asset.creator_id
    assert statement.estimated_amount == Decimal("100.00")
    assert statement.amount_due == Decimal("100.00")
    assert statement.platform_reference == f"BONUS-{rule.pk}-{asset.pk}"
    line = statement.lines.get()
    assert (line.campaign_code, line.amount) == ("SPRING-24", Decimal("100.00"))
    assert "7300" in line.asset_reference
    assert AuditLog.objects.filter(action="payout_statement.create").count() == 1


def test_the_pool_caps_the_awards(agency, campaign):
    pool = make_pool(campaign, amount="150.00")
    make_rule(pool, amount="100.00")
    for _ in range(3):
        snapshot(video(campaign), hours=10, views=50_000)

    output = run_command(agency)

    amounts = sorted(BonusAward.objects.values_list("amount", flat=True))
    assert amounts == [Decimal("50.00"), Decimal("100.00")]
    assert BonusAward.objects.filter(capped=True).count() == 1
    assert BonusPool.objects.get().awarded_amount == Decimal("150.00")
    assert "1 passed with the pool spent" in output
    assert PayoutStatement.objects.filter(source=PayoutSource.BONUS).count() == 2


def test_conversions_count_inside_the_window(agency, campaign, pool):
    make_rule(pool, kpi=Kpi.CONVERSIONS, threshold="2", amount="40.00", window_days=7)
    asset = video(campaign)
    for hours in (5, 20, 24 * 9):
        ConversionEvent.objects.create(
            agency=agency,
            campaign=campaign,
            kind="signup",
            occurred_at=asset.posted_at + dt.timedelta(hours=hours),
            currency="EUR",
            deliverable=asset,
        )

    run_command(agency)

    award = BonusAward.objects.get()
    assert award.kpi_value == Decimal("2")
    assert award.measured_at == asset.posted_at + dt.timedelta(hours=20)


def test_watch_time_and_completion_rules(agency, campaign, pool):
    make_rule(pool, kpi=Kpi.AVG_WATCH_SECONDS, threshold="20", amount="10.00")
    make_rule(pool, kpi=Kpi.COMPLETION, threshold="40", amount="20.00")
    make_rule(pool, kpi=Kpi.WATCH_HOURS, threshold="100", amount="30.00")
    asset = video(campaign)
    snapshot(asset, hours=12, views=10_000, avg="25.5", done="35")

    run_command(agency)

    # 10,000 views x 25.5 s = 70.8 hours: short of 100; completion 35 % short of 40 %
    assert list(BonusAward.objects.values_list("kpi", flat=True)) == [Kpi.AVG_WATCH_SECONDS]


def test_the_task_evaluates_each_agency_by_id(agency, other_agency, campaign, rule):
    snapshot(video(campaign), hours=3, views=11_000)

    with time_machine.travel(NOW, tick=False):
        assert evaluate_agency.delay(agency.pk).get() == 1
        assert evaluate_agency.delay(agency.pk).get() == 0  # idempotent
        assert evaluate_agencies.delay().get() == 2

    assert BonusAward.objects.count() == 1


def test_the_command_names_an_unknown_agency():
    with pytest.raises(CommandError, match="No agency"):
        call_command("rewards_evaluate", "--agency", "nobody")


def test_without_an_agency_the_command_evaluates_every_agency(agency, campaign, rule):
    snapshot(video(campaign), hours=3, views=11_000)
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("rewards_evaluate", stdout=out)

    assert "acme: 1 pools" in out.getvalue()
    assert BonusAward.objects.count() == 1


def test_the_sponsors_deposit_reconciles_the_bonus_like_any_statement(agency, campaign, rule):
    snapshot(video(campaign), hours=48, views=12_000)
    run_command(agency)
    statement = BonusAward.objects.get().statement

    # finance confirms the bonus the sponsor will pay, the deposit arrives with its reference
    statement_update(
        statement=statement,
        actor=None,
        changes={
            "status": StatementStatus.SETTLED,
            "settled_amount": Decimal("100.00"),
            "settled_date": dt.date(2024, 3, 21),
        },
    )
    credit(
        agency,
        "100.00",
        remittance=f"Bonus {statement.platform_reference}",
        booking_date=dt.date(2024, 3, 25),
    )
    call_command("reconcile", "--agency", agency.slug, stdout=StringIO())

    statement.refresh_from_db()
    assert statement.status == StatementStatus.RECONCILED
    assert statement.allocated_amount == Decimal("100.00")

"""The weekly digest: per member, in their language and the agency's time zone, once a week,
opt-out in their own settings, only their agency's data (cockpit/digest.py)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.roles import Role
from cockpit.models import DigestSubscription
from cockpit.tasks import agency_digests, weekly_digests
from creators.models import Creator
from moderation.cases import case_open
from moderation.models import Case
from payouts.reconciliation import match_manual
from tests.helpers import client_for, member
from tests.payouts import builders

# Monday 7 December 2026, 06:30 UTC: 07:30 in Amsterdam, 19:30 in Auckland.
MONDAY = dt.datetime(2026, 12, 7, 6, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(MONDAY, tick=False):
        yield


def breached_case(agency) -> Case:
    case = case_open(agency=agency, title="Threat", now=MONDAY - dt.timedelta(days=2))
    Case.objects.filter(pk=case.pk).update(due_at=MONDAY - dt.timedelta(hours=1))
    return case


def prefer(user, agency, **settings) -> None:
    membership = user.memberships.get(agency=agency)
    DigestSubscription.objects.update_or_create(
        membership=membership, defaults={"agency": agency, **settings}
    )


def mail_to(address: str):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message


def test_each_member_gets_their_own_digest_in_plain_text_and_html(agency, owner, finance):
    breached_case(agency)
    txn = builders.credit(agency, "1250.00", booking_date=dt.date(2026, 12, 1))
    statement = builders.statement(agency, "CP-1", "1250.00")
    match_manual(statement=statement, transaction_=txn, actor=None)

    agency_digests.delay(agency.pk)

    owners = mail_to(owner.email)
    assert owners.subject == "Acme Talent: your week in Talentdesk"
    assert "1 case past its SLA" in owners.body
    assert f"/a/{agency.slug}/moderation/?status=open&overdue=on" in owners.body
    assert f"/a/{agency.slug}/home/digest/" in owners.body  # where to turn it off
    html, kind = owners.alternatives[0]
    assert kind == "text/html" and "case past its SLA</a>" in html
    finances = mail_to(finance.email)
    assert "case past its SLA" not in finances.body  # finance: the money
    assert "€1,250.00" in finances.body


def test_the_digest_is_in_the_members_language(agency, owner):
    prefer(owner, agency, language="nl")
    builders.credit(agency, "1250.00", booking_date=dt.date(2026, 12, 1))

    call_command("send_digests", agency=agency.slug)

    body = mail_to(owner.email).body
    assert "maandag 7 december 2026" in body
    assert "€\xa01.250,00" in body


def test_the_date_is_the_agencys_day(agency, owner):
    agency.timezone = "Pacific/Auckland"
    agency.save(update_fields=["timezone"])

    call_command("send_digests", agency=agency.slug)

    # 06:30 UTC on Monday is already 19:30 in Auckland; a day later in the week it would
    # still be Monday there.
    assert "Monday 7 December 2026" in mail_to(owner.email).body
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC), tick=False):
        DigestSubscription.objects.update(last_sent_week=None)
        mail.outbox.clear()
        call_command("send_digests", agency=agency.slug)
    assert "Tuesday 8 December 2026" in mail_to(owner.email).body


def test_a_member_who_opted_out_gets_nothing(agency, owner, manager):
    client_for(manager).post(
        reverse("cockpit:digest", args=[agency.slug]), {"language": "en"}
    )  # the box unticked

    agency_digests.delay(agency.pk)

    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert DigestSubscription.objects.get(membership__user=manager).weekly_digest is False


def test_nobody_gets_two_in_a_week(agency, owner):
    agency_digests.delay(agency.pk)
    agency_digests.delay(agency.pk)
    call_command("send_digests", agency=agency.slug)

    assert len(mail.outbox) == 1


def test_only_the_agencys_own_data(agency, owner, other_agency, outsider):
    breached_case(other_agency)
    builders.credit(other_agency, "777.00", booking_date=dt.date(2026, 12, 1))

    agency_digests.delay(agency.pk)

    body = mail_to(owner.email).body
    assert "Nothing is late or at risk" in body and "777" not in body
    assert outsider.email not in [m.to[0] for m in mail.outbox]


def test_the_creator_gets_their_own_money(agency):
    user = member(agency, Role.CREATOR, email="lina@acme.test")
    me = Creator.objects.get(agency=agency, user=user)
    statement = builders.statement(agency, "CP-L", "100.00", creator=me)
    txn = builders.credit(agency, "100.00", booking_date=dt.date(2026, 11, 2))
    match_manual(statement=statement, transaction_=txn, actor=None)

    agency_digests.delay(agency.pk)

    body = mail_to("lina@acme.test").body
    assert "Received this year: €80.00" in body  # after the 20 % commission


def test_the_beat_task_waits_for_monday_seven_in_each_agencys_time_zone(
    agency, other_agency, django_capture_on_commit_callbacks
):
    owner = member(agency, Role.OWNER, email="o@acme.test")
    # Amsterdam: 07:30 -> due. New York (the other agency): 01:30 -> not yet.
    rival = member(other_agency, Role.OWNER, email="o@rival.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert weekly_digests.delay().get() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert rival.email not in str([m.to for m in mail.outbox])
    assert zoneinfo.ZoneInfo(other_agency.timezone).key == "America/New_York"


def test_dry_run_lists_and_sends_nothing(agency, owner, capsys):
    call_command("send_digests", agency=agency.slug, dry_run=True)

    assert mail.outbox == []
    assert owner.email in capsys.readouterr().out
    assert not DigestSubscription.objects.filter(last_sent_week__isnull=False).exists()


def test_an_unknown_agency_is_one_clear_line(db):
    with pytest.raises(CommandError, match="No agency with slug 'nope'"):
        call_command("send_digests", agency="nope")


def test_preferences_refuse_an_unknown_language(agency, owner):
    response = client_for(owner).post(
        reverse("cockpit:digest", args=[agency.slug]), {"weekly_digest": "on", "language": "xx"}
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not DigestSubscription.objects.exists()


def test_preferences_are_each_members_own(agency, owner, manager, other_agency, outsider):
    client_for(owner).post(
        reverse("cockpit:digest", args=[agency.slug]), {"weekly_digest": "on", "language": "nl"}
    )

    page = client_for(manager).get(reverse("cockpit:digest", args=[agency.slug]))
    assert page.context["form"].initial == {"weekly_digest": True, "language": "en"}
    assert (
        client_for(outsider).get(reverse("cockpit:digest", args=[agency.slug])).status_code == 404
    )

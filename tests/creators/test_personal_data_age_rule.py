"""The age rule comes from the date of birth: owners and account managers (and the creator
in the portal) read when a minor turns 18 and an adult's age; finance and community managers
read only "Under 18." / "18 or older." / "Date of birth unknown.", with no shortfall, on
the creator page, the insights page, the API and the eligibility e-mails."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AuditLog, Membership
from agencies.roles import Role
from agencies.tokens import api_token_create
from creators.insights import eligibility
from creators.insights.eligibility import AGE, FOLLOWERS, evaluate_program, redact
from creators.insights.eligibility_watch import eligibility_scan
from creators.insights.selectors import agency_today
from creators.models import Creator, Program
from tests.helpers import client_for, member

from .insights_support import eligible_facts, insight_creator
from .support import scoping_queries

TODAY = date(2024, 6, 16)
CP = Program.CREATIVITY_PROGRAM


def _age(result) -> eligibility.RuleResult:
    return next(rule for rule in result.rules if rule.key == AGE)


# --- the rule and its redaction ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "full", "neutral", "passed"),
    [
        (date(2006, 6, 26), "Turns 18 on 2024-06-26, in 10 days.", "Under 18.", False),
        (date(1990, 1, 1), "34 years old.", "18 or older.", True),
        (None, "Date of birth unknown: add it to the profile.", "Date of birth unknown.", False),
    ],
)
def test_the_redacted_age_rule_keeps_pass_or_fail_and_drops_the_date(born, full, neutral, passed):
    result = evaluate_program(CP, eligible_facts(date_of_birth=born), today=TODAY)

    shown = redact(result, personal_data=False)

    assert (_age(result).message, _age(result).personal) == (full, True)
    assert (_age(shown).message, _age(shown).passed, _age(shown).shortfall) == (
        neutral,
        passed,
        None,
    )
    assert (shown.status, shown.failing) == (result.status, result.failing)


def test_a_minors_days_to_18_are_the_shortfall_only_for_who_may_see_them():
    result = evaluate_program(
        CP, eligible_facts(date_of_birth=date(2006, 6, 26), followers=9_000), today=TODAY
    )

    assert _age(result).shortfall == 10
    assert redact(result, personal_data=True) is result
    shown = redact(result, personal_data=False)
    assert _age(shown).shortfall is None
    followers = next(rule for rule in shown.rules if rule.key == FOLLOWERS)
    assert (followers.shortfall, followers.personal) == (1_000, False)  # not personal: kept
    assert redact(shown, personal_data=False) == shown  # redacting twice changes nothing


def test_only_the_age_rule_is_personal():
    result = evaluate_program(CP, eligible_facts(), today=TODAY)

    assert [rule.key for rule in result.rules if rule.personal] == [AGE]


# --- through the pages, the API and the e-mails, per role ---------------------------------------

SEES = [Role.OWNER, Role.MANAGER]
DOES_NOT_SEE = [Role.FINANCE, Role.COMMUNITY_MANAGER]


def _minor_born(today: date) -> date:
    """A date of birth of someone who turns 18 in about ten days."""
    return eligibility.years_before(today + timedelta(days=10), eligibility.MIN_AGE)


def _turns_18(agency, born: date) -> tuple[str, str]:
    """What the age rule says to whoever may see the date of birth, and to the others."""
    today = agency_today(agency)
    birthday = eligibility.birthday_at(born, eligibility.MIN_AGE)
    days = (birthday - today).days
    return f"Turns 18 on {birthday.isoformat()}, in {days} days.", "Under 18."


def _age_text(agency, born: date) -> tuple[str, str]:
    return f"{eligibility.age_on(born, agency_today(agency))} years old.", "18 or older."


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_creator_page_says_when_a_minor_turns_18_only_to_owners_and_managers(role, agency):
    born = _minor_born(agency_today(agency))
    creator = insight_creator(agency, date_of_birth=born)
    full, neutral = _turns_18(agency, born)

    page = client_for(member(agency, role)).get(
        reverse("creators:detail", args=[agency.slug, creator.pk])
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert (full in body, neutral in body) == (role in SEES, role not in SEES)
    birthday = eligibility.birthday_at(born, eligibility.MIN_AGE)
    assert (birthday.isoformat() in body) is (role in SEES)


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
@pytest.mark.parametrize("minor", [True, False], ids=["minor", "adult"])
def test_the_insights_page_gives_the_age_only_to_owners_and_managers(role, minor, agency):
    born = _minor_born(agency_today(agency)) if minor else date(1990, 1, 1)
    creator = insight_creator(agency, date_of_birth=born)
    full, neutral = _turns_18(agency, born) if minor else _age_text(agency, born)

    page = client_for(member(agency, role)).get(
        reverse("creators:insights", args=[agency.slug, creator.pk])
    )

    body = page.content.decode()
    assert page.status_code == 200
    assert (full in body, neutral in body) == (role in SEES, role not in SEES)
    shortfalls = {_age(view.result).shortfall for view in page.context["page"].programs}
    assert (shortfalls != {None}) is (minor and role in SEES)  # the days to 18


def test_a_creator_reads_when_they_turn_18_in_the_portal(agency, creator_user):
    born = _minor_born(agency_today(agency))
    Creator.objects.filter(user=creator_user).update(date_of_birth=born)
    full, _neutral = _turns_18(agency, born)

    page = client_for(creator_user).get(reverse("portal:insights", args=[agency.slug]))

    assert full in page.content.decode()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FINANCE], ids=str)
def test_redacting_costs_no_query(role, agency, django_assert_num_queries):
    creator = insight_creator(agency, date_of_birth=_minor_born(agency_today(agency)))
    client = client_for(member(agency, role))
    url = reverse("creators:insights", args=[agency.slug, creator.pk])
    client.get(url)
    # As test_the_insights_page_costs_the_same_queries_at_any_size: savepoint, session, user,
    # memberships + agencies; the creator, their niches, their accounts; the insights (eight); the
    # latest videos, the settled statements, the history; the expected campaign bonuses (the
    # creator's deliverables); the strikes, the recent snapshots, release savepoint.
    with django_assert_num_queries(22 + scoping_queries()):
        assert client.get(url).status_code == 200


def _api(user, agency) -> Client:
    membership = Membership.objects.get(user=user, agency=agency)
    _token, plain = api_token_create(membership=membership, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Token {plain}")


def _api_age_rules(body: dict) -> list[dict]:
    return [
        rule for program in body["programs"] for rule in program["rules"] if rule["rule"] == AGE
    ]


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_api_gives_the_days_to_18_only_to_owners_and_managers(role, agency):
    born = _minor_born(agency_today(agency))
    creator = insight_creator(agency, date_of_birth=born)
    full, neutral = _turns_18(agency, born)
    days = (eligibility.birthday_at(born, eligibility.MIN_AGE) - agency_today(agency)).days
    api = _api(member(agency, role), agency)

    one = api.get(reverse("api:creator-eligibility", args=[agency.slug, creator.pk])).json()
    listed = api.get(reverse("api:eligibility-list", args=[agency.slug])).json()["results"][0]

    for body in (one, listed):
        for rule in _api_age_rules(body):
            assert rule["passed"] is False
            if role in SEES:
                assert (rule["message"], rule["shortfall"]) == (full, days)
            else:
                assert (rule["message"], rule["shortfall"]) == (neutral, None)


def test_a_creator_reads_their_own_days_to_18_through_the_api(agency, creator_user):
    born = _minor_born(agency_today(agency))
    Creator.objects.filter(user=creator_user).update(date_of_birth=born)
    full, _neutral = _turns_18(agency, born)

    body = _api(creator_user, agency).get(reverse("api:me-eligibility", args=[agency.slug]))

    assert {rule["message"] for rule in _api_age_rules(body.json())} == {full}


def test_the_roster_eligibility_list_costs_finance_what_it_costs_a_manager(
    agency, manager, finance
):
    for _ in range(3):
        insight_creator(agency, date_of_birth=_minor_born(agency_today(agency)))
    url = reverse("api:eligibility-list", args=[agency.slug])
    counts = []
    for user in (manager, finance):
        api = _api(user, agency)
        api.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]  # the pinned count: test_insights_api


# --- the eligibility e-mails --------------------------------------------------------------------


def _crossing_mail(agency, creator, **change) -> mail.EmailMessage:
    """Scan, change the creator, scan again: the e-mail about the crossing."""
    eligibility_scan(agency=agency)
    if "followers" in change:
        account = creator.social_accounts.get()
        account.followers = change["followers"]
        account.save()
        account.snapshots.create(
            agency=agency,
            date=date(2024, 2, 1),
            followers=change["followers"],
            views_last_30_days=100_000,
        )
    if "date_of_birth" in change:
        Creator.objects.filter(pk=creator.pk).update(date_of_birth=change["date_of_birth"])
    assert eligibility_scan(agency=agency).mailed == 1
    (message,) = mail.outbox
    return message


def _account_manager(agency, role):
    """An account manager, assigned while a manager, whose role is now `role`."""
    user = member(agency, Role.MANAGER)
    Membership.objects.filter(user=user, agency=agency).update(role=role)
    return user


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_mail_gives_an_adults_age_only_to_an_account_manager_who_may_see_it(role, agency):
    born = date(1990, 1, 1)
    manager = _account_manager(agency, role)
    creator = insight_creator(agency, followers=9_999, date_of_birth=born, account_manager=manager)
    full, neutral = _age_text(agency, born)

    message = _crossing_mail(agency, creator, followers=10_000)

    assert message.to == [manager.email]
    assert f"✓ Age 18 or older: {full if role in SEES else neutral}" in message.body
    assert (full in message.body) is (role in SEES)


@pytest.mark.parametrize("role", SEES + DOES_NOT_SEE, ids=str)
def test_the_mail_says_when_a_minor_turns_18_only_to_who_may_see_it(role, agency):
    born = _minor_born(agency_today(agency))
    manager = _account_manager(agency, role)
    creator = insight_creator(agency, account_manager=manager)
    full, neutral = _turns_18(agency, born)

    # The date of birth is corrected: the creator is a minor and no longer eligible.
    message = _crossing_mail(agency, creator, date_of_birth=born)

    assert "Eligible → Not eligible" in message.body
    assert f"✗ Age 18 or older: {full if role in SEES else neutral}" in message.body
    birthday = eligibility.birthday_at(born, eligibility.MIN_AGE)
    assert (birthday.isoformat() in message.body) is (role in SEES)


def test_owners_are_told_the_whole_rule(agency, owner):
    born = _minor_born(agency_today(agency))
    creator = insight_creator(agency)
    full, _neutral = _turns_18(agency, born)

    message = _crossing_mail(agency, creator, date_of_birth=born)

    assert message.to == [owner.email]
    assert full in message.body


def test_an_account_manager_who_left_the_agency_is_not_mailed_the_owners_are(agency, owner):
    manager = member(agency, Role.MANAGER)
    creator = insight_creator(agency, account_manager=manager)
    Membership.objects.filter(user=manager, agency=agency).delete()

    message = _crossing_mail(agency, creator, date_of_birth=_minor_born(agency_today(agency)))

    assert message.to == [owner.email]
    entry = AuditLog.objects.get(
        agency=agency, action="creator.eligibility_change", after__program=CP
    )
    assert entry.after["notified"] == [owner.email]

"""The age rule comes from the date of birth: owners and account managers (and the creator
in the portal) read when a minor turns 18 and an adult's age; finance and community managers
read only "Under 18." / "18 or older." / "Date of birth unknown.", with no shortfall, on
the creator page, the insights page, the API and the eligibility e-mails."""

from __future__ import annotations

from datetime import date

import pytest

from creators import eligibility
from creators.eligibility import AGE, FOLLOWERS, evaluate_program, redact
from creators.models import Program

from .insights_support import eligible_facts

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

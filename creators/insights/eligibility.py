"""TikTok reward-program eligibility, rule by rule. Pure: facts in, results out, no database.

The rules (docs: ../shared/DESIGN.md, "Platform programs"):

- *Creator Fund* (legacy, closed to new sign-ups in most regions since early 2024): 18+,
  located in US, UK, FR, DE, ES or IT, at least 10,000 followers, at least 100,000 views in
  the last 30 days, account in good standing.
- *Creativity Program*: 18+, at least 10,000 followers, at least 100,000 views in the last
  30 days, a Creator or Business account, a supported country, no outstanding policy
  strikes; only videos longer than one minute earn rewards.

A creator is evaluated on their main TikTok account (the one with the most followers): the
programs are per account and the thresholds are the account's. "Close to eligible" means
every rule passes except the follower and view thresholds, and those miss by at most 10 %.
The SQL twin of these rules (for the roster filters) is `selectors.eligibility_q`;
a test checks that both agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creators.models import AccountType, EligibilityStatus, Program

MIN_AGE = 18
MIN_FOLLOWERS = 10_000
MIN_VIEWS_30_DAYS = 100_000
# Creativity Program rewards only count videos strictly longer than one minute.
MIN_REWARDED_SECONDS = 60
# "Close to eligible": a numeric threshold missed by at most this share of it.
CLOSE_MARGIN = Decimal("0.10")
# Videos looked at for the "longer than one minute" rule (the same ten as the forecast).
RECENT_VIDEOS = 10

CREATOR_FUND_COUNTRIES = frozenset({"US", "GB", "FR", "DE", "ES", "IT"})
# DESIGN.md does not list the Creativity Program's countries. Its launch announcements
# (2023) named the US, UK, France, Germany, Japan, South Korea and Brazil; we add Spain and
# Italy from the Creator Fund list, where TikTok moved Creator Fund members to the new
# program. Agencies outside these markets should check TikTok's current list.
CREATIVITY_PROGRAM_COUNTRIES = CREATOR_FUND_COUNTRIES | frozenset({"JP", "KR", "BR"})
CREATIVITY_ACCOUNT_TYPES = frozenset({AccountType.CREATOR, AccountType.BUSINESS})

PROGRAM_COUNTRIES = {
    Program.CREATOR_FUND: CREATOR_FUND_COUNTRIES,
    Program.CREATIVITY_PROGRAM: CREATIVITY_PROGRAM_COUNTRIES,
}
# Programs that no longer take new members.
CLOSED_PROGRAMS = frozenset({Program.CREATOR_FUND})

# Rule keys, in the order they are shown.
AGE = "age"
FOLLOWERS = "followers"
VIEWS = "views"
COUNTRY = "country"
ACCOUNT_TYPE = "account_type"
GOOD_STANDING = "good_standing"
LONG_VIDEOS = "long_videos"
NUMERIC_RULES = frozenset({FOLLOWERS, VIEWS})

PROGRAM_RULES: dict[str, tuple[str, ...]] = {
    Program.CREATOR_FUND: (AGE, FOLLOWERS, VIEWS, COUNTRY, GOOD_STANDING),
    Program.CREATIVITY_PROGRAM: (
        AGE,
        FOLLOWERS,
        VIEWS,
        COUNTRY,
        ACCOUNT_TYPE,
        GOOD_STANDING,
        LONG_VIDEOS,
    ),
}
# Rules that inform but do not decide eligibility: a creator can join the Creativity
# Program with only short videos; they just earn nothing until they post longer ones.
ADVISORY_RULES = frozenset({LONG_VIDEOS})


@dataclass(frozen=True)
class CreatorFacts:
    """What the rules look at, for one creator. `followers` is None without a TikTok
    account; `views_last_30_days` is None without a metrics snapshot."""

    date_of_birth: date | None
    country: str
    account_type: str
    followers: int | None
    views_last_30_days: int | None
    unresolved_strikes: int = 0
    # Durations (seconds) of the most recent videos, newest first.
    recent_video_seconds: Sequence[int] = ()
    views_as_of: date | None = None
    account_handle: str = ""


def _no_text() -> str:
    return ""


@dataclass(frozen=True)
class RuleResult:
    key: str
    passed: bool
    # How far a failing numeric rule is from its threshold (followers, views, days), else None.
    shortfall: int | None = None
    advisory: bool = False
    # The texts are built when read: a scan of 10,000 creators never reads them, and
    # translating and number-formatting every message was most of its time.
    label_text: Callable[[], str] = field(default=_no_text, repr=False, compare=False)
    message_text: Callable[[], str] = field(default=_no_text, repr=False, compare=False)
    # Derived from the creator's personal data (the age rule: the date of birth). Roles
    # outside permissions.PERSONAL_DATA_VIEW get `redacted()`: pass/fail and `neutral_text`.
    personal: bool = False
    neutral_text: Callable[[], str] = field(default=_no_text, repr=False, compare=False)

    @property
    def label(self) -> str:
        return self.label_text()

    @property
    def message(self) -> str:
        return self.message_text()

    def redacted(self) -> RuleResult:
        """The rule without what its personal data gives away (a date, a day count, an
        age): the same pass/fail with the neutral text and no shortfall."""
        if not self.personal:
            return self
        return replace(self, shortfall=None, message_text=self.neutral_text)


@dataclass(frozen=True)
class ProgramResult:
    program: str
    rules: tuple[RuleResult, ...]
    status: str
    closed_to_new_members: bool = False
    failing: tuple[str, ...] = field(default=())

    @property
    def eligible(self) -> bool:
        return self.status == EligibilityStatus.ELIGIBLE

    @property
    def close(self) -> bool:
        return self.status == EligibilityStatus.CLOSE

    @property
    def label(self) -> str:
        return str(Program(self.program).label)

    @property
    def status_label(self) -> str:
        return str(EligibilityStatus(self.status).label)


def redact(result: ProgramResult, *, personal_data: bool) -> ProgramResult:
    """`result` as a reader sees it: whole for those who may see the creator's personal
    data (`personal_data`: permissions.PERSONAL_DATA_VIEW, or the creator themself), else
    with every personal rule `redacted()`. The status and failing rules stay the same: the
    pass/fail of "18 or older" is what everyone on the staff needs. The one place pages,
    the API and e-mails decide this."""
    if personal_data:
        return result
    return replace(result, rules=tuple(rule.redacted() for rule in result.rules))


# --- small pure helpers ----------------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def adult_birth_cutoff(today: date, *, age: int = MIN_AGE) -> date:
    """The latest date of birth of someone who is at least `age` on `today`. Someone born
    on 29 February comes of age on 1 March in a common year."""
    return years_before(today, age)


def birthday_at(date_of_birth: date, age: int) -> date:
    """The day someone turns `age` (1 March for a 29 February birthday in a common year)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)


def age_on(date_of_birth: date, today: date) -> int:
    before_birthday = (today.month, today.day) < (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - int(before_birthday)


def close_minimum(threshold: int) -> int:
    """The smallest value within CLOSE_MARGIN of `threshold` (9,000 for 10,000)."""
    return int(threshold - threshold * CLOSE_MARGIN)


def _n(value: int) -> str:
    return number_format(value, force_grouping=True)


# --- the rules -------------------------------------------------------------------------------


def _age_rule(facts: CreatorFacts, today: date) -> RuleResult:
    def label() -> str:
        return _("Age %(age)d or older") % {"age": MIN_AGE}

    # Every message here comes from the date of birth: personal, with a neutral twin.
    born = facts.date_of_birth
    if born is None:
        return RuleResult(
            AGE,
            False,
            None,
            False,
            label,
            lambda: _("Date of birth unknown: add it to the profile."),
            personal=True,
            neutral_text=lambda: _("Date of birth unknown."),
        )
    if born <= adult_birth_cutoff(today):
        return RuleResult(
            AGE,
            True,
            None,
            False,
            label,
            lambda: _("%(age)d years old.") % {"age": age_on(born, today)},
            personal=True,
            neutral_text=lambda: _("%(age)d or older.") % {"age": MIN_AGE},
        )
    birthday = birthday_at(born, MIN_AGE)
    days = (birthday - today).days

    def message() -> str:
        return ngettext(
            "Turns %(age)d on %(date)s, in %(days)d day.",
            "Turns %(age)d on %(date)s, in %(days)d days.",
            days,
        ) % {"age": MIN_AGE, "date": birthday.isoformat(), "days": days}

    return RuleResult(
        AGE,
        False,
        days,
        False,
        label,
        message,
        personal=True,
        neutral_text=lambda: _("Under %(age)d.") % {"age": MIN_AGE},
    )


def _threshold_rule(
    key: str,
    label: Callable[[], str],
    value: int | None,
    threshold: int,
    missing: Callable[[], str],
    unit: Callable[[], str],
    suffix: Callable[[], str] = _no_text,
) -> RuleResult:
    def with_suffix(text: str) -> str:
        extra = suffix()
        return f"{text.rstrip('.')} {extra}." if extra else text

    if value is None:
        return RuleResult(key, False, None, False, label, missing)
    if value >= threshold:
        return RuleResult(
            key,
            True,
            None,
            False,
            label,
            lambda: with_suffix(_("%(value)s %(unit)s.") % {"value": _n(value), "unit": unit()}),
        )
    short = threshold - value
    return RuleResult(
        key,
        False,
        short,
        False,
        label,
        lambda: with_suffix(
            _("%(value)s %(unit)s: needs %(short)s more.")
            % {"value": _n(value), "unit": unit(), "short": _n(short)}
        ),
    )


def _followers_rule(facts: CreatorFacts) -> RuleResult:
    return _threshold_rule(
        FOLLOWERS,
        lambda: _("At least %(n)s followers") % {"n": _n(MIN_FOLLOWERS)},
        facts.followers,
        MIN_FOLLOWERS,
        lambda: _("No TikTok account linked."),
        lambda: _("followers"),
    )


def _views_rule(facts: CreatorFacts) -> RuleResult:
    as_of = facts.views_as_of

    def suffix() -> str:
        return _("(as of %(date)s)") % {"date": as_of.isoformat()} if as_of else ""

    return _threshold_rule(
        VIEWS,
        lambda: _("At least %(n)s views in the last 30 days") % {"n": _n(MIN_VIEWS_30_DAYS)},
        facts.views_last_30_days,
        MIN_VIEWS_30_DAYS,
        lambda: _("No metrics recorded yet: add a snapshot or import the analytics."),
        lambda: _("views"),
        suffix,
    )


def _country_rule(facts: CreatorFacts, program: str) -> RuleResult:
    allowed = PROGRAM_COUNTRIES[program]
    country = facts.country

    def label() -> str:
        return _("Located in a supported country (%(codes)s)") % {
            "codes": ", ".join(sorted(allowed))
        }

    if not country:
        return RuleResult(
            COUNTRY, False, None, False, label, lambda: _("Country unknown: add it to the profile.")
        )
    if country in allowed:
        return RuleResult(COUNTRY, True, None, False, label, lambda: country)
    return RuleResult(
        COUNTRY,
        False,
        None,
        False,
        label,
        lambda: _("%(country)s is not a supported country.") % {"country": country},
    )


def _account_type_rule(facts: CreatorFacts) -> RuleResult:
    account_type = facts.account_type

    def label() -> str:
        return _("Creator or Business account")

    def display() -> str:
        return str(AccountType(account_type).label) if account_type else "—"

    if account_type in CREATIVITY_ACCOUNT_TYPES:
        return RuleResult(ACCOUNT_TYPE, True, None, False, label, display)
    return RuleResult(
        ACCOUNT_TYPE,
        False,
        None,
        False,
        label,
        lambda: (
            _("%(type)s account: switch to a Creator or Business account.") % {"type": display()}
        ),
    )


def _good_standing_rule(facts: CreatorFacts) -> RuleResult:
    strikes = facts.unresolved_strikes

    def label() -> str:
        return _("Account in good standing (no unresolved policy strikes)")

    if strikes == 0:
        return RuleResult(
            GOOD_STANDING, True, None, False, label, lambda: _("No unresolved strikes.")
        )
    return RuleResult(
        GOOD_STANDING,
        False,
        strikes,
        False,
        label,
        lambda: (
            ngettext("%(n)d unresolved policy strike.", "%(n)d unresolved policy strikes.", strikes)
            % {"n": strikes}
        ),
    )


def _long_videos_rule(facts: CreatorFacts) -> RuleResult:
    recent = list(facts.recent_video_seconds)[:RECENT_VIDEOS]

    def label() -> str:
        return _("Posts videos longer than 1 minute (only those earn rewards)")

    if not recent:
        return RuleResult(
            LONG_VIDEOS, False, None, True, label, lambda: _("No videos recorded yet.")
        )
    long_ones = sum(1 for seconds in recent if seconds > MIN_REWARDED_SECONDS)
    total, longest = len(recent), max(recent)
    if long_ones:
        return RuleResult(
            LONG_VIDEOS,
            True,
            None,
            True,
            label,
            lambda: (
                ngettext(
                    "%(n)d of the last %(total)d videos is longer than 1 minute.",
                    "%(n)d of the last %(total)d videos are longer than 1 minute.",
                    long_ones,
                )
                % {"n": long_ones, "total": total}
            ),
        )
    return RuleResult(
        LONG_VIDEOS,
        False,
        MIN_REWARDED_SECONDS + 1 - longest,
        True,
        label,
        lambda: (
            ngettext(
                "The last video is not longer than 1 minute (%(longest)d s).",
                "None of the last %(total)d videos is longer than 1 minute "
                "(longest %(longest)d s).",
                total,
            )
            % {"total": total, "longest": longest}
        ),
    )


def _rule(key: str, facts: CreatorFacts, program: str, today: date) -> RuleResult:
    if key == AGE:
        return _age_rule(facts, today)
    if key == FOLLOWERS:
        return _followers_rule(facts)
    if key == VIEWS:
        return _views_rule(facts)
    if key == COUNTRY:
        return _country_rule(facts, program)
    if key == ACCOUNT_TYPE:
        return _account_type_rule(facts)
    if key == GOOD_STANDING:
        return _good_standing_rule(facts)
    if key == LONG_VIDEOS:
        return _long_videos_rule(facts)
    raise ValueError(key)  # pragma: no cover


def _is_close(rules: Sequence[RuleResult], facts: CreatorFacts) -> bool:
    values = {FOLLOWERS: facts.followers, VIEWS: facts.views_last_30_days}
    thresholds = {FOLLOWERS: MIN_FOLLOWERS, VIEWS: MIN_VIEWS_30_DAYS}
    for rule in rules:
        if rule.passed or rule.advisory:
            continue
        if rule.key not in NUMERIC_RULES:
            return False
        value = values[rule.key]
        if value is None or value < close_minimum(thresholds[rule.key]):
            return False
    return True


def evaluate_program(program: str, facts: CreatorFacts, *, today: date) -> ProgramResult:
    """Every rule of `program` for `facts` on `today` (the agency's local date)."""
    # Each rule knows whether it is advisory (ADVISORY_RULES: the video-length rule).
    rules = tuple(_rule(key, facts, program, today) for key in PROGRAM_RULES[program])
    failing = tuple(r.key for r in rules if not r.passed and not r.advisory)
    if not failing:
        status = EligibilityStatus.ELIGIBLE
    elif _is_close(rules, facts):
        status = EligibilityStatus.CLOSE
    else:
        status = EligibilityStatus.NOT_ELIGIBLE
    return ProgramResult(
        program=program,
        rules=rules,
        status=status,
        closed_to_new_members=program in CLOSED_PROGRAMS,
        failing=failing,
    )


def evaluate(facts: CreatorFacts, *, today: date) -> dict[str, ProgramResult]:
    """Both programs, Creativity Program first (the one open to new members)."""
    return {
        program: evaluate_program(program, facts, today=today)
        for program in (Program.CREATIVITY_PROGRAM, Program.CREATOR_FUND)
    }

"""URL matrix entries for creators/ (roster, creator portal, roster API)."""

from __future__ import annotations

from ..factories import CreatorFactory, SocialAccountFactory
from .base import CREATOR_ROLES, EDITORS, STAFF_ROLES, UrlCase


def a_creator(agency, creator) -> dict:
    return {"pk": CreatorFactory(agency=agency).pk}


def an_account(agency, creator) -> dict:
    account = SocialAccountFactory(creator=CreatorFactory(agency=agency))
    return {"pk": account.creator_id, "account_pk": account.pk}


def new_creator(agency, creator) -> dict:
    return {"display_name": "Matrix Creator", "email": f"matrix-{agency.slug}@example.com"}


def new_account(agency, creator) -> dict:
    return {"platform": "instagram", "handle": f"matrix_{agency.slug}", "followers": 10}


JSON = {"content_type": "application/json"}

CASES: list[UrlCase] = [
    # HTML roster
    UrlCase("creators:list", STAFF_ROLES),
    UrlCase("creators:list", STAFF_ROLES, extra={"HTTP_HX_REQUEST": "true"}),
    UrlCase("creators:detail", STAFF_ROLES, kwargs=a_creator),
    UrlCase("creators:create", EDITORS),
    UrlCase("creators:create", EDITORS, method="post", data=new_creator),
    UrlCase("creators:edit", EDITORS, kwargs=a_creator),
    UrlCase("creators:edit", EDITORS, kwargs=a_creator, method="post", data=new_creator),
    UrlCase("creators:offboard", EDITORS, kwargs=a_creator),
    UrlCase("creators:offboard", EDITORS, kwargs=a_creator, method="post", data=lambda a, c: {}),
    UrlCase("creators:reactivate", EDITORS, kwargs=a_creator, method="post"),
    UrlCase("creators:socialaccount-create", EDITORS, kwargs=a_creator),
    UrlCase(
        "creators:socialaccount-create",
        EDITORS,
        kwargs=a_creator,
        method="post",
        data=new_account,
    ),
    UrlCase("creators:socialaccount-edit", EDITORS, kwargs=an_account),
    UrlCase(
        "creators:socialaccount-edit", EDITORS, kwargs=an_account, method="post", data=new_account
    ),
    UrlCase("creators:socialaccount-delete", EDITORS, kwargs=an_account, method="post"),
    UrlCase("creators:import", EDITORS),
    UrlCase("creators:import", EDITORS, method="post"),
    UrlCase("creators:import-template", EDITORS),
    UrlCase("creators:export", STAFF_ROLES),
    # Creator portal
    UrlCase("portal:profile", CREATOR_ROLES),
    # Roster API
    UrlCase("api:creator-list", STAFF_ROLES),
    UrlCase("api:creator-list", EDITORS, method="post", data=new_creator, extra=JSON),
    UrlCase("api:creator-detail", STAFF_ROLES, kwargs=a_creator),
    UrlCase(
        "api:creator-detail",
        EDITORS,
        kwargs=a_creator,
        method="patch",
        data=lambda a, c: {"notes": "patched"},
        extra=JSON,
    ),
    UrlCase(
        "api:creator-detail", EDITORS, kwargs=a_creator, method="put", data=new_creator, extra=JSON
    ),
    UrlCase("api:creator-offboard", EDITORS, kwargs=a_creator, method="post", extra=JSON),
    UrlCase("api:creator-reactivate", EDITORS, kwargs=a_creator, method="post", extra=JSON),
    UrlCase("api:creator-socialaccount-list", STAFF_ROLES, kwargs=a_creator),
    UrlCase(
        "api:creator-socialaccount-list",
        EDITORS,
        kwargs=a_creator,
        method="post",
        data=new_account,
        extra=JSON,
    ),
    UrlCase("api:creator-socialaccount-detail", STAFF_ROLES, kwargs=an_account),
    UrlCase(
        "api:creator-socialaccount-detail",
        EDITORS,
        kwargs=an_account,
        method="patch",
        data=lambda a, c: {"followers": 99},
        extra=JSON,
    ),
    UrlCase("api:creator-socialaccount-detail", EDITORS, kwargs=an_account, method="delete"),
    UrlCase("api:me-creator", CREATOR_ROLES),
]


# --- insights (creators/insights/views.py, api.py) --------------------------------------------
from datetime import date as _date  # noqa: E402
from decimal import Decimal as _Decimal  # noqa: E402

from creators.models import PolicyStrike as _PolicyStrike  # noqa: E402
from creators.models import RpmRate as _RpmRate  # noqa: E402

from .base import OWNER  # noqa: E402


def a_creator_with_account(agency, creator) -> dict:
    account = SocialAccountFactory(creator=CreatorFactory(agency=agency), followers=12_000)
    return {"pk": account.creator_id}


def a_strike(agency, creator) -> dict:
    other = CreatorFactory(agency=agency)
    strike = _PolicyStrike.objects.create(
        agency=agency, creator=other, date=_date(2024, 1, 5), reason="Matrix strike"
    )
    return {"pk": other.pk, "strike_pk": strike.pk}


def an_rpm_rate(agency, creator) -> dict:
    rate = _RpmRate.objects.create(
        agency=agency,
        program="creativity_program",
        country="US",
        rpm_low=_Decimal("0.5"),
        rpm_high=_Decimal("1.0"),
    )
    return {"rate_pk": rate.pk}


def snapshot_data(agency, creator) -> dict:
    return {"date": "2024-01-05", "followers": 100, "views_last_30_days": 1000}


def rate_card_data(agency, creator) -> dict:
    return {
        "currency": "USD",
        "tiers": [
            {"tier": "micro", "min_followers": 10_000, "fee_min": "25", "fee_max": "125"},
            {"tier": "mid", "min_followers": 50_000, "fee_min": "125", "fee_max": "1250"},
            {"tier": "macro", "min_followers": 500_000, "fee_min": "1250", "fee_max": "2500"},
            {"tier": "mega", "min_followers": 1_000_000, "fee_min": "2500", "fee_max": None},
        ],
    }


ALL_STAFF = STAFF_ROLES
CASES += [
    # HTML
    UrlCase("creators:insights", ALL_STAFF, kwargs=a_creator_with_account),
    UrlCase("creators:snapshot-create", EDITORS, kwargs=a_creator_with_account),
    UrlCase(
        "creators:snapshot-create",
        EDITORS,
        kwargs=a_creator_with_account,
        method="post",
        data=snapshot_data,
    ),
    UrlCase("creators:video-create", EDITORS, kwargs=a_creator_with_account),
    UrlCase(
        "creators:video-create",
        EDITORS,
        kwargs=a_creator_with_account,
        method="post",
        data=lambda a, c: {"platform_video_id": "v1", "duration_seconds": 61, "views": 10},
    ),
    UrlCase("creators:strike-create", EDITORS, kwargs=a_creator),
    UrlCase(
        "creators:strike-create",
        EDITORS,
        kwargs=a_creator,
        method="post",
        data=lambda a, c: {"date": "2024-01-05", "reason": "Matrix"},
    ),
    UrlCase("creators:strike-resolve", EDITORS, kwargs=a_strike, method="post"),
    UrlCase("creators:metrics-import", EDITORS),
    UrlCase("creators:metrics-import", EDITORS, method="post"),
    UrlCase("creators:metrics-import-template", EDITORS),
    UrlCase("creators:rate-card", ALL_STAFF),
    UrlCase("creators:rate-card", OWNER, method="post", data=lambda a, c: {"currency": "USD"}),
    UrlCase("creators:rpm", ALL_STAFF),
    UrlCase("creators:rpm", OWNER, method="post", data=lambda a, c: {"program": "x"}),
    UrlCase("creators:rpm-uplift", OWNER, method="post", data=lambda a, c: {"q4_uplift": "1.1"}),
    UrlCase("creators:rpm-delete", OWNER, kwargs=an_rpm_rate, method="post"),
    # Creator portal
    UrlCase("portal:insights", CREATOR_ROLES),
    # API
    UrlCase("api:creator-snapshot-list", ALL_STAFF, kwargs=a_creator_with_account),
    UrlCase(
        "api:creator-snapshot-list",
        EDITORS,
        kwargs=a_creator_with_account,
        method="post",
        data=snapshot_data,
        extra=JSON,
    ),
    UrlCase("api:creator-video-list", ALL_STAFF, kwargs=a_creator_with_account),
    UrlCase(
        "api:creator-video-list",
        EDITORS,
        kwargs=a_creator_with_account,
        method="post",
        data=lambda a, c: {"platform_video_id": "v1"},
        extra=JSON,
    ),
    UrlCase("api:creator-eligibility", ALL_STAFF, kwargs=a_creator_with_account),
    UrlCase("api:creator-estimates", ALL_STAFF, kwargs=a_creator_with_account),
    UrlCase("api:eligibility-list", ALL_STAFF),
    UrlCase("api:rate-card", ALL_STAFF),
    UrlCase("api:rate-card", OWNER, method="put", data=rate_card_data, extra=JSON),
    UrlCase("api:me-eligibility", CREATOR_ROLES),
    UrlCase("api:me-estimates", CREATOR_ROLES),
    UrlCase("api:me-snapshots", CREATOR_ROLES),
]

# --- program applications ----------------------------------------------------------------------

from creators.applications import application_submit as _application_submit  # noqa: E402


def an_application(agency, creator) -> dict:
    application = _application_submit(
        creator=CreatorFactory(agency=agency),
        actor=None,
        program="creativity_program",
        submitted_on=_date(2026, 1, 5),
    )
    return {"pk": application.pk}


def application_data(agency, creator) -> dict:
    return {"program": "creativity_program", "submitted_on": "2026-01-05", "review_weeks": "2"}


def api_application_data(agency, creator) -> dict:
    return {**application_data(agency, creator), "creator": CreatorFactory(agency=agency).pk}


def decision_data(agency, creator) -> dict:
    return {"outcome": "approved", "decided_on": "2026-01-20"}


CASES += [
    # HTML
    UrlCase("creators:applications", ALL_STAFF),
    UrlCase(
        "creators:application-wait",
        OWNER,
        method="post",
        data=lambda a, c: {"reapply_wait_days": "20"},
    ),
    UrlCase("creators:creator-applications", ALL_STAFF, kwargs=a_creator),
    UrlCase("creators:application-create", EDITORS, kwargs=a_creator),
    UrlCase(
        "creators:application-create",
        EDITORS,
        kwargs=a_creator,
        method="post",
        data=application_data,
    ),
    UrlCase("creators:application-edit", EDITORS, kwargs=an_application),
    UrlCase(
        "creators:application-edit",
        EDITORS,
        kwargs=an_application,
        method="post",
        data=lambda a, c: {"review_weeks": "3"},
    ),
    UrlCase("creators:application-decide", EDITORS, kwargs=an_application),
    UrlCase(
        "creators:application-decide",
        EDITORS,
        kwargs=an_application,
        method="post",
        data=decision_data,
    ),
    UrlCase("creators:application-withdraw", EDITORS, kwargs=an_application, method="post"),
    # API
    UrlCase("api:application-list", ALL_STAFF),
    UrlCase(
        "api:application-list",
        EDITORS,
        method="post",
        data=api_application_data,
        extra=JSON,
    ),
    UrlCase("api:application-wait", ALL_STAFF),
    UrlCase(
        "api:application-wait",
        OWNER,
        method="put",
        data=lambda a, c: {"reapply_wait_days": 20},
        extra=JSON,
    ),
    UrlCase("api:application-detail", ALL_STAFF, kwargs=an_application),
    UrlCase(
        "api:application-detail",
        EDITORS,
        kwargs=an_application,
        method="patch",
        data=lambda a, c: {"review_weeks": 3},
        extra=JSON,
    ),
    UrlCase(
        "api:application-decide",
        EDITORS,
        kwargs=an_application,
        method="post",
        data=decision_data,
        extra=JSON,
    ),
    UrlCase("api:application-withdraw", EDITORS, kwargs=an_application, method="post"),
]

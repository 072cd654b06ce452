"""URL matrix entries for moderation/."""

from __future__ import annotations

from agencies.roles import ALL_ROLES, Role

from .base import CREATOR_ROLES, OWNER, UrlCase

QUEUE = frozenset({Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER})
EDIT = frozenset({Role.OWNER, Role.COMMUNITY_MANAGER})
CRISIS = frozenset({Role.OWNER, Role.MANAGER})


def a_case(agency, creator) -> dict:
    from moderation.cases import case_open

    return {"pk": case_open(agency=agency, title="Angry comment", creator=creator).pk}


def a_message_case(agency, creator) -> dict:
    from django.utils import timezone

    from moderation.cases import case_open
    from moderation.inbound import MessageIn, messages_ingest
    from moderation.models import InboundMessage

    incoming = MessageIn("tiktok", "url-case-1", "comment", "acct", "fan", "hm", timezone.now())
    [pk] = messages_ingest(agency=agency, messages=[incoming], source="api").created
    message = InboundMessage.objects.get(pk=pk)
    return {"pk": case_open(agency=agency, title="Comment", message=message).pk}


def a_policy(agency, creator) -> dict:
    from moderation.policies import policy_ensure_default

    return {"pk": policy_ensure_default(agency=agency).pk}


def an_sla_rule(agency, creator) -> dict:
    from moderation.policies import sla_rules_ensure

    return {"pk": sla_rules_ensure(agency=agency)[0].pk}


def a_holiday(agency, creator) -> dict:
    from moderation.models import Holiday

    # The same one each time a case asks (the schemathesis run builds every case's objects).
    holiday, _ = Holiday.objects.get_or_create(
        agency=agency, date="2026-12-26", defaults={"name": "Boxing Day"}
    )
    return {"pk": holiday.pk}


JSON = {"content_type": "application/json"}

CASES: list[UrlCase] = [
    UrlCase("moderation:queue", QUEUE),
    UrlCase("moderation:case", QUEUE, kwargs=a_case),
    UrlCase(
        "moderation:case-action",
        QUEUE,
        kwargs=a_case,
        method="post",
        data=lambda agency, creator: {"action": "note", "text": "looking"},
    ),
    UrlCase(
        "moderation:case-reply",
        QUEUE,
        kwargs=a_message_case,
        method="post",
        data=lambda agency, creator: {"reply-text": "Thanks, we are on it."},
    ),
    UrlCase("moderation:inbox", QUEUE),
    UrlCase("moderation:policies", QUEUE),
    UrlCase("moderation:policy", QUEUE, kwargs=a_policy),
    UrlCase(
        "moderation:policy-preview",
        QUEUE,
        kwargs=a_policy,
        method="post",
        data=lambda agency, creator: {"sample": "how much?", "sample_kind": "comment"},
    ),
    UrlCase("moderation:settings", OWNER),
    UrlCase(
        "moderation:crisis",
        CRISIS,
        method="post",
        data=lambda agency, creator: {"enabled": "1"},
    ),
    UrlCase("moderation:outbox", QUEUE),
    UrlCase("moderation:import", EDIT),
    UrlCase("moderation:portal", CREATOR_ROLES),
    UrlCase("api:moderation-policy-list", QUEUE),
    UrlCase(
        "api:moderation-policy-list",
        EDIT,
        method="post",
        data=lambda agency, creator: {"name": "Brand safety"},
        extra=JSON,
    ),
    UrlCase("api:moderation-policy-versions", QUEUE, kwargs=a_policy),
    UrlCase(
        "api:moderation-policy-versions",
        EDIT,
        kwargs=a_policy,
        method="post",
        data=lambda agency, creator: {"rules": {}, "note": "defaults"},
        extra=JSON,
    ),
    UrlCase("api:moderation-message-list", QUEUE),
    UrlCase("api:moderation-case-list", QUEUE),
    UrlCase("api:moderation-case-detail", QUEUE, kwargs=a_case),
    UrlCase("api:moderation-outbox-list", QUEUE),
    UrlCase(
        "api:moderation-case-action",
        QUEUE,
        kwargs=a_case,
        method="post",
        data=lambda agency, creator: {"action": "note", "text": "looking"},
        extra=JSON,
    ),
    UrlCase(
        "api:moderation-policy-preview",
        QUEUE,
        kwargs=a_policy,
        method="post",
        data=lambda agency, creator: {"text": "Love it!"},
        extra=JSON,
    ),
    UrlCase("api:moderation-sla-list", OWNER),
    UrlCase("api:moderation-sla-detail", OWNER, kwargs=an_sla_rule),
    UrlCase(
        "api:moderation-sla-detail",
        OWNER,
        kwargs=an_sla_rule,
        method="patch",
        data=lambda agency, creator: {"minutes": 90},
        extra=JSON,
    ),
    UrlCase("api:moderation-holiday-list", OWNER),
    UrlCase(
        "api:moderation-holiday-list",
        OWNER,
        method="post",
        data=lambda agency, creator: {"date": "2026-12-25", "name": "Christmas"},
        extra=JSON,
    ),
    UrlCase("api:moderation-holiday-detail", OWNER, kwargs=a_holiday),
    UrlCase("api:moderation-holiday-detail", OWNER, kwargs=a_holiday, method="delete"),
    UrlCase("api:moderation-crisis", QUEUE),
    UrlCase(
        "api:moderation-crisis",
        CRISIS,
        method="post",
        data=lambda agency, creator: {"enabled": False},
        extra=JSON,
    ),
    # Authenticated by its HMAC signature, not by a role: every member (and the platform)
    # reaches it and an unsigned delivery answers 401; a signed-in non-member gets 404.
    UrlCase("api:moderation-webhook", ALL_ROLES, method="post"),
]

"""URL matrix entries for crisis/."""

from __future__ import annotations

from agencies.roles import Role
from tests.crisis.builders import make_drill, make_frozen, make_reply

from .base import UrlCase

VIEW = frozenset({Role.OWNER, Role.MANAGER, Role.COMMUNITY_MANAGER})
LIBRARY_EDIT = frozenset({Role.OWNER, Role.COMMUNITY_MANAGER})
RUN = frozenset({Role.OWNER, Role.MANAGER})
JSON = {"content_type": "application/json"}


def _reply(agency, creator) -> dict:
    return {"pk": make_reply(agency).pk}


def _drill(agency, creator) -> dict:
    return {"pk": make_drill(agency).pk}


def _frozen(agency, creator) -> dict:
    return {"pk": make_frozen(agency).pk}


def _reply_data(agency, creator) -> dict:
    return {"language": "nl", "title": "Nieuwe reactie", "text": "We kijken ernaar."}


def _drill_data(agency, creator) -> dict:
    return {"held_on": "2026-01-10", "scenario": "Leaked brief", "outcome": "passed"}


CASES: list[UrlCase] = [
    UrlCase("crisis:index", VIEW),
    UrlCase("crisis:frozen-release", RUN, kwargs=_frozen, method="post"),
    UrlCase("crisis:frozen-release-all", RUN, method="post"),
    UrlCase("crisis:replies", VIEW),
    UrlCase("crisis:replies", LIBRARY_EDIT, method="post", data=_reply_data),
    UrlCase("crisis:reply-edit", LIBRARY_EDIT, kwargs=_reply),
    UrlCase("crisis:reply-edit", LIBRARY_EDIT, kwargs=_reply, method="post", data=_reply_data),
    UrlCase("crisis:reply-delete", LIBRARY_EDIT, kwargs=_reply, method="post"),
    UrlCase("crisis:drills", VIEW),
    UrlCase("crisis:drill-create", RUN),
    UrlCase("crisis:drill-create", RUN, method="post", data=_drill_data),
    UrlCase("crisis:drill", VIEW, kwargs=_drill),
    UrlCase("api:crisis-reply-list", VIEW),
    UrlCase("api:crisis-reply-list", LIBRARY_EDIT, method="post", data=_reply_data, extra=JSON),
    UrlCase("api:crisis-reply-detail", VIEW, kwargs=_reply),
    UrlCase(
        "api:crisis-reply-detail",
        LIBRARY_EDIT,
        kwargs=_reply,
        method="patch",
        data=_reply_data,
        extra=JSON,
    ),
    UrlCase("api:crisis-reply-detail", LIBRARY_EDIT, kwargs=_reply, method="delete"),
    UrlCase("api:crisis-drill-list", VIEW),
    UrlCase("api:crisis-drill-list", RUN, method="post", data=_drill_data, extra=JSON),
    UrlCase("api:crisis-drill-detail", VIEW, kwargs=_drill),
    UrlCase("api:crisis-frozen-list", VIEW),
    UrlCase("api:crisis-frozen-detail", VIEW, kwargs=_frozen),
    UrlCase("api:crisis-frozen-release", RUN, kwargs=_frozen, method="post", extra=JSON),
]

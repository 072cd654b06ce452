"""Moderation's decisions, timelines and SLAs as sentences in the reader's language."""

from __future__ import annotations

import math
from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from moderation import explain

register = template.Library()


@register.filter
def reason_sentences(reasons) -> list[str]:
    return explain.reason_sentences(reasons)


@register.filter
def decision(message) -> str:
    """What was done with a message (its actions prefetched)."""
    return explain.decision_label(message, message.actions.all())


@register.filter
def explanation(message) -> str:
    """Why, as sentences; a triaged message nothing matched says so."""
    sentences = explain.reason_sentences(message.reasons)
    if not sentences and message.status == "triaged":
        sentences = explain.reason_sentences([{"code": "nothing"}])
    return " ".join(sentences)


@register.filter
def case_of(message) -> int | None:
    """The id of the case a message's escalation opened, if any (actions prefetched)."""
    for action in message.actions.all():
        for reason in action.reasons:
            if isinstance(reason, dict) and reason.get("code") == "case":
                return reason.get("case")
    return None


@register.filter
def event_sentence(event) -> str:
    return explain.event_sentence(event)


@register.filter
def event_label(event) -> str:
    return explain.event_label(event.kind)


@register.filter
def notification_sentence(note) -> str:
    return explain.notification_sentence(note)


@register.filter
def case_title(case) -> str:
    return explain.case_title(case)


@register.filter
def category_label(name: str) -> str:
    return explain.category_label(name) if name else ""


@register.filter
def action_kind_label(action) -> str:
    return explain.action_kind_label(action)


@register.filter
def action_label(action: str) -> str:
    return explain.action_label(action)


@register.filter
def level_code_label(code: str) -> str:
    """A policy's escalation level code ("legal_pr") by its name, "—" for none."""
    return explain.level_label(code) if code else "—"


@register.filter
def intent_label(name: str) -> str:
    return explain.intent_label(name) if name else ""


def duration(minutes: int) -> str:
    """A span of minutes the way people say it: "35 min", "2 h 5 min", "3 days 4 h"."""
    if minutes < 60:
        return ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        if rest and hours < 10:
            return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
        return _("%(h)d h") % {"h": hours}
    days, hours = divmod(hours, 24)
    day_text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    return _("%(days)s %(h)d h") % {"days": day_text, "h": hours} if hours else day_text


@register.simple_tag
def sla_countdown(due_at: datetime | None, now: datetime | None = None) -> str:
    """ "due in 35 min" / "overdue by 2 h"; whole minutes, rounded up."""
    if due_at is None:
        return ""
    seconds = (due_at - (now or timezone.now())).total_seconds()
    if seconds >= 0:
        return _("due in %(duration)s") % {"duration": duration(math.ceil(seconds / 60))}
    return _("overdue by %(duration)s") % {"duration": duration(math.ceil(-seconds / 60))}

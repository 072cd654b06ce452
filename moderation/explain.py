"""What moderation decided and why, as sentences in the reader's language.

Triage stores its reasons as codes with details (`{"code": "keyword", "category":
"threats", "match": "hurt you"}`), case timeline events their kind and data; this module
turns them into sentences when a page is rendered, so the same decision reads in English
for one member and in Dutch for the next. Decisions stored before reasons were codes are
English text; those are shown as they are (the few fixed ones are translated).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ActionKind, Level

CATEGORY_LABELS = {
    "threats": gettext_lazy("threats or violence"),
    "legal_threat": gettext_lazy("legal threat"),
    "self_harm": gettext_lazy("self-harm"),
    "hate": gettext_lazy("hate speech"),
    "harassment": gettext_lazy("harassment"),
    "scam": gettext_lazy("scam"),
    "spam": gettext_lazy("spam"),
    "profanity": gettext_lazy("profanity"),
}
INTENT_LABELS = {
    "brand_inquiry": gettext_lazy("brand inquiry"),
    "price": gettext_lazy("price question"),
    "link": gettext_lazy("link request"),
    "info": gettext_lazy("request for information"),
    "collaboration": gettext_lazy("collaboration request"),
}
ACTION_LABELS = {
    "hide": gettext_lazy("Hide"),
    "remove": gettext_lazy("Remove"),
    "escalate": gettext_lazy("Send to a person"),
    "allow": gettext_lazy("Leave it"),
}
LEVEL_CODES = {
    "human_review": Level.HUMAN_REVIEW,
    "account_manager": Level.ACCOUNT_MANAGER,
    "legal_pr": Level.LEGAL_PR,
}
# Reasons stored as English text before they were codes, and reasons other modules still
# write as text (the sender's cancellations).
LEGACY = {
    "no category or intent matched": gettext_lazy("No category or intent matched."),
    "cancelled at send time: crisis mode": gettext_lazy(
        "Cancelled when it was due: crisis mode was on."
    ),
    "cancelled at send time: recipient opted out": gettext_lazy(
        "Cancelled when it was due: the person had opted out of DMs."
    ),
}


def category_label(name: str) -> str:
    label = CATEGORY_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def intent_label(name: str) -> str:
    label = INTENT_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def level_label(level: int | str) -> str:
    if isinstance(level, str):
        level = LEVEL_CODES.get(level, Level.HUMAN_REVIEW)
    try:
        return str(Level(level).label)
    except ValueError:
        return str(level)


def _number(value: Any) -> str:
    try:
        return number_format(float(value), 2, force_grouping=False)
    except (TypeError, ValueError):
        return str(value)


def reason_sentence(reason: Any) -> str:
    """One reason as a sentence (unknown codes fall back to their code, never to a repr)."""
    if isinstance(reason, str):
        legacy = LEGACY.get(reason)
        return str(legacy) if legacy is not None else reason
    if not isinstance(reason, dict):
        return str(reason)
    code = reason.get("code", "")
    d = {k: v for k, v in reason.items() if k != "code"}
    if "category" in d:
        d["category"] = category_label(str(d["category"]))
    if "intent" in d:
        d["intent"] = intent_label(str(d["intent"]))
    if "level" in d:
        d["level"] = level_label(d["level"])
    if code == "keyword":
        return _("Matches the category “%(category)s”: the words “%(match)s”.") % d
    if code == "domain":
        return _("Matches the category “%(category)s”: a link to %(host)s.") % d
    if code == "pattern":
        return _("Matches the category “%(category)s”: the text “%(match)s”.") % d
    if code == "pattern_timeout":
        return _("A pattern of the category “%(category)s” took too long and was skipped.") % d
    if code == "intent":
        return _("Recognised as a %(intent)s: “%(match)s”.") % d
    if code == "sentiment":
        return _(
            "The tone is negative: sentiment %(score)s is below the policy's threshold of "
            "%(threshold)s."
        ) % {"score": _number(d.get("score")), "threshold": _number(d.get("threshold"))}
    if code == "escalated":
        return _("Sent to %(level)s.") % d
    if code == "account_manager":
        return _("Sent to the creator's account manager; no automated reply.")
    if code == "case":
        return _("Case #%(case)s was opened.") % d
    if code == "spike":
        return (
            _(
                "Comments on @%(account)s are spiking: automated replies are paused and a "
                "person decides."
            )
            % d
        )
    if code == "crisis":
        return _("Not sent: crisis mode freezes promotional automation.")
    if code == "crisis_dm":
        return _("Crisis mode is on: a risky DM goes to Legal / PR, with no automated DM.")
    if code == "opted_out":
        return _("Not sent: the person opted out of DMs.")
    if code == "no_opt_in":
        return _("No automated DM: the person never opted in.")
    if code == "dm_limit":
        return (
            _(
                "Not sent: this person already has %(count)s automated DMs in 7 days "
                "(the limit is %(limit)s)."
            )
            % d
        )
    if code == "hourly_limit":
        return (
            _("Not sent: the account reached its limit of %(limit)s automated replies an hour.") % d
        )
    if code == "daily_limit":
        return (
            _("Not sent: the account reached its limit of %(limit)s automated replies a day.") % d
        )
    if code == "opt_out_word":
        return _("The person wrote “%(word)s”: DMs stop and pending ones are cancelled.") % d
    if code == "sequence_off":
        return _("The DM sequence is switched off in this policy.")
    if code == "ask_name":
        return _("The person opted in: asking their name.")
    if code == "ask_consent":
        return _("Name given: asking for consent to e-mail.")
    if code == "consent":
        return _("Consent to e-mail (“%(word)s”): handed to a person.") % d
    if code == "ask_email":
        return _("Consent to e-mail (“%(word)s”): asking for the e-mail address.") % d
    if code == "email_retry":
        return _("That was not an e-mail address: asking once more.")
    if code == "no_email":
        return _("Still no valid e-mail address: the DM sequence stops.")
    if code == "email_given":
        return _("E-mail address given with consent: handed to a person.")
    if code == "lead_follow_up":
        return _("Follow-up to a lead, 24 to 48 hours after the opt-in.")
    if code == "no_consent":
        return _("No consent to e-mail: the DM sequence stops.")
    if code == "with_person":
        return _("The conversation is with a person now.")
    if code == "nothing":
        return _("No category or intent matched.")
    if code == "staff_reply":
        return _("Sent by a person from case #%(case)s.") % d
    if code == "thank_commenters":
        return _("A thank-you to one of the top commenters of a rewarded video.")
    return code or str(reason)


def reason_sentences(reasons: Iterable[Any] | None) -> list[str]:
    return [reason_sentence(r) for r in reasons or ()]


def _by_staff(action) -> bool:
    return any(isinstance(r, dict) and r.get("code") == "staff_reply" for r in action.reasons)


def action_kind_label(action) -> str:
    """An action's kind; a reply or DM a person sent from a case says so."""
    if _by_staff(action):
        return _("DM by a person") if action.kind == ActionKind.DM else _("Reply by a person")
    return str(action.get_kind_display())


def decision_label(message, actions: Iterable | None = None) -> str:
    """What was done with a message, in a few words ("Hidden, sent to Legal / PR")."""
    if message.status == "new":
        return _("Waiting for triage")
    if message.status == "failed":
        return _("Triage failed")
    actions = list(actions or ())
    by_staff = [a for a in actions if _by_staff(a)]
    kinds = {a.kind for a in actions if not _by_staff(a)}
    parts = []
    if message.removed:
        parts.append(_("Removed"))
    elif message.hidden:
        parts.append(_("Hidden"))
    if ActionKind.ESCALATE in kinds:
        levels = [
            r.get("level")
            for a in actions
            if a.kind == ActionKind.ESCALATE
            for r in a.reasons
            if isinstance(r, dict) and r.get("code") == "escalated"
        ]
        if levels:
            parts.append(_("sent to %(level)s") % {"level": level_label(max(levels))})
        else:
            parts.append(_("sent to a person"))
    if ActionKind.REPLY in kinds:
        parts.append(_("automated reply"))
    if ActionKind.DM in kinds:
        parts.append(_("automated DM"))
    if by_staff:
        parts.append(_("answered by a person"))
    if not parts:
        return _("No action")
    text = ", ".join(str(p) for p in parts)
    return text[:1].upper() + text[1:]


def explanation(message, actions: Iterable | None = None) -> str:
    """The decision and its reasons as one paragraph."""
    sentences = reason_sentences(message.reasons)
    if not sentences and message.status == "triaged":
        sentences = reason_sentences([{"code": "nothing"}])
    return " ".join([f"{decision_label(message, actions)}.", *sentences]).strip()


EVENT_LABELS = {
    "opened": gettext_lazy("Opened"),
    "escalated": gettext_lazy("Escalated"),
    "breached": gettext_lazy("SLA breached"),
    "assigned": gettext_lazy("Assigned"),
    "note": gettext_lazy("Note"),
    "resolved": gettext_lazy("Resolved"),
    "reply": gettext_lazy("Reply sent"),
}


def event_label(kind: str) -> str:
    label = EVENT_LABELS.get(kind)
    return str(label) if label is not None else kind


def event_sentence(event) -> str:
    """A timeline entry's text in the reader's language (notes stay as written)."""
    data = getattr(event, "data", None) or {}
    kind = event.kind
    if kind == "opened" and data.get("reasons") is not None:
        sentences = reason_sentences(data["reasons"])
        return " ".join(sentences) or _("Case opened.")
    if kind == "escalated" and "level" in data:
        text = _("Escalated to %(level)s.") % {"level": level_label(data["level"])}
        if data.get("breach"):
            text = f"{text} {_('SLA breached.')}"
        return f"{text} {data.get('note', '')}".strip()
    if kind == "breached" and "level" in data:
        return _("SLA breached at %(level)s.") % {"level": level_label(data["level"])}
    if kind == "assigned" and "assignee" in data:
        return data["assignee"] or _("Unassigned")
    if kind == "resolved" and not event.text:
        return _("Resolved.")
    if kind == "reply" and data:
        what = _("Public reply") if data.get("kind") == ActionKind.REPLY else _("Direct message")
        return f"{what}: {event.text}"
    return event.text


def case_title(case) -> str:
    """A case's title in the reader's language (a title a person typed stays as typed)."""
    data = getattr(case, "title_data", None) or {}
    code = data.get("code")
    handle = data.get("handle", "")
    kind = _("DM") if data.get("kind") == "dm" else _("Comment")
    if code == "message":
        if data.get("category"):
            return _("%(category)s: %(kind)s from @%(handle)s") % {
                "category": category_label(data["category"]).capitalize(),
                "kind": kind.lower(),
                "handle": handle,
            }
        return _("%(kind)s from @%(handle)s") % {"kind": kind, "handle": handle}
    if code == "brand_inquiry":
        return _("Brand inquiry from @%(handle)s") % {"handle": handle}
    if code == "lead":
        return _("Lead: @%(handle)s (%(name)s)") % {"handle": handle, "name": data.get("name", "")}
    return case.title


def notification_sentence(note) -> str:
    """An in-app notification in the reader's language (its case loaded)."""
    data = getattr(note, "data", None) or {}
    case = note.case if note.case_id else None
    if case is None or "code" not in data:
        return note.text
    title = case_title(case)
    level = level_label(data.get("level", case.level))
    code = data["code"]
    if code == "new":
        return _("New case assigned to you: %(title)s") % {"title": title}
    if code == "assigned":
        return _("Case assigned to you: %(title)s") % {"title": title}
    if code == "escalated":
        return _("Case escalated to %(level)s: %(title)s") % {"level": level, "title": title}
    if code == "breached":
        return _("SLA breached (%(level)s): %(title)s") % {"level": level, "title": title}
    return note.text


def reasons_text(reasons: Any) -> str:
    """Stored reasons (a list of codes, or one) as sentences, for the audit log."""
    if not reasons:
        return "—"
    return " ".join(reason_sentences(reasons if isinstance(reasons, list) else [reasons]))


def send_reason_text(reason: Any) -> str:
    """The sender's reason for cancelling a due action ("crisis mode"), for the audit log."""
    if not reason:
        return "—"
    return reason_sentence(f"cancelled at send time: {reason}")

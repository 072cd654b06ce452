"""The audit log as sentences in the reader's language.

Services write codes and raw values (`agencies.audit.audit_record`): an action code
(`creator.update`), the object's type, id and `str()` at that moment, and before/after values
keyed by field name. This module turns a row into what the audit page shows, when the page is
rendered, so the same entry reads in English for one member and in Dutch for the next:

- the action as a sentence (`ACTION_SENTENCES`, else a verb of `VERBS` on the object's
  translated name, else the code made readable);
- each change key as the field's translated verbose name (the model is known from the row's
  object type), or a label from `FIELD_LABELS`;
- each value formatted: choices as their label, dates and amounts through core/formatting,
  yes/no, lists as text; a value a higher app knows better (moderation's decision reasons)
  through the formatter that app registers in its `AppConfig.ready()`
  (`audit_value_formatter_register`), since agencies never imports a higher app;
- the object as its translated type and id, with the stored label in which choice labels
  written in English (“Automated DM (Scheduled)”) are put in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from core.formatting import EMPTY, date_short, datetime_short, money, number

from .models import AuditLog

# --- the actions --------------------------------------------------------------------------

ACTION_SENTENCES: dict[str, Promise] = {
    # agencies
    "agency.create": gettext_lazy("Agency created"),
    "agency.update": gettext_lazy("Agency settings changed"),
    "api_token.create": gettext_lazy("API token created"),
    "api_token.revoke": gettext_lazy("API token revoked"),
    "invitation.create": gettext_lazy("Invitation sent"),
    "invitation.resend": gettext_lazy("Invitation sent again"),
    "invitation.revoke": gettext_lazy("Invitation revoked"),
    "invitation.accept": gettext_lazy("Invitation accepted"),
    "membership.add": gettext_lazy("Member added to the team"),
    "membership.remove": gettext_lazy("Member removed from the team"),
    "membership.set_role": gettext_lazy("Member's role changed"),
    "holiday.add": gettext_lazy("Holiday added"),
    "holiday.delete": gettext_lazy("Holiday removed"),
    "sla.update": gettext_lazy("SLA rules changed"),
    # creators
    "creator.create": gettext_lazy("Creator added"),
    "creator.update": gettext_lazy("Creator changed"),
    "creator.import": gettext_lazy("Creators imported"),
    "creator.offboard": gettext_lazy("Creator offboarded"),
    "creator.reactivate": gettext_lazy("Creator reactivated"),
    "creator.link_login": gettext_lazy("Creator linked to a login"),
    "creator.unlink_login": gettext_lazy("Creator unlinked from their login"),
    "creator.eligibility_change": gettext_lazy("Creator's program eligibility changed"),
    "social_account.add": gettext_lazy("Social account added"),
    "social_account.update": gettext_lazy("Social account changed"),
    "social_account.remove": gettext_lazy("Social account removed"),
    "account_snapshot.create": gettext_lazy("Account figures recorded"),
    "account_snapshot.update": gettext_lazy("Account figures changed"),
    "metric_snapshot.create": gettext_lazy("Video figures recorded"),
    "metric_snapshot.import": gettext_lazy("Video figures imported"),
    "metrics.import": gettext_lazy("Figures imported"),
    "video.create": gettext_lazy("Video added"),
    "video.update": gettext_lazy("Video changed"),
    "rate_card.update": gettext_lazy("Rate card changed"),
    "rpm_rate.create": gettext_lazy("RPM rate added"),
    "rpm_rate.update": gettext_lazy("RPM rate changed"),
    "rpm_rate.remove": gettext_lazy("RPM rate removed"),
    "insight_settings.update": gettext_lazy("Insight settings changed"),
    "policy_strike.create": gettext_lazy("Policy strike recorded"),
    "policy_strike.resolve": gettext_lazy("Policy strike resolved"),
    "program_application.submit": gettext_lazy("Program application submitted"),
    "program_application.update": gettext_lazy("Program application changed"),
    "program_application.withdraw": gettext_lazy("Program application withdrawn"),
    "program_application.approved": gettext_lazy("Program application approved"),
    "program_application.rejected": gettext_lazy("Program application rejected"),
    "program_application.withdrawn": gettext_lazy("Program application withdrawn"),
    "program_application.waiting": gettext_lazy("Program application back in review"),
    "program_application.reminder": gettext_lazy("Reminder sent about a program application"),
    "program_application.reapply_wait": gettext_lazy("Waiting period to reapply has ended"),
    "platform_account.link": gettext_lazy("Platform account connected"),
    "platform_account.relink": gettext_lazy("Platform account connected again"),
    "platform_account.disconnect": gettext_lazy("Platform account disconnected"),
    "platform_account.needs_reconnect": gettext_lazy("Platform account needs reconnecting"),
    "platform_account.token_refresh": gettext_lazy("Platform access renewed"),
    "platform_account.tokens_rotate": gettext_lazy("Platform access keys replaced"),
    # campaigns
    "sponsor.create": gettext_lazy("Sponsor added"),
    "sponsor.update": gettext_lazy("Sponsor changed"),
    "contract.create": gettext_lazy("Contract created"),
    "contract.update": gettext_lazy("Contract changed"),
    "contract.attach_pdf": gettext_lazy("Signed contract attached"),
    "contract.sign_override": gettext_lazy("Contract marked as signed"),
    "contract.reminder": gettext_lazy("Contract reminder sent"),
    "campaign.create": gettext_lazy("Campaign created"),
    "campaign.update": gettext_lazy("Campaign changed"),
    "checklist.update": gettext_lazy("Campaign checklist changed"),
    "deliverable.create": gettext_lazy("Deliverable added"),
    "deliverable.update": gettext_lazy("Deliverable changed"),
    "deliverable.submit": gettext_lazy("Draft submitted for approval"),
    "deliverable.approve": gettext_lazy("Draft approved"),
    "deliverable.request_changes": gettext_lazy("Changes requested on a draft"),
    "deliverable.post": gettext_lazy("Deliverable posted"),
    "conversion.create": gettext_lazy("Conversion recorded"),
    "experiment.create": gettext_lazy("Experiment created"),
    "experiment.update": gettext_lazy("Experiment changed"),
    "sponsor_report.request": gettext_lazy("Sponsor report requested"),
    "sponsor_report_share.create": gettext_lazy("Sponsor report shared by link"),
    "sponsor_report_share.revoke": gettext_lazy("Sponsor report link revoked"),
    "bonus_pool.create": gettext_lazy("Bonus pool created"),
    "bonus_pool.update": gettext_lazy("Bonus pool changed"),
    "bonus_pool.delete": gettext_lazy("Bonus pool removed"),
    "bonus_rule.create": gettext_lazy("Bonus rule created"),
    "bonus_rule.update": gettext_lazy("Bonus rule changed"),
    "bonus_rule.delete": gettext_lazy("Bonus rule removed"),
    "bonus_award.create": gettext_lazy("Bonus awarded"),
    # moderation
    "policy.create": gettext_lazy("Moderation policy created"),
    "policy.publish": gettext_lazy("Moderation policy published"),
    "message.ingest": gettext_lazy("Messages received"),
    "automated.none": gettext_lazy("Triage took no action"),
    "automated.hide": gettext_lazy("Triage hid the message"),
    "automated.remove": gettext_lazy("Triage removed the message"),
    "automated.escalate": gettext_lazy("Triage sent the message to a person"),
    "automated.reply": gettext_lazy("Triage planned an automated reply"),
    "automated.dm": gettext_lazy("Triage planned an automated DM"),
    "automated.send": gettext_lazy("Automated message sent"),
    "automated.cancel": gettext_lazy("Automated message cancelled"),
    "automated.thank_commenters": gettext_lazy("Commenters thanked automatically"),
    "case.open": gettext_lazy("Case opened"),
    "case.assign": gettext_lazy("Case assigned"),
    "case.escalate": gettext_lazy("Case escalated"),
    "case.breach": gettext_lazy("Case missed its SLA"),
    "case.note": gettext_lazy("Note added to a case"),
    "case.reply": gettext_lazy("Reply sent from a case"),
    "case.resolve": gettext_lazy("Case resolved"),
    "outbox.deliver": gettext_lazy("Message delivered from the outbox"),
    "outbox.fail": gettext_lazy("Message in the outbox failed"),
    "outbox.cancel": gettext_lazy("Message in the outbox cancelled"),
    "moderation.crisis_on": gettext_lazy("Crisis mode switched on"),
    "moderation.crisis_off": gettext_lazy("Crisis mode switched off"),
    "crisis.freeze": gettext_lazy("Promotional automation frozen"),
    "crisis.freeze_ended": gettext_lazy("Freeze of promotional automation ended"),
    "crisis.release": gettext_lazy("Held message released"),
    "crisis.release_all": gettext_lazy("All held messages released"),
    "crisis.reply_create": gettext_lazy("Crisis reply template added"),
    "crisis.reply_update": gettext_lazy("Crisis reply template changed"),
    "crisis.reply_delete": gettext_lazy("Crisis reply template removed"),
    "crisis.drill_create": gettext_lazy("Crisis drill planned"),
    "crisis.drill_reminder": gettext_lazy("Crisis drill reminder sent"),
    "crisis.replies_seeded": gettext_lazy("Standard crisis replies added"),
    "lead.create": gettext_lazy("Lead recorded"),
    "lead.follow_up": gettext_lazy("Lead followed up"),
    # payouts
    "payout_settings.update": gettext_lazy("Payout settings changed"),
    "bank_account.create": gettext_lazy("Bank account added"),
    "bank_account.update": gettext_lazy("Bank account changed"),
    "bank_import.queue": gettext_lazy("Bank file queued for import"),
    "bank_import.create": gettext_lazy("Bank file imported"),
    "bank_import.fail": gettext_lazy("Bank file could not be imported"),
    "payout_statement.create": gettext_lazy("Payout statement added"),
    "payout_statement.update": gettext_lazy("Payout statement changed"),
    "payout_statement.import": gettext_lazy("Payout statements imported"),
    "payout.import": gettext_lazy("Payouts imported"),
    "payout_line.create": gettext_lazy("Payout line added"),
    "payout_line.update": gettext_lazy("Payout line changed"),
    "payout_line.delete": gettext_lazy("Payout line removed"),
    "payout_line.import": gettext_lazy("Payout lines imported"),
    "payout_line.replace": gettext_lazy("Payout lines replaced"),
    "payout_adjustment.create": gettext_lazy("Adjustment recorded"),
    "payout_hold.create": gettext_lazy("Payout put on hold"),
    "payout_hold.release": gettext_lazy("Hold on a payout released"),
    "payout_dispute.open": gettext_lazy("Dispute opened"),
    "payout_dispute.close": gettext_lazy("Dispute closed"),
    "payout_dispute.evidence_request": gettext_lazy("Evidence file requested for a dispute"),
    "payout_dispute.evidence_ready": gettext_lazy("Evidence file ready for a dispute"),
    "payout_dispute.evidence_failed": gettext_lazy("Evidence file for a dispute failed"),
    "creator_payment.create": gettext_lazy("Payment to the creator recorded"),
    "creator_commission.set": gettext_lazy("Creator's commission changed"),
    "fx_rate.set": gettext_lazy("Exchange rate set"),
    "fx_rate.delete": gettext_lazy("Exchange rate removed"),
    "reference_rates.import": gettext_lazy("Reference exchange rates imported"),
    "reconciliation.start": gettext_lazy("Reconciliation started"),
    "reconciliation.resume": gettext_lazy("Reconciliation resumed"),
    "reconciliation.complete": gettext_lazy("Reconciliation completed"),
    "reconciliation.give_up": gettext_lazy("Reconciliation stopped after repeated failures"),
    "reconciliation_issue.resolve": gettext_lazy("Reconciliation exception resolved"),
    "match.confirm": gettext_lazy("Match confirmed"),
    "match.reject": gettext_lazy("Proposed match rejected"),
    "match.manual": gettext_lazy("Payout matched by hand"),
    "match.reverse": gettext_lazy("Match reversed"),
    "match.unmatch": gettext_lazy("Match undone"),
}

# For codes not listed above (a new service, an old row): the last part of the code as a verb
# on the object's translated name.
VERBS: dict[str, Promise] = {
    "create": gettext_lazy("%(object)s created"),
    "add": gettext_lazy("%(object)s added"),
    "update": gettext_lazy("%(object)s changed"),
    "set": gettext_lazy("%(object)s set"),
    "delete": gettext_lazy("%(object)s removed"),
    "remove": gettext_lazy("%(object)s removed"),
    "import": gettext_lazy("%(object)s imported"),
    "revoke": gettext_lazy("%(object)s revoked"),
    "approve": gettext_lazy("%(object)s approved"),
    "reject": gettext_lazy("%(object)s rejected"),
    "open": gettext_lazy("%(object)s opened"),
    "close": gettext_lazy("%(object)s closed"),
    "resolve": gettext_lazy("%(object)s resolved"),
    "publish": gettext_lazy("%(object)s published"),
}

# Keys of the before/after values that are not fields of the object's model (counts, summaries).
FIELD_LABELS: dict[str, Promise] = {
    "ambiguous": gettext_lazy("ambiguous"),
    "matched": gettext_lazy("matched"),
    "unmatched": gettext_lazy("unmatched"),
    "reversed": gettext_lazy("reversed"),
    "created": gettext_lazy("created"),
    "duplicates": gettext_lazy("duplicates"),
    "imported": gettext_lazy("imported"),
    "skipped": gettext_lazy("skipped"),
    "source": gettext_lazy("source"),
    "version": gettext_lazy("version"),
    "note": gettext_lazy("note"),
    "reason": gettext_lazy("reason"),
    "reasons": gettext_lazy("reasons"),
    "level": gettext_lazy("level"),
    "kind": gettext_lazy("kind"),
    "outcome": gettext_lazy("outcome"),
    "message": gettext_lazy("message"),
    "policy_version": gettext_lazy("policy version"),
    "due_at": gettext_lazy("due"),
    "status": gettext_lazy("status"),
    "name": gettext_lazy("name"),
    "amount": gettext_lazy("amount"),
    "currency": gettext_lazy("currency"),
    "reference": gettext_lazy("reference"),
    "file_name": gettext_lazy("file name"),
    "format": gettext_lazy("format"),
    "paid_on": gettext_lazy("paid on"),
    "decided_on": gettext_lazy("decided on"),
    "submitted_on": gettext_lazy("submitted on"),
    "expected_release": gettext_lazy("expected release"),
    "bank_account": gettext_lazy("bank account"),
    "program": gettext_lazy("program"),
    "rejection_reason": gettext_lazy("rejection reason"),
    "sample_posts": gettext_lazy("sample posts"),
    "transaction_data": gettext_lazy("transaction data"),
    "transaction_count": gettext_lazy("transactions"),
    "new_count": gettext_lazy("new transactions"),
    "count": gettext_lazy("number"),
    "statement": gettext_lazy("statement"),
    "creator": gettext_lazy("creator"),
    "email": gettext_lazy("e-mail address"),
    "role": gettext_lazy("role"),
    "links": gettext_lazy("links"),
    "error": gettext_lazy("error"),
    "sha256": gettext_lazy("file checksum"),
    "id_name_given": gettext_lazy("name on the ID given"),
    "action": gettext_lazy("action"),
    "previous_status": gettext_lazy("previous status"),
    "failing_rules": gettext_lazy("rules not met"),
    "notified": gettext_lazy("notified"),
    "bytes": gettext_lazy("file size (bytes)"),
    "assignee": gettext_lazy("assignee"),
    "offboarded_at": gettext_lazy("offboarded on"),
    "source_message": gettext_lazy("message"),
    "fake": gettext_lazy("test connection"),
    # what a dispute's evidence pack holds (payouts/evidence.py)
    "messages": gettext_lazy("messages"),
    "replies": gettext_lazy("replies"),
    "conversions": gettext_lazy("conversions"),
    "lines": gettext_lazy("statement lines"),
}

# Who acted when no user did, as `audit_record` writes it.
ACTOR_LABELS: dict[str, Promise] = {
    "system": gettext_lazy("system"),
    "demo": gettext_lazy("demo data"),
    "migration": gettext_lazy("data migration"),
    "moderation:triage": gettext_lazy("automated triage"),
    "moderation:sender": gettext_lazy("automated sender"),
    "moderation:breach-scan": gettext_lazy("SLA check"),
    "moderation:thanks": gettext_lazy("automated thank-you replies"),
    "moderation:api": gettext_lazy("message import (API)"),
    "leads:capture": gettext_lazy("lead capture"),
    "leads:follow-up": gettext_lazy("lead follow-up"),
    "crisis:defaults": gettext_lazy("crisis defaults"),
    "crisis:drill_reminders": gettext_lazy("crisis drill reminders"),
    "rewards:evaluation": gettext_lazy("bonus evaluation"),
    "platforms:delivery": gettext_lazy("platform delivery"),
    "platforms:tokens": gettext_lazy("platform access renewal"),
    "celery:bank_import": gettext_lazy("bank import in the background"),
    "celery:contract_reminders": gettext_lazy("contract reminders"),
    "celery:application_reminders": gettext_lazy("program application reminders"),
    "celery:eligibility_scan": gettext_lazy("eligibility check"),
    "celery:evidence_pack_build": gettext_lazy("evidence pack builder"),
}

# --- what higher apps register --------------------------------------------------------------

ValueFormatter = Callable[[Any], str]
_value_formatters: dict[tuple[str, str], ValueFormatter] = {}


def audit_value_formatter_register(
    *, object_type: str, field: str, formatter: ValueFormatter
) -> None:
    """Show the `field` values of entries about `object_type` ("moderation.automatedaction")
    with `formatter` (value -> text in the active language). Called from `AppConfig.ready()`."""
    _value_formatters[(object_type, field)] = formatter


# --- rendering ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    key: str  # the stored key, e.g. "status"
    field: str  # its label in the reader's language
    before: str | None
    after: str | None
    added: bool
    removed: bool


@dataclass(frozen=True)
class EntryDisplay:
    entry: AuditLog
    sentence: str
    actor: str  # for an entry without a user
    object_label: str
    object_kind: str  # "Creator #12"
    changes: list[Change]


def _model(object_type: str) -> type[models.Model] | None:
    if not object_type or "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _readable_code(code: str) -> str:
    return capfirst(code.replace("_", " ").replace(".", ": "))


def action_sentence(action: str, object_type: str = "") -> str:
    """The action code as a sentence: “Creator changed” / “Creator gewijzigd”."""
    sentence = ACTION_SENTENCES.get(action)
    if sentence is not None:
        return str(sentence)
    verb = VERBS.get(action.rpartition(".")[2])
    model = _model(object_type)
    if verb is not None:
        noun = (
            str(model._meta.verbose_name)
            if model is not None
            else action.rpartition(".")[0].replace("_", " ")
        )
        return capfirst(str(verb) % {"object": noun})
    return _readable_code(action)


def object_type_label(object_type: str) -> str:
    """“creators.creator” -> “Creator”, in the reader's language."""
    model = _model(object_type)
    if model is None:
        return object_type
    return capfirst(str(model._meta.verbose_name))


def actor_label(label: str) -> str:
    known = ACTOR_LABELS.get(label)
    return str(known) if known is not None else (label or str(ACTOR_LABELS["system"]))


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except Exception:  # FieldDoesNotExist, or a key that is not a name at all
        return None
    return field if isinstance(field, models.Field) else None


def field_label(model: type[models.Model] | None, key: str) -> str:
    """A change key as the reader reads it: the model field's translated verbose name, else a
    label from FIELD_LABELS, else the key with spaces."""
    field = _field(model, key)
    if field is not None and isinstance(field.verbose_name, Promise):
        return str(field.verbose_name)
    label = FIELD_LABELS.get(key)
    if label is not None:
        return str(label)
    if field is not None and field.verbose_name:
        return str(field.verbose_name)
    return str(key).replace("_", " ")


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _plain(value: Any) -> str:
    """A value without a known field: numbers grouped, ISO dates as dates, lists and dicts
    as text (never a Python repr)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal):
        return number(value)
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v) for v in value) if value else EMPTY
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_plain(v)}" for k, v in value.items())
    text = str(value)
    if _ISO_DATETIME.match(text) and (moment := parse_datetime(text)) is not None:
        return datetime_short(moment)
    if _ISO_DATE.match(text) and (day := parse_date(text)) is not None:
        return date_short(day)
    return text


def format_value(
    model: type[models.Model] | None,
    object_type: str,
    key: str,
    value: Any,
    row: dict[str, Any],
) -> str:
    """One before/after value in the reader's language."""
    formatter = _value_formatters.get((object_type, key))
    if formatter is not None:
        return formatter(value)
    field = _field(model, key)
    if value is None or value == "" or field is None:
        return _plain(value)
    if field.choices:
        labels = {str(k): v for k, v in field.flatchoices}
        if isinstance(value, list):
            return ", ".join(str(labels.get(str(v), v)) for v in value) or EMPTY
        label = labels.get(str(value))
        if label is not None:
            return str(label)
    if isinstance(field, models.DecimalField):
        currency = row.get("currency")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            return str(value)
        return money(amount, currency) if currency else number(amount)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return datetime_short(moment) if moment else str(value)
    if isinstance(field, models.DateField):
        day = parse_date(str(value))
        return date_short(day) if day else str(value)
    if field.is_relation and not field.many_to_many:
        return f"#{value}"
    return _plain(value)


@lru_cache(maxsize=256)
def _choice_translations(model: type[models.Model], language: str) -> tuple[tuple[str, str], ...]:
    """(English label, label in `language`) for every choice of the model's fields, the
    longest first, where the two differ."""
    pairs: dict[str, str] = {}
    for field in model._meta.get_fields():
        for _value, label in getattr(field, "flatchoices", None) or ():
            with override(language):
                local = str(label)
            with override("en"):
                english = str(label)
            if english and english != local:
                pairs.setdefault(english, local)
    return tuple(sorted(pairs.items(), key=lambda p: len(p[0]), reverse=True))


def object_label(entry: AuditLog, model: type[models.Model] | None) -> str:
    """The stored label, read in the reader's language: Django's “Hold object (3)” is left
    out (the translated type and id say it), and choice labels the model wrote in English at
    the time (“Automated DM (Scheduled)”) are put in the active language."""
    label = entry.object_repr
    if model is None or not label:
        return label
    if re.fullmatch(rf"{re.escape(model.__name__)} object \(.*\)", label):
        return ""
    for english, local in _choice_translations(model, get_language() or "en"):
        if english in label:
            label = re.sub(rf"(?<!\w){re.escape(english)}(?!\w)", local, label)
    return label


def entry_changes(entry: AuditLog, model: type[models.Model] | None = None) -> list[Change]:
    """The entry's before/after as rows, one per field, labelled and formatted."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(before) + [k for k in after if k not in before]
    changes = []
    for key in keys:
        changes.append(
            Change(
                key=str(key),
                field=field_label(model, str(key)),
                before=(
                    format_value(model, entry.object_type, key, before[key], before)
                    if key in before
                    else None
                ),
                after=(
                    format_value(model, entry.object_type, key, after[key], after)
                    if key in after
                    else None
                ),
                added=key not in before,
                removed=key not in after,
            )
        )
    return changes


def entry_display(entry: AuditLog) -> EntryDisplay:
    """Everything the audit page shows of one entry, in the active language and time zone."""
    model = _model(entry.object_type)
    kind = ""
    if entry.object_type:
        kind = object_type_label(entry.object_type)
        if entry.object_id:
            kind = f"{kind} #{entry.object_id}"
    return EntryDisplay(
        entry=entry,
        sentence=action_sentence(entry.action, entry.object_type),
        actor=actor_label(entry.actor_label),
        object_label=object_label(entry, model),
        object_kind=kind,
        changes=entry_changes(entry, model),
    )

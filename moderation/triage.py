"""Triage: apply the policy to inbound messages and record every automated decision.

`messages_triage` is what the Celery task calls, with the batch of ids one ingest stored.
It decides about the whole batch in one transaction with a fixed number of queries: the
policy versions, crisis mode, limits and opt-in states are loaded once, every decision is
made in memory, and actions, outbox rows, cases and audit entries are written in bulk.

Automated replies and DMs are not sent here: they are scheduled after a random delay
inside the policy's window and sent by the periodic sender (moderation/outbox.py).
Limits (moderation/limits.py) hold across parallel workers:

- automated DMs per person per 7 days: the `Contact` rows of the batch's DM authors are
  locked (SELECT … FOR UPDATE) while their window is counted and the new actions inserted;
- automated replies per account per hour and per day, and the comment-spike token bucket:
  the same with the accounts' `AccountCounter` rows.

Locks are taken in one order (messages, then counters, then contacts, each by primary
key), so concurrent batches never deadlock.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency

from . import explain
from .analysis import analyse
from .auditing import AuditRows
from .bulk import bulk_insert, bulk_set, keys_in
from .cases import CaseSpec, cases_open
from .explain import LEVEL_CODES as LEVELS
from .explain import reason_sentences
from .hooks import LeadCapture, leads_captured
from .limits import AccountGate, DmAllowance
from .models import (
    ActionKind,
    ActionOutcome,
    AutomatedAction,
    Contact,
    DmState,
    InboundMessage,
    Level,
    MessageKind,
    MessageStatus,
    PolicyVersion,
)
from .outbox import deliver_now
from .policies import moderation_settings_get, policy_ensure_default
from .rules import Classification, CompiledRules, classify, compile_rules, spike_guard
from .selectors import policy_versions

_rng = random.SystemRandom()
# What triage reads of a message and its author (and writes: MESSAGE_FIELDS).
TRIAGE_READS = [
    "agency_id",
    "platform",
    "platform_message_id",
    "kind",
    "creator_id",
    "account",
    "text",
    "campaign_code",
    "opt_in",
    "language",
    "sentiment",
    "hidden",
    "removed",
    "contact",
]
MESSAGE_FIELDS = ["category", "intent", "policy_version", "reasons", "status", "hidden", "removed"]
# The authors' fields triage reads: platform and handle (and the key) of every message's
# contact; the DM authors' contacts are loaded whole, locked.
AUTHOR_READS = ["id", "platform", "handle"]
# `_Batch.record` builds an action from positional arguments, in the model's field order
# (tests/moderation/test_triage.py holds the two together).
ACTION_ARGS = [
    "id",
    "agency_id",
    "message_id",
    "contact_id",
    "policy_version_id",
    "kind",
    "outcome",
    "reasons",
    "platform",
    "account",
    "text",
    "promotional",
    "due_at",
]


def random_delay(rules: dict, rng: random.Random | None = None) -> timedelta:
    """A uniformly random delay inside the policy's window (inclusive)."""
    low, high = rules["delay"]["min_minutes"], rules["delay"]["max_minutes"]
    return timedelta(seconds=(rng or _rng).uniform(low * 60, high * 60))


def _template(texts: dict[str, str], language: str) -> str:
    return texts.get(language) or texts["en"]


def _language(message: InboundMessage) -> str:
    return message.language if message.language in ("en", "nl") else "en"


class _Batch:
    """The decisions of one transaction, written in bulk by `flush`."""

    def __init__(self, *, agency_id: int, now: datetime, rng: random.Random | None) -> None:
        self.agency_id = agency_id
        self.now = now
        self.rng = rng
        self.actions: list[AutomatedAction] = []
        self.audited: list[AutomatedAction] = []
        self.immediate: list[AutomatedAction] = []
        self.cases: list[tuple[CaseSpec, AutomatedAction | None]] = []
        self.by_message: dict[int, list[AutomatedAction]] = defaultdict(list)
        self._labels: dict[tuple[str, str], str] = {}

    def record(
        self,
        *,
        kind: str,
        outcome: str,
        reasons: list[str],
        version: PolicyVersion | None,
        message: InboundMessage | None = None,
        contact_id: int | None = None,
        platform: str = "",
        text: str = "",
        promotional: bool = False,
        due_at: datetime | None = None,
        audit: bool = True,
    ) -> AutomatedAction:
        """Record one decision about `message` (its platform, else `platform`) and its
        author or recipient `contact_id`."""
        # Ids rather than objects: the related-object descriptors cost more than the rest of
        # the row. `immediate` actions get their message and contact cached for the connector.
        # Positional arguments, in the model's field order (ACTION_ARGS): the constructor's
        # fast path, half the cost of keywords for the thousands of actions of a batch.
        action = AutomatedAction(
            None,
            self.agency_id,
            message.pk if message else None,
            contact_id,
            version.pk if version else None,
            kind,
            outcome,
            reasons,
            message.platform if message else platform,
            message.account if message else "",
            text,
            promotional,
            due_at,
        )
        self.actions.append(action)
        if audit:
            self.audited.append(action)
        if message is not None:
            self.by_message[message.pk].append(action)
        return action

    def open_case(self, spec: CaseSpec, action: AutomatedAction | None = None) -> None:
        """Open a case at flush time; `action` gets "case #<id>" added to its reasons."""
        self.cases.append((spec, action))

    def _label(self, action: AutomatedAction) -> str:
        # str(action) looks its choice labels up through gettext: once per kind and outcome.
        key = (action.kind, action.outcome)
        if key not in self._labels:
            self._labels[key] = str(action)
        return self._labels[key]

    def flush(self, agency: Agency) -> None:
        # The cases' audit entries first, then the actions', in one statement.
        audit = AuditRows()
        if self.cases:
            specs = [spec for spec, _ in self.cases]
            cases = cases_open(agency=agency, specs=specs, now=self.now, audit=audit)
            for (_, action), case in zip(self.cases, cases, strict=True):
                if action is not None:
                    action.reasons.append({"code": "case", "case": case.pk})
        bulk_insert(self.actions)
        deliver_now(self.immediate, now=self.now)
        for action in self.audited:
            audit.add(
                agency_id=self.agency_id,
                actor_label="moderation:triage",
                action=f"automated.{action.kind}",
                obj=action,
                object_repr=self._label(action),
                after={
                    "outcome": action.outcome,
                    "policy_version": action.policy_version_id,
                    "reasons": action.reasons,
                    "message": action.message_id,
                },
            )
        audit.save()


def _dm_decide(
    batch: _Batch,
    *,
    contact: Contact,
    allowance: DmAllowance,
    version: PolicyVersion,
    text: str,
    reasons: list,
    message: InboundMessage | None,
    promotional: bool,
    crisis: bool,
) -> AutomatedAction:
    """Schedule one automated DM to a locked `contact`, or record why it was suppressed.

    The DM limit may be settled later (Redis: all the batch's DMs in one call, before the
    batch is written): a refused DM then turns from scheduled to suppressed.
    """
    rules = version.rules
    limit = rules["limits"]["dms_per_person_per_7_days"]
    why: dict = {}
    if contact.dm_opted_out_at is not None:
        why = {"code": "opted_out"}
    elif contact.dm_opted_in_at is None:
        why = {"code": "no_opt_in"}
    elif promotional and crisis:
        why = {"code": "crisis"}
    action = batch.record(
        kind=ActionKind.DM,
        outcome=ActionOutcome.SUPPRESSED if why else ActionOutcome.SCHEDULED,
        reasons=[*reasons, why] if why else reasons,
        version=version,
        message=message,
        contact_id=contact.pk,
        platform=contact.platform,
        text=text,
        promotional=promotional,
        due_at=None if why else batch.now + random_delay(rules, batch.rng),
    )
    if not why:

        def refused(live: int) -> None:
            action.outcome, action.due_at = ActionOutcome.SUPPRESSED, None
            action.reasons = [*reasons, {"code": "dm_limit", "count": live, "limit": limit}]

        allowance.take_later(contact.pk, limit=limit, due_at=action.due_at, refused=refused)
    return action


@transaction.atomic
def automated_dm_schedule(
    *,
    contact: Contact,
    version: PolicyVersion,
    text: str,
    reasons: list[str],
    message: InboundMessage | None = None,
    promotional: bool = False,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> AutomatedAction:
    """Schedule one automated DM to `contact`, or record why it was suppressed.

    Locks the contact row, so concurrent calls for one person are serialised and at most
    `limits.dms_per_person_per_7_days` DMs are ever live in any 7-day window.
    """
    now = now or timezone.now()
    contact = Contact.objects.select_for_update().select_related("agency").get(pk=contact.pk)
    batch = _Batch(agency_id=contact.agency_id, now=now, rng=rng)
    allowance = DmAllowance(agency_id=contact.agency_id, contact_ids=[contact.pk], now=now)
    action = _dm_decide(
        batch,
        contact=contact,
        allowance=allowance,
        version=version,
        text=text,
        reasons=reasons,
        message=message,
        promotional=promotional,
        crisis=promotional and moderation_settings_get(agency=contact.agency).crisis_mode,
    )
    allowance.settle()
    batch.flush(contact.agency)
    return action


@dataclass
class _Item:
    message: InboundMessage
    version: PolicyVersion
    result: Classification
    reasons: list
    # The author's handle (the message's contact).
    handle: str

    @property
    def rules(self) -> dict:
        return self.version.rules

    @property
    def account(self) -> tuple[str, str]:
        return (self.message.platform, self.message.account)

    @property
    def escalation_level(self) -> int | None:
        return escalation_level(self.result, self.message.sentiment, self.rules)

    @property
    def to_person(self) -> bool:
        """Whether a person decides (a case) rather than the automation."""
        return self.escalation_level is not None


def escalation_level(result: Classification, sentiment: float, rules: dict) -> int | None:
    """The level of the case a message opens, or None when the automation decides (pure).

    A matching category's escalation wins (a legal threat goes to Legal / PR whatever its
    tone); a hidden or removed message needs nobody else; then an intent routed to the
    account manager; then a tone below the policy's threshold goes to human review.
    """
    if result.escalate_to:
        return LEVELS[result.escalate_to]
    if result.action == "escalate":
        return Level.HUMAN_REVIEW
    if result.action in ("hide", "remove"):
        return None
    if result.route == "account_manager":
        return Level.ACCOUNT_MANAGER
    if sentiment < rules["sentiment_threshold"]:
        return Level.HUMAN_REVIEW
    return None


@dataclass
class Preview:
    """What a policy would do with one message, without storing or sending anything."""

    language: str
    sentiment: float
    result: Classification
    level: int | None
    steps: list[str]
    reply: str = ""


def policy_preview(*, rules: dict, text: str, kind: str) -> Preview:
    """What triage would decide for `text` under `rules` (validated), in the reader's
    language: the same classification and escalation as `messages_triage`, before the
    limits, crisis mode and opt-ins that only a real message can be checked against."""
    analysis = analyse(text)
    result = classify(text, compile_rules(rules))
    level = escalation_level(result, analysis.sentiment, rules)
    if level == Level.HUMAN_REVIEW and result.action != "escalate" and not result.escalate_to:
        result.reasons.append(
            {
                "code": "sentiment",
                "score": analysis.sentiment,
                "threshold": rules["sentiment_threshold"],
            }
        )
    steps, reply = [], ""
    if result.action == "hide":
        steps.append(_("Hide the message."))
    elif result.action == "remove":
        steps.append(_("Remove the message."))
    if level is not None:
        if level == Level.ACCOUNT_MANAGER and result.route == "account_manager":
            steps.append(_("Open a case for the creator's account manager; no automated reply."))
        else:
            steps.append(_("Open a case at %(level)s.") % {"level": explain.level_label(level)})
    elif result.action not in ("hide", "remove"):
        language = analysis.language if analysis.language in ("en", "nl") else "en"
        if kind == MessageKind.DM:
            if rules["dm_sequence"]["enabled"]:
                steps.append(
                    _(
                        "Start the DM opt-in sequence if the person opted in or asked "
                        "something: first ask their name."
                    )
                )
                reply = _template(rules["dm_sequence"]["ask_name"], language)
            else:
                steps.append(_("Nothing: the DM sequence is switched off."))
        elif result.intent:
            intent = next(i for i in rules["intents"] if i["name"] == result.intent)
            delay = rules["delay"]
            steps.append(
                _("Reply publicly after a random %(low)d to %(high)d minutes.")
                % {"low": delay["min_minutes"], "high": delay["max_minutes"]}
            )
            reply = _template(intent["reply"], language)
        else:
            steps.append(_("Nothing: no category or intent matched and the tone is fine."))
    return Preview(analysis.language, analysis.sentiment, result, level, steps, reply)


def _upper_word(text: str) -> str:
    return text.strip().strip(".!?,;: ").upper()


_EMAIL_CANDIDATE = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def email_in(text: str) -> str:
    """The e-mail address in a reply ("sam@example.com", "it's Sam@Example.com!"), with
    its domain in lower case, or "" when the reply holds no valid address (pure)."""
    match = _EMAIL_CANDIDATE.search(text)
    if match is None:
        return ""
    address = match.group(0).rstrip(".!?")
    try:
        validate_email(address)
    except ValidationError:
        return ""
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"[:254]


class _DmSequence:
    """The opt-in sequence: ask name → ask e-mail consent (YES/JA) → ask the address (one
    re-ask after an invalid reply, then stop) → a person, and a lead (moderation/hooks.py).

    The conversation's language is chosen at the first automated DM (from that message)
    and kept on the contact for every later DM: short replies such as "JA" or "Sam" say
    nothing reliable about a language.
    """

    def __init__(self, batch: _Batch, contacts: dict[int, Contact], allowance: DmAllowance):
        self.batch = batch
        self.contacts = contacts
        self.allowance = allowance
        self.changed: dict[int, set[str]] = defaultdict(set)
        self.captured: list[LeadCapture] = []

    def _set(self, contact: Contact, **values) -> None:
        for field, value in values.items():
            setattr(contact, field, value)
        self.changed[contact.pk].update(values)

    def step(self, item: _Item) -> AutomatedAction:
        batch, message, version = self.batch, item.message, item.version
        seq = item.rules["dm_sequence"]
        contact = self.contacts[message.contact_id]
        word = _upper_word(message.text)
        lang = contact.language or _language(message)

        def none(why: dict, *, audit: bool = False) -> AutomatedAction:
            return batch.record(
                kind=ActionKind.NONE,
                outcome=ActionOutcome.DONE,
                reasons=[*item.reasons, why],
                version=version,
                message=message,
                contact_id=contact.pk,
                audit=audit,
            )

        def dm(text: str, why: dict) -> AutomatedAction:
            if not contact.language:
                self._set(contact, language=lang)
            return _dm_decide(
                batch,
                contact=contact,
                allowance=self.allowance,
                version=version,
                text=text,
                reasons=[*item.reasons, why],
                message=message,
                promotional=False,
                crisis=False,
            )

        if word in seq["opt_out_words"]:
            self._set(contact, dm_opted_out_at=batch.now, dm_state=DmState.OPTED_OUT)
            AutomatedAction.objects.filter(
                contact=contact, kind=ActionKind.DM, outcome=ActionOutcome.SCHEDULED
            ).update(outcome=ActionOutcome.CANCELLED)
            for pending in batch.actions:  # scheduled earlier in this batch, not yet stored
                if (
                    pending.contact_id == contact.pk
                    and pending.kind == ActionKind.DM
                    and pending.outcome == ActionOutcome.SCHEDULED
                ):
                    pending.outcome = ActionOutcome.CANCELLED
            return none({"code": "opt_out_word", "word": word}, audit=True)
        if contact.dm_opted_out_at is not None:
            return none({"code": "opted_out"})
        if not seq["enabled"]:
            return none({"code": "sequence_off"})
        if contact.dm_state == DmState.NONE:
            if not (message.opt_in or item.result.intent):
                return none({"code": "no_opt_in"})
            self._set(contact, dm_opted_in_at=batch.now, dm_state=DmState.ASKED_NAME)
            return dm(_template(seq["ask_name"], lang), {"code": "ask_name"})
        if contact.dm_state == DmState.ASKED_NAME:
            self._set(contact, name=message.text.strip()[:120], dm_state=DmState.ASKED_CONSENT)
            return dm(_template(seq["ask_consent"], lang), {"code": "ask_consent"})
        if contact.dm_state == DmState.ASKED_CONSENT:
            if word in seq["consent_words"]:
                self._set(contact, email_consent_at=batch.now, dm_state=DmState.ASKED_EMAIL)
                return dm(_template(seq["ask_email"], lang), {"code": "ask_email", "word": word})
            self._set(contact, dm_state=DmState.DECLINED)
            return none({"code": "no_consent"})
        if contact.dm_state in (DmState.ASKED_EMAIL, DmState.EMAIL_RETRY):
            email = email_in(message.text)
            if not email and contact.dm_state == DmState.ASKED_EMAIL:
                self._set(contact, dm_state=DmState.EMAIL_RETRY)
                return dm(_template(seq["ask_email_again"], lang), {"code": "email_retry"})
            if not email:
                self._set(contact, dm_state=DmState.NO_EMAIL)
                return none({"code": "no_email"}, audit=True)
            self._set(contact, email=email, dm_state=DmState.HANDED_OFF)
            why = {"code": "email_given"}
            action = dm(_template(seq["handoff"], lang), why)
            batch.open_case(
                CaseSpec(
                    title=f"Lead: @{contact.handle} ({contact.name})",
                    level=Level.HUMAN_REVIEW,
                    message=message,
                    reason="The person gave an e-mail address with consent in the DM "
                    "sequence; follow up personally.",
                    reasons=[why],
                    title_data={
                        "code": "lead",
                        "handle": contact.handle,
                        "name": contact.name,
                    },
                )
            )
            self.captured.append(
                LeadCapture(
                    agency_id=batch.agency_id,
                    contact=contact,
                    message=message,
                    captured_at=batch.now,
                )
            )
            return action
        return none({"code": "with_person"})

    def save(self) -> None:
        fields = sorted({f for changed in self.changed.values() for f in changed})
        if fields:
            bulk_set([self.contacts[pk] for pk in self.changed], fields)


def _versions_for(agency: Agency, messages: list[InboundMessage]) -> dict[int, PolicyVersion]:
    """The effective policy version of each message: its creator's own, else the agency's."""
    default, per_creator = policy_versions(agency)
    if default is None and any(m.creator_id not in per_creator for m in messages):
        default = policy_ensure_default(agency=agency).current_version
    return {m.pk: per_creator.get(m.creator_id) or default for m in messages}


def _triage_agency(
    agency: Agency,
    messages: list[InboundMessage],
    authors: dict[int, tuple[str, str]],
    now: datetime,
    rng: random.Random | None,
) -> dict[int, list[AutomatedAction]]:
    versions = _versions_for(agency, messages)
    compiled: dict[int, CompiledRules] = {}
    items = []
    for message in messages:
        version = versions[message.pk]
        if version.pk not in compiled:  # compiled once per version and batch (and cached)
            compiled[version.pk] = compile_rules(version.rules, version_key=str(version.pk))
        result = classify(message.text, compiled[version.pk])
        message.category, message.intent = result.category, result.intent
        message.policy_version_id = version.pk
        handle = authors[message.contact_id][1]
        items.append(_Item(message, version, result, list(result.reasons), handle))

    crisis = moderation_settings_get(agency=agency).crisis_mode
    batch = _Batch(agency_id=agency.pk, now=now, rng=rng)

    # Locks and counts, once for the batch: accounts (spike bucket, reply limits), then people.
    comments = [i for i in items if i.message.kind == MessageKind.COMMENT]
    gate = AccountGate(
        agency_id=agency.pk,
        accounts={i.account for i in comments},
        now=now,
    )
    wanted = Counter(i.account for i in comments)
    guard_of = {i.account: spike_guard(i.rules) for i in comments}
    tokens = gate.spike_take_many({a: (n, guard_of[a]) for a, n in wanted.items()})
    dm_items = [
        i
        for i in items
        if i.message.kind == MessageKind.DM
        and i.result.action not in ("hide", "remove")
        and not i.to_person
    ]
    contacts = {
        c.pk: c
        for c in Contact.objects.select_for_update()
        .filter(keys_in(i.message.contact_id for i in dm_items))
        .order_by("pk")
    }
    allowance = DmAllowance(agency_id=agency.pk, contact_ids=list(contacts), now=now)
    sequence = _DmSequence(batch, contacts, allowance)

    for item in items:
        message, version, reasons = item.message, item.version, item.reasons
        crisis_route = crisis and crisis_risky_dm(item)
        in_spike = False
        if message.kind == MessageKind.COMMENT:
            # The first comments of the batch hold the tokens the bucket granted.
            tokens[item.account] -= 1
            in_spike = tokens[item.account] < 0
        if item.result.action in ("hide", "remove"):
            # The protective action first; a category that also escalates (threats) then
            # opens its case as well.
            hide = item.result.action == "hide"
            message.hidden, message.removed = message.hidden or hide, message.removed or not hide
            action = batch.record(
                kind=ActionKind.HIDE if hide else ActionKind.REMOVE,
                outcome=ActionOutcome.SENT,
                reasons=reasons,
                version=version,
                message=message,
                contact_id=message.contact_id,
            )
            action.sent_at = now
            # The connector gets the message and its author as objects.
            message.contact = Contact.from_db(
                action._state.db, AUTHOR_READS, (message.contact_id, *authors[message.contact_id])
            )
            action.message, action.contact = message, message.contact
            batch.immediate.append(action)
            if crisis_route:
                _escalate(batch, item, [*reasons, {"code": "crisis_dm"}], Level.LEGAL_PR)
            elif item.escalation_level is not None:
                _escalate(batch, item, reasons)
        elif crisis_route:
            reasons.append({"code": "crisis_dm"})
            _escalate(batch, item, reasons, Level.LEGAL_PR)
        elif item.to_person:
            level = item.escalation_level
            if (
                level == Level.HUMAN_REVIEW
                and item.result.action != "escalate"
                and not item.result.escalate_to
            ):
                reasons.append(
                    {
                        "code": "sentiment",
                        "score": message.sentiment,
                        "threshold": item.rules["sentiment_threshold"],
                    }
                )
            _escalate(batch, item, reasons)
        elif message.kind == MessageKind.DM:
            sequence.step(item)
        elif item.result.intent:
            _reply(batch, item, gate, crisis=crisis, in_spike=in_spike)
        else:
            batch.record(
                kind=ActionKind.NONE,
                outcome=ActionOutcome.DONE,
                reasons=reasons or [{"code": "nothing"}],
                version=version,
                message=message,
                contact_id=message.contact_id,
                audit=False,
            )
        message.reasons = reasons
        message.status = MessageStatus.TRIAGED

    allowance.settle()
    batch.flush(agency)
    sequence.save()
    # After the contacts are saved: a handler reads the address and consent from them.
    leads_captured(sequence.captured)
    gate.save()
    bulk_set(messages, MESSAGE_FIELDS)
    return batch.by_message


def crisis_risky_dm(item: _Item) -> bool:
    """Whether a DM is flagged risky: a moderation category matched it, or its tone or a
    category sends it to a person (a brand inquiry for the account manager is not risky).
    While crisis mode is on such a DM opens a Legal / PR case and gets no automated DM."""
    if item.message.kind != MessageKind.DM:
        return False
    if item.result.category:
        return True
    level = item.escalation_level
    brand = level == Level.ACCOUNT_MANAGER and item.result.route == "account_manager"
    return level is not None and not brand


def _escalate(
    batch: _Batch, item: _Item, reasons: list, level: int | None = None
) -> AutomatedAction:
    """Record the escalation and open the message's case at its level (a spike or a
    negative tone: human review; see `_Item.escalation_level`)."""
    message = item.message
    level = level or item.escalation_level or Level.HUMAN_REVIEW
    manager = level == Level.ACCOUNT_MANAGER and item.result.route == "account_manager"
    why = [*reasons, {"code": "escalated", "level": int(level)}]
    action = batch.record(
        kind=ActionKind.ESCALATE,
        outcome=ActionOutcome.DONE,
        reasons=why,
        version=item.version,
        message=message,
        contact_id=message.contact_id,
    )
    handle = item.handle
    if manager:
        title = f"Brand inquiry from @{handle}"
        title_data = {"code": "brand_inquiry", "handle": handle, "kind": message.kind}
    else:
        title = f"{message.get_kind_display()} from @{handle}"
        title_data = {
            "code": "message",
            "kind": message.kind,
            "handle": handle,
            "category": item.result.category,
        }
    batch.open_case(
        CaseSpec(
            title=title,
            level=level,
            message=message,
            reason="; ".join(reason_sentences(reasons)),
            reasons=list(reasons),
            title_data=title_data,
            to_account_manager=manager,
        ),
        action,
    )
    return action


def _reply(
    batch: _Batch, item: _Item, gate: AccountGate, *, crisis: bool, in_spike: bool
) -> AutomatedAction:
    """A public reply to a comment that matched an intent, within the account's limits."""
    message, rules, reasons = item.message, item.rules, item.reasons
    intent = next(i for i in rules["intents"] if i["name"] == item.result.intent)
    promotional = intent["promotional"]
    why: dict = {}
    if promotional and crisis:
        why = {"code": "crisis"}
    elif in_spike:
        reasons.append({"code": "spike", "account": message.account})
        return _escalate(batch, item, reasons, Level.HUMAN_REVIEW)
    else:
        limits = rules["limits"]
        why = gate.reply_take(
            item.account,
            hourly=limits["replies_per_account_per_hour"],
            daily=limits["replies_per_account_per_day"],
        )
    return batch.record(
        kind=ActionKind.REPLY,
        outcome=ActionOutcome.SUPPRESSED if why else ActionOutcome.SCHEDULED,
        reasons=[*reasons, why] if why else reasons,
        version=item.version,
        message=message,
        contact_id=message.contact_id,
        text=_template(intent["reply"], _language(message)),
        promotional=promotional,
        due_at=None if why else batch.now + random_delay(rules, batch.rng),
    )


@transaction.atomic
def messages_triage(
    *,
    message_ids: Sequence[int],
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> dict[int, list[AutomatedAction]]:
    """Apply the effective policy to a batch of messages (idempotent: triaged ones are
    skipped). Returns each triaged message's actions by message id.

    Locks the messages, then the accounts' counters, then the DM authors' contacts (see the
    module docstring). Records category, intent, reasons and policy version on each message
    and one `AutomatedAction` per decision, each audited with its policy version. The number
    of queries does not depend on the size of the batch.
    """
    now = now or timezone.now()
    messages = list(
        InboundMessage.objects.select_for_update()
        .only(*TRIAGE_READS)
        .filter(keys_in(message_ids), status=MessageStatus.NEW)
        .order_by("pk")
    )
    # The authors by primary key, apart: joined to the locked messages, a planner without
    # fresh statistics on the new rows (they arrive faster than autovacuum analyses) chose
    # a nested loop over the agency's every contact per message (50 ms of a 500-message
    # batch at 2,000 contacts, growing with them). As values: an instance per author cost
    # more than the rest of their reading.
    rows = Contact.objects.filter(keys_in(m.contact_id for m in messages)).order_by()
    authors = {pk: (platform, handle) for pk, platform, handle in rows.values_list(*AUTHOR_READS)}
    by_agency: dict[int, list[InboundMessage]] = defaultdict(list)
    for message in messages:
        by_agency[message.agency_id].append(message)
    actions: dict[int, list[AutomatedAction]] = {}
    for agency in Agency.objects.filter(pk__in=by_agency).order_by("pk"):
        actions.update(_triage_agency(agency, by_agency[agency.pk], authors, now, rng))
    return actions


def message_triage(
    *, message_id: int, now: datetime | None = None, rng: random.Random | None = None
) -> list[AutomatedAction]:
    """Triage one message (a batch of one); [] when it was already triaged."""
    return messages_triage(message_ids=[message_id], now=now, rng=rng).get(message_id, [])

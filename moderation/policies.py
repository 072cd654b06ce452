"""Policy services: create a policy, publish a new immutable version, crisis mode, SLAs."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from creators.models import Creator

from .crisis_hooks import crisis_listeners_notify
from .models import (
    DEFAULT_SLA_MINUTES,
    ActionOutcome,
    AutomatedAction,
    Holiday,
    Level,
    ModerationSettings,
    Policy,
    PolicyVersion,
    SlaRule,
)
from .rules import default_rules, validate_rules


def moderation_settings_get(*, agency: Agency) -> ModerationSettings:
    """The agency's moderation settings, created with a fresh webhook secret on first use."""
    settings_row, _ = ModerationSettings.objects.get_or_create(
        agency=agency, defaults={"webhook_secret": secrets.token_hex(32)}
    )
    return settings_row


@transaction.atomic
def policy_create(
    *,
    agency: Agency,
    actor,
    name: str,
    creator: Creator | None = None,
    rules: dict[str, Any] | None = None,
) -> Policy:
    """A new policy with version 1 (the default rules unless `rules` is given)."""
    if creator is not None and creator.agency_id != agency.pk:
        raise ValueError("creator of another agency")
    policy = Policy(agency=agency, creator=creator, name=name.strip())
    policy.full_clean()
    policy.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="policy.create",
        obj=policy,
        after={"name": policy.name, "creator": creator.pk if creator else None},
    )
    policy_version_publish(policy=policy, actor=actor, rules=rules or default_rules(), note="")
    policy.refresh_from_db()
    return policy


@transaction.atomic
def policy_version_publish(
    *, policy: Policy, actor, rules: dict[str, Any], note: str = ""
) -> PolicyVersion:
    """Validate `rules` and store them as the policy's next version, which becomes current.

    Locks the policy row so two editors saving at once get consecutive numbers. Earlier
    versions stay untouched: decisions already taken keep pointing at the one they used.
    """
    clean = validate_rules(rules)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    number = (policy.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion(
        agency_id=policy.agency_id,
        policy=policy,
        number=number,
        rules=clean,
        note=note.strip()[:200],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    version.full_clean()
    version.save()
    Policy.objects.filter(pk=policy.pk).update(current_version=version)
    audit_record(
        agency=policy.agency,
        actor=actor,
        action="policy.publish",
        obj=policy,
        after={"version": number, "note": version.note},
    )
    return version


def policy_ensure_default(*, agency: Agency) -> Policy:
    """The agency-wide policy, created with the default rules if the agency has none yet."""
    policy = Policy.objects.filter(agency=agency, creator__isnull=True).first()
    if policy is None:
        policy = policy_create(agency=agency, actor=None, name="Default policy")
    return policy


@transaction.atomic
def crisis_mode_set(*, agency: Agency, actor, enabled: bool) -> int:
    """Switch crisis mode; switching it on cancels every pending promotional reply at once.
    The registered crisis listeners (moderation/crisis_hooks.py) run in the same transaction.

    Returns the number of cancelled actions.
    """
    row = ModerationSettings.objects.select_for_update().get(
        pk=moderation_settings_get(agency=agency).pk
    )
    cancelled = 0
    if row.crisis_mode != enabled:
        now = timezone.now()
        row.crisis_mode = enabled
        row.crisis_since = now if enabled else None
        row.save(update_fields=["crisis_mode", "crisis_since"])
        # Higher apps act on the switch in this transaction (crisis freezes deliverables).
        crisis_listeners_notify(agency=agency, actor=actor, enabled=enabled, now=now)
        if enabled:
            cancelled = AutomatedAction.objects.filter(
                agency=agency, outcome=ActionOutcome.SCHEDULED, promotional=True
            ).update(outcome=ActionOutcome.CANCELLED)
        audit_record(
            agency=agency,
            actor=actor,
            action="moderation.crisis_on" if enabled else "moderation.crisis_off",
            obj=row,
            after={"crisis_mode": enabled, "cancelled_replies": cancelled},
        )
    return cancelled


def sla_rules_ensure(*, agency: Agency) -> list[SlaRule]:
    """One SLA rule per level, the defaults filled in for levels never configured."""
    table = sla_rules_ensure_many(agency_ids=[agency.pk])
    return [table[agency.pk, level] for level in Level]


def sla_rules_ensure_many(*, agency_ids: list[int]) -> dict[tuple[int, int], SlaRule]:
    """The SLA rule of every (agency id, level), defaults filled in (one query, two more
    the first time an agency needs its defaults)."""

    def load() -> dict[tuple[int, int], SlaRule]:
        rules = SlaRule.objects.filter(agency_id__in=agency_ids).select_related("assignee")
        return {(r.agency_id, r.level): r for r in rules}

    table = load()
    missing = [
        SlaRule(agency_id=agency_id, level=level, minutes=DEFAULT_SLA_MINUTES[level])
        for agency_id in set(agency_ids)
        for level in Level
        if (agency_id, level) not in table
    ]
    if missing:
        SlaRule.objects.bulk_create(missing, ignore_conflicts=True)
        table = load()
    return table


@transaction.atomic
def sla_rule_update(*, rule: SlaRule, actor, minutes: int, assignee) -> SlaRule:
    before = snapshot(rule, ["minutes", "assignee"])
    rule.minutes = minutes
    rule.assignee = assignee
    rule.full_clean()
    rule.save()
    audit_record(
        agency=rule.agency,
        actor=actor,
        action="sla.update",
        obj=rule,
        before=before,
        after=snapshot(rule, ["minutes", "assignee"]),
    )
    return rule


@transaction.atomic
def holiday_add(*, agency: Agency, actor, date, name: str) -> Holiday:
    holiday = Holiday(agency=agency, date=date, name=name.strip())
    holiday.full_clean()
    holiday.save()
    audit_record(
        agency=agency, actor=actor, action="holiday.add", obj=holiday, after={"date": date}
    )
    return holiday


@transaction.atomic
def holiday_delete(*, holiday: Holiday, actor) -> None:
    audit_record(
        agency=holiday.agency,
        actor=actor,
        action="holiday.delete",
        obj=holiday,
        before={"date": holiday.date, "name": holiday.name},
    )
    holiday.delete()

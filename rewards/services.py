"""Writes to bonus pools and bonus rules: keyword-only, atomic, validated, audited.

The daily evaluation that turns rules into awards lives in `rewards/evaluation.py`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency
from campaigns.models import Campaign
from core.money import minor_exponent, quantize

from .models import BonusPool, BonusRule, Kpi

POOL_FIELDS = ["campaign", "name", "amount", "currency", "period_start", "period_end"]
RULE_FIELDS = ["name", "kpi", "threshold", "amount", "window_days", "deliverable_kind"]
HUNDRED = Decimal(100)


def _check_amount(value: Decimal | None, currency: str, field: str, errors: dict) -> None:
    if value is None:
        return
    if value <= 0:
        errors[field] = _("Enter an amount above zero.")
    elif currency and value != quantize(value, currency):
        errors[field] = _("Use at most %(places)s decimals for %(currency)s.") % {
            "places": minor_exponent(currency),
            "currency": currency,
        }


def _clean_pool(agency: Agency, pool: BonusPool) -> None:
    pool.name = (pool.name or "").strip()
    errors: dict[str, str] = {}
    campaign: Campaign | None = pool.campaign if pool.campaign_id else None
    if campaign is None or campaign.agency_id != agency.pk:
        raise ValidationError({"campaign": _("Choose a campaign of this agency.")})
    if pool.currency != campaign.currency:
        errors["currency"] = _("The pool must be in the campaign's currency (%(currency)s).") % {
            "currency": campaign.currency
        }
    elif campaign.contract_id and campaign.contract.currency != pool.currency:
        errors["currency"] = _("The pool must be in the contract's currency (%(currency)s).") % {
            "currency": campaign.contract.currency
        }
    _check_amount(pool.amount, pool.currency, "amount", errors)
    if pool.amount is not None and pool.amount < pool.awarded_amount:
        errors["amount"] = _(
            "%(awarded)s %(currency)s is already awarded from this pool; it cannot hold less."
        ) % {"awarded": pool.awarded_amount, "currency": pool.currency}
    if pool.period_start and pool.period_end and pool.period_end < pool.period_start:
        errors["period_end"] = _("The period must end on or after its start.")
    if errors:
        raise ValidationError(errors)
    pool.full_clean()


@transaction.atomic
def pool_create(*, agency: Agency, actor, data: dict[str, Any]) -> BonusPool:
    """Create a bonus pool on one of the agency's campaigns, in its currency."""
    unknown = set(data) - set(POOL_FIELDS)
    if unknown:
        raise ValueError(f"pool_create cannot set {sorted(unknown)}")
    pool = BonusPool(agency=agency, **data)
    _clean_pool(agency, pool)
    pool.save()
    audit_record(
        agency=agency,
        actor=actor,
        action="bonus_pool.create",
        obj=pool,
        after=snapshot(pool, POOL_FIELDS),
    )
    return pool


@transaction.atomic
def pool_update(*, pool: BonusPool, actor, changes: dict[str, Any]) -> BonusPool:
    """Change a pool. Locks it: its amount never drops below what is already awarded, and
    once it has awards its campaign and currency stay."""
    unknown = set(changes) - set(POOL_FIELDS)
    if unknown:
        raise ValueError(f"pool_update cannot change {sorted(unknown)}")
    pool = BonusPool.objects.select_for_update().select_related("campaign").get(pk=pool.pk)
    before = snapshot(pool, POOL_FIELDS)
    for field, value in changes.items():
        setattr(pool, field, value)
    if pool.awards.exists() and (
        pool.campaign_id != before["campaign"] or pool.currency != before["currency"]
    ):
        raise ValidationError(
            {"currency": _("Bonuses were awarded from this pool: its campaign and currency stay.")}
        )
    _clean_pool(pool.agency, pool)
    pool.save()
    audit_record(
        agency=pool.agency,
        actor=actor,
        action="bonus_pool.update",
        obj=pool,
        before=before,
        after=snapshot(pool, POOL_FIELDS),
    )
    return pool


@transaction.atomic
def pool_delete(*, pool: BonusPool, actor) -> None:
    """Remove a pool and its rules; refused once it has awarded anything."""
    pool = BonusPool.objects.select_for_update().get(pk=pool.pk)
    if pool.awards.exists():
        raise ValidationError(
            _("Bonuses were awarded from this pool; it stays as the record of them.")
        )
    audit_record(
        agency=pool.agency,
        actor=actor,
        action="bonus_pool.delete",
        obj=pool,
        before=snapshot(pool, POOL_FIELDS),
    )
    pool.delete()


def _clean_rule(rule: BonusRule) -> None:
    rule.name = (rule.name or "").strip()
    pool = rule.pool
    errors: dict[str, str] = {}
    _check_amount(rule.amount, pool.currency, "amount", errors)
    if rule.amount is not None and rule.amount > pool.amount:
        errors["amount"] = _("The bonus cannot exceed the pool (%(amount)s %(currency)s).") % {
            "amount": pool.amount,
            "currency": pool.currency,
        }
    if rule.threshold is not None:
        if rule.threshold <= 0:
            errors["threshold"] = _("Enter a threshold above zero.")
        elif rule.kpi == Kpi.COMPLETION and rule.threshold > HUNDRED:
            errors["threshold"] = _("A completion threshold is a percentage up to 100.")
        elif rule.kpi in (Kpi.VIEWS, Kpi.CONVERSIONS) and rule.threshold != int(rule.threshold):
            errors["threshold"] = _("Views and conversions are counted in whole numbers.")
    if errors:
        raise ValidationError(errors)
    rule.full_clean()


@transaction.atomic
def rule_create(*, pool: BonusPool, actor, data: dict[str, Any]) -> BonusRule:
    """Add a per-asset bonus rule to `pool`."""
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"rule_create cannot set {sorted(unknown)}")
    rule = BonusRule(agency_id=pool.agency_id, pool=pool, **data)
    _clean_rule(rule)
    rule.save()
    audit_record(
        agency=pool.agency,
        actor=actor,
        action="bonus_rule.create",
        obj=rule,
        after=snapshot(rule, ["pool", *RULE_FIELDS]),
    )
    return rule


@transaction.atomic
def rule_update(*, rule: BonusRule, actor, changes: dict[str, Any]) -> BonusRule:
    """Change a rule. Awards it already made stand as they were (each keeps its KPI,
    threshold and amount)."""
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"rule_update cannot change {sorted(unknown)}")
    rule = BonusRule.objects.select_for_update().select_related("pool").get(pk=rule.pk)
    before = snapshot(rule, RULE_FIELDS)
    for field, value in changes.items():
        setattr(rule, field, value)
    _clean_rule(rule)
    rule.save()
    audit_record(
        agency=rule.pool.agency,
        actor=actor,
        action="bonus_rule.update",
        obj=rule,
        before=before,
        after=snapshot(rule, RULE_FIELDS),
    )
    return rule


@transaction.atomic
def rule_delete(*, rule: BonusRule, actor) -> None:
    """Remove a rule; refused once it has awarded anything."""
    rule = BonusRule.objects.select_for_update().select_related("pool").get(pk=rule.pk)
    if rule.awards.exists():
        raise ValidationError(_("This rule awarded bonuses; it stays as the record of them."))
    audit_record(
        agency=rule.pool.agency,
        actor=actor,
        action="bonus_rule.delete",
        obj=rule,
        before=snapshot(rule, ["pool", *RULE_FIELDS]),
    )
    rule.delete()

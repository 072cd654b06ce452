"""Forms check the shape of the input; the services check the rules (rewards/services.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES
from campaigns.models import DeliverableKind

from .models import BonusPool, BonusRule, Kpi

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=CURRENCY_CHOICES,
        help_text=_("The campaign's (and its contract's) currency."),
    )
    period_start = forms.DateField(label=_("Assets posted from"), widget=DATE)
    period_end = forms.DateField(label=_("Assets posted until"), widget=DATE)

    @staticmethod
    def initial_from(pool: BonusPool) -> dict:
        return {
            "name": pool.name,
            "amount": pool.amount,
            "currency": pool.currency,
            "period_start": pool.period_start,
            "period_end": pool.period_end,
        }


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kpi = forms.ChoiceField(label=_("KPI"), choices=Kpi.choices)
    threshold = forms.DecimalField(
        label=_("Threshold"),
        max_digits=14,
        decimal_places=2,
        help_text=_("The bonus is earned once the KPI reaches this value."),
    )
    amount = forms.DecimalField(label=_("Bonus"), max_digits=14, decimal_places=2)
    window_days = forms.IntegerField(
        label=_("Window (days)"),
        min_value=1,
        max_value=90,
        initial=30,
        help_text=_("The KPI counts what happened within this many days of posting."),
    )
    deliverable_kind = forms.ChoiceField(
        label=_("Asset kind"),
        choices=[("", _("Every kind")), *DeliverableKind.choices],
        required=False,
    )

    @staticmethod
    def initial_from(rule: BonusRule) -> dict:
        return {
            "name": rule.name,
            "kpi": rule.kpi,
            "threshold": rule.threshold,
            "amount": rule.amount,
            "window_days": rule.window_days,
            "deliverable_kind": rule.deliverable_kind,
        }

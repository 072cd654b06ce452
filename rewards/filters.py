"""Filters shared by the awards page and the API: `?campaign=&creator=&kpi=&capped=
&awarded_from=&awarded_to=&sort=`. Campaigns and creators come from the request's agency
only, so another agency's id is refused like an unknown one."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from creators.models import Creator

from .models import BonusAward, BonusPool, BonusRule, Kpi


def _agency_creators(request) -> QuerySet[Creator]:
    agency = getattr(request, "agency", None)
    return Creator.objects.filter(agency=agency) if agency else Creator.objects.none()


def _agency_campaigns(request) -> QuerySet[Campaign]:
    agency = getattr(request, "agency", None)
    return Campaign.objects.filter(agency=agency) if agency else Campaign.objects.none()


class AwardFilter(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(
        label=_("Campaign"), field_name="pool__campaign", queryset=_agency_campaigns
    )
    creator = django_filters.ModelChoiceFilter(label=_("Creator"), queryset=_agency_creators)
    kpi = django_filters.ChoiceFilter(label=_("KPI"), choices=Kpi.choices)
    capped = django_filters.BooleanFilter(label=_("Capped by the pool"))
    awarded_from = django_filters.DateFilter(
        label=_("Awarded from"), field_name="created_at", lookup_expr="date__gte"
    )
    awarded_to = django_filters.DateFilter(
        label=_("Awarded until"), field_name="created_at", lookup_expr="date__lte"
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort"),
        fields=(("created_at", "awarded"), ("amount", "amount"), ("kpi_value", "kpi_value")),
        # The descending labels too: django-filter would build them from the ascending ones
        # in English, once, when this module loads.
        field_labels={
            key: label
            for field, param, label in (
                ("created_at", "awarded", _("Award date")),
                ("amount", "amount", _("Amount")),
                ("kpi_value", "kpi_value", _("KPI value")),
            )
            for key, label in (
                (field, label),
                (f"-{param}", format_lazy(_("{label}, descending"), label=label)),
            )
        },
    )

    class Meta:
        model = BonusAward
        fields: list[str] = []

    @property
    def qs(self):
        # A stable order under every sort, newest first by default.
        queryset = super().qs
        ordering = list(queryset.query.order_by) or ["-created_at"]
        return queryset.order_by(*ordering, "-pk")


class PoolFilter(django_filters.FilterSet):
    campaign = django_filters.ModelChoiceFilter(label=_("Campaign"), queryset=_agency_campaigns)

    class Meta:
        model = BonusPool
        fields: list[str] = []


class RuleFilter(django_filters.FilterSet):
    pool = django_filters.NumberFilter(label=_("Pool"), field_name="pool_id")
    kpi = django_filters.ChoiceFilter(label=_("KPI"), choices=Kpi.choices)

    class Meta:
        model = BonusRule
        fields: list[str] = []

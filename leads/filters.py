"""The lead list's filters, shared by the page, the exports and the API, so one query string
means the same in all three: `?campaign=&creator=&follow_up=&converted=&q=&sort=`.

Campaign and creator choices come from the request's agency only, so another agency's id is
refused like an unknown one (a form error, 400 in the API).
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from creators.models import Creator

from .models import FollowUp, Lead

SORTS = [
    ("-captured_at", _("Newest first")),
    ("captured_at", _("Oldest first")),
    ("name", _("Name, A to Z")),
    ("-name", _("Name, Z to A")),
    ("follow_up_due_at", _("Follow-up due")),
]


def _agency_campaigns(request) -> QuerySet[Campaign]:
    agency = getattr(request, "agency", None)
    return Campaign.objects.filter(agency=agency) if agency else Campaign.objects.none()


def _agency_creators(request) -> QuerySet[Creator]:
    agency = getattr(request, "agency", None)
    return Creator.objects.filter(agency=agency) if agency else Creator.objects.none()


class LeadFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=100)
    campaign = django_filters.ModelChoiceFilter(label=_("Campaign"), queryset=_agency_campaigns)
    creator = django_filters.ModelChoiceFilter(label=_("Creator"), queryset=_agency_creators)
    follow_up = django_filters.ChoiceFilter(label=_("Follow-up"), choices=FollowUp.choices)
    converted = django_filters.BooleanFilter(
        label=_("Counted as a conversion"),
        field_name="conversion",
        lookup_expr="isnull",
        exclude=True,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Sort"), choices=SORTS, method="order", empty_label=None
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def search(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        value = value.strip().lstrip("@")
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(email__icontains=value)
            | Q(contact__handle__icontains=value)
        )

    def order(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.order_by(value, "-id") if value else queryset

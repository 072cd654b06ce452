"""The inbox's search, filters and sort: every inbound message, whatever was decided.

`?q=&creator=&account=&campaign=&kind=&decision=&date_from=&date_to=&sort=`
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter
from creators.models import Creator

from .models import ActionKind, AutomatedAction, InboundMessage, MessageKind, MessageStatus

DECISIONS = [
    ("hidden", _("Hidden")),
    ("removed", _("Removed")),
    ("escalated", _("Sent to a person")),
    ("replied", _("Automated reply")),
    ("dm", _("Automated DM")),
    ("none", _("No action")),
    ("pending", _("Waiting for triage")),
    ("failed", _("Triage failed")),
]
SORTS = {
    "newest": ("-sent_at", "-id"),
    "oldest": ("sent_at", "id"),
    "negative": ("sentiment", "-sent_at", "-id"),
    "positive": ("-sentiment", "-sent_at", "-id"),
}
SORT_CHOICES = [
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("negative", _("Most negative first")),
    ("positive", _("Most positive first")),
]


def _acted(kind: str) -> Exists:
    return Exists(AutomatedAction.objects.filter(message=OuterRef("pk"), kind=kind))


class MessageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=200,
        help_text=_("Words in the message, or the author's handle."),
    )
    creator = IdFilter(method="filter_creator", label=_("Creator"))
    account = django_filters.CharFilter(method="filter_account", label=_("Account"), max_length=100)
    campaign = django_filters.CharFilter(
        field_name="campaign_code", lookup_expr="iexact", label=_("Campaign code"), max_length=64
    )
    kind = django_filters.ChoiceFilter(
        choices=MessageKind.choices, empty_label=_("Comments and DMs"), label=_("Kind")
    )
    decision = django_filters.ChoiceFilter(
        choices=DECISIONS,
        method="filter_decision",
        empty_label=_("Any decision"),
        label=_("Decision"),
    )
    date_from = django_filters.DateFilter(
        field_name="sent_at",
        lookup_expr="date__gte",
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        field_name="sent_at",
        lookup_expr="date__lte",
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, method="filter_sort", empty_label=None, label=_("Sort")
    )

    class Meta:
        model = InboundMessage
        fields: list[str] = []

    def __init__(self, *args, creators: list[Creator] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.creators = creators or []
        # A select of the agency's creators; the filter itself accepts any id (another
        # agency's simply matches nothing, the queryset is the agency's).
        self.form.fields["creator"].widget = forms.Select(
            choices=[("", _("All creators")), *((c.pk, c.display_name) for c in self.creators)]
        )

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in value.split()[:5]:
            queryset = queryset.filter(
                Q(text__icontains=term) | Q(contact__handle__icontains=term.removeprefix("@"))
            )
        return queryset

    def filter_creator(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(creator_id=value)

    def filter_account(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(account__iexact=value.strip().removeprefix("@"))

    def filter_decision(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        triaged = Q(status=MessageStatus.TRIAGED)
        if value == "hidden":
            return queryset.filter(hidden=True, removed=False)
        if value == "removed":
            return queryset.filter(removed=True)
        if value == "escalated":
            return queryset.filter(_acted(ActionKind.ESCALATE))
        if value == "replied":
            return queryset.filter(_acted(ActionKind.REPLY))
        if value == "dm":
            return queryset.filter(_acted(ActionKind.DM))
        if value == "pending":
            return queryset.filter(status=MessageStatus.NEW)
        if value == "failed":
            return queryset.filter(status=MessageStatus.FAILED)
        acted = Exists(
            AutomatedAction.objects.filter(message=OuterRef("pk")).exclude(kind=ActionKind.NONE)
        )
        return queryset.filter(triaged, ~acted, hidden=False, removed=False)

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, SORTS["newest"]))

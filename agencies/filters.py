"""The audit log's filters for the API, meaning what the audit page's filters mean:
`?action=&actor=&object_type=&date_from=&date_to=&q=` (dates are days in the agency's time
zone, both ends included; `q` finds the object's name or id, or a system actor's label).

Unlike the page, which drops an invalid filter and shows its error beside it, the API answers
400 naming it. Actors are the agency's members and whoever appears in its log, so another
agency's user is refused like an unknown id.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import AuditLog


def _agency_actors(request):
    agency = getattr(request, "agency", None)
    if agency is None:  # the schema is being generated
        return AuditLog.objects.none()
    return selectors.audit_actors(agency=agency)


class _AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned


class AuditLogFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(label=_("Action"), max_length=80)
    actor = django_filters.ModelChoiceFilter(label=_("Actor"), queryset=_agency_actors)
    object_type = django_filters.CharFilter(label=_("Object type"), max_length=80)
    date_from = django_filters.DateFilter(label=_("From"))
    date_to = django_filters.DateFilter(label=_("Until"))
    q = django_filters.CharFilter(label=_("Object"), max_length=200)

    class Meta:
        model = AuditLog
        fields: list[str] = []
        form = _AuditFilterForm

    def filter_queryset(self, queryset: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
        """The page's selector with the valid filters (the view's queryset names the agency)."""
        data = self.form.cleaned_data
        actor = data.get("actor")
        return selectors.audit_entries(
            agency=self.request.agency,
            action=data.get("action") or "",
            actor_id=actor.pk if actor else None,
            object_type=data.get("object_type") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            text=(data.get("q") or "").strip(),
        )

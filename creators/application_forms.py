"""Program application forms: they check the shape of the input; the services in
`creators.applications` check the rules and their errors go back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .applications import MAX_REAPPLY_DAYS, MAX_REVIEW_WEEKS, MIN_REAPPLY_DAYS, MIN_REVIEW_WEEKS
from .models import ApplicationOutcome, Program

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class _ChecklistFields(forms.Form):
    review_weeks = forms.IntegerField(
        label=_("Review window (weeks)"),
        min_value=MIN_REVIEW_WEEKS,
        max_value=MAX_REVIEW_WEEKS,
        initial=MAX_REVIEW_WEEKS,
        help_text=_("The platform decides within 1 to 4 weeks."),
    )
    has_id_document = forms.BooleanField(label=_("ID document sent"), required=False)
    has_tax_information = forms.BooleanField(label=_("Tax information sent"), required=False)
    sample_posts = forms.CharField(
        label=_("Sample posts"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Links to 2 or 3 sample posts, one per line."),
    )
    id_name = forms.CharField(
        label=_("Name on the ID"),
        required=False,
        max_length=200,
        help_text=_("Compared with the legal name on file; a difference is flagged."),
    )


class ApplicationForm(_ChecklistFields):
    program = forms.ChoiceField(label=_("Program"), choices=Program.choices)
    submitted_on = forms.DateField(label=_("Submitted on"), widget=_DATE)
    field_order = ["program", "submitted_on", "review_weeks"]


class ApplicationEditForm(_ChecklistFields):
    """The checklist of an application already recorded (its program and date stay)."""


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (ApplicationOutcome.APPROVED, _("Approved")),
            (ApplicationOutcome.REJECTED, _("Rejected")),
        ],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=_DATE)
    rejection_reason = forms.CharField(
        label=_("Rejection reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("As the platform stated it (rejections only)."),
    )
    reapply_wait_days = forms.IntegerField(
        label=_("Wait before re-applying (days)"),
        required=False,
        min_value=MIN_REAPPLY_DAYS,
        max_value=MAX_REAPPLY_DAYS,
        help_text=_("Rejections only; empty: the agency's default."),
    )


class ReapplyWaitForm(forms.Form):
    reapply_wait_days = forms.IntegerField(
        label=_("Wait before re-applying (days)"),
        min_value=MIN_REAPPLY_DAYS,
        max_value=MAX_REAPPLY_DAYS,
        help_text=_("The default after a rejection, 14 to 30 days."),
    )


class ApplicationFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", _("Any")), *ApplicationOutcome.choices]
    )
    program = forms.ChoiceField(
        label=_("Program"), required=False, choices=[("", _("Any")), *Program.choices]
    )

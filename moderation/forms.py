from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership
from agencies.roles import Role
from core.request_json import JSONInputError, parse_json

from .models import CaseStatus, Level
from .rules import validate_rules


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    rules = forms.CharField(
        label=_("Rules (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text=_(
            "Categories with an action and matchers, intents with reply templates, the DM "
            "sequence, limits, the delay window, the sentiment threshold and the spike guard "
            "(comments an account may get at once, and how many per minute refill it)."
        ),
    )
    note = forms.CharField(label=_("Change note"), max_length=200, required=False)

    def clean_rules(self):
        try:
            data = parse_json(self.cleaned_data["rules"])
        except JSONInputError as exc:
            raise ValidationError(str(exc)) from None
        return validate_rules(data)


def staff_choices(agency):
    members = (
        Membership.objects.filter(agency=agency)
        .exclude(role=Role.CREATOR)
        .select_related("user")
        .order_by("user__email")
    )
    return [("", _("Unassigned"))] + [(str(m.user_id), m.user.email) for m in members]


class SlaRuleForm(forms.Form):
    minutes = forms.IntegerField(label=_("SLA (business minutes)"), min_value=1, max_value=43200)
    assignee = forms.ChoiceField(label=_("Default assignee"), required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = staff_choices(agency)


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *CaseStatus.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("Any")), *Level.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class CaseActionForm(forms.Form):
    ACTIONS = [
        ("note", _("Add note")),
        ("assign", _("Assign")),
        ("escalate", _("Escalate")),
        ("resolve", _("Resolve")),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    text = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = staff_choices(agency)


class CaseReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Posted from the creator's account: a public reply to a comment, a DM to the "
            "author of a DM."
        ),
    )


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))

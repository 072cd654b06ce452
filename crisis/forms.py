"""Crisis forms: a library reply, the library search, a drill record."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import Level

from .models import MAX_REPLY_CHARS, DrillOutcome, Language
from .services import MAX_DRILL_MINUTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReplyForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    text = forms.CharField(
        label=_("Reply"),
        max_length=MAX_REPLY_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sent as it is from the creator's account: keep it short and calm."),
    )


class ReplySearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("All languages")), *Language.choices],
    )


def level_field(level: Level) -> str:
    return f"level_{int(level)}"


class DrillForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    scenario = forms.CharField(
        label=_("Scenario"),
        max_length=200,
        help_text=_("What the mock escalation was about, e.g. a sponsor's product recall."),
    )
    participants = forms.MultipleChoiceField(
        label=_("Who took part"), required=False, widget=forms.CheckboxSelectMultiple
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=DrillOutcome.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [(str(u.pk), u.email) for u in members]
        for level in Level:
            self.fields[level_field(level)] = forms.IntegerField(
                label=_("Minutes to %(level)s") % {"level": level.label},
                required=False,
                min_value=0,
                max_value=MAX_DRILL_MINUTES,
            )

    def level_minutes(self) -> dict[str, int]:
        return {
            str(int(level)): self.cleaned_data[level_field(level)]
            for level in Level
            if self.cleaned_data.get(level_field(level)) is not None
        }

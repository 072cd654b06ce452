from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import ReportLanguage


class SponsorReportForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=ReportLanguage.choices, initial=ReportLanguage.EN
    )
    period_start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period must end on or after its start."))
        return data

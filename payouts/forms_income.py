"""The income-mix page's choices: how many months, and optionally one currency to convert
everything into (only where a rate is known)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import CURRENCY_CHOICES

from .income import DEFAULT_MONTHS, MAX_MONTHS


class IncomeMixForm(forms.Form):
    months = forms.IntegerField(
        label=_("Months"), min_value=1, max_value=MAX_MONTHS, initial=DEFAULT_MONTHS, required=False
    )
    convert_to = forms.ChoiceField(
        label=_("Also show in"),
        required=False,
        choices=[("", _("No conversion")), *CURRENCY_CHOICES],
        help_text=_("Converted at each month's last-day rate from the agency's rate book."),
    )

    def choices(self) -> tuple[int, str]:
        """The valid choices, or the defaults for what was not valid."""
        data = self.cleaned_data if self.is_valid() else {}
        return data.get("months") or DEFAULT_MONTHS, data.get("convert_to") or ""

"""The evidence pack request: which campaign's evidence to gather (by its code)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EvidencePackForm(forms.Form):
    campaign_code = forms.CharField(
        label=_("Campaign code"),
        max_length=40,
        help_text=_("The code the campaign's posts, messages and payout lines carry."),
    )

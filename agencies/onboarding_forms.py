"""The forms of the onboarding pages. They check the shape of the input; `agency_onboard`
checks the rules (a free web address, a supported currency …) and its errors land on the
fields through `core.formflow.add_service_errors`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import CURRENCY_CHOICES, TIMEZONE_CHOICES
from .onboarding import DEFAULT_CURRENCY, DEFAULT_TIMEZONE


class AgencyCreateForm(forms.Form):
    """An owner's further agency: they become its owner."""

    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=60,
        help_text=_(
            "Lowercase letters, digits and hyphens, e.g. acme-talent. The agency's pages "
            "live under /a/<web address>/."
        ),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"), choices=TIMEZONE_CHOICES, initial=DEFAULT_TIMEZONE
    )
    currency = forms.ChoiceField(
        label=_("Default currency"), choices=CURRENCY_CHOICES, initial=DEFAULT_CURRENCY
    )


class StaffAgencyCreateForm(AgencyCreateForm):
    """Platform staff start an agency for someone else."""

    owner_email = forms.EmailField(
        label=_("Owner's e-mail address"),
        help_text=_(
            "Someone who already has an account becomes the owner at once; anyone else is "
            "e-mailed an invitation."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
    )

    field_order = ["name", "slug", "owner_email", "timezone", "currency", "language"]

"""Roster forms. They check the shape of the input; the services check the rules (unique
e-mail, who may manage, which login) and their errors are put back on the form by
`core.formflow.add_service_errors`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agencies.models import Agency

from . import selectors
from .models import AccountType, Creator, CreatorStatus, Platform
from .services import split_niches


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() if hasattr(obj, "get_full_name") else ""
        return f"{name} <{obj.email}>" if name else obj.email


class CreatorForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=120)
    email = forms.EmailField(label=_("E-mail"))
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    account_type = forms.ChoiceField(
        label=_("Account type"), choices=AccountType.choices, initial=AccountType.CREATOR
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in (CreatorStatus.ACTIVE, CreatorStatus.PAUSED)],
        initial=CreatorStatus.ACTIVE,
        help_text=_("Offboard a creator from their page."),
    )
    account_manager = UserChoiceField(
        label=_("Account manager"),
        queryset=None,
        required=False,
        empty_label=_("Unassigned"),
    )
    user = UserChoiceField(
        label=_("Login"),
        queryset=None,
        required=False,
        empty_label=_("No login"),
        help_text=_("The creator's own login for the creator portal (a creator member)."),
    )
    niches = forms.CharField(
        label=_("Niches"),
        required=False,
        help_text=_("Separate niches with commas, e.g. beauty, finance."),
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args, agency: Agency, creator: Creator | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", "—"), *countries]
        self.fields["account_manager"].queryset = selectors.account_manager_choices(agency=agency)
        self.fields["user"].queryset = selectors.creator_login_choices(
            agency=agency, creator=creator
        )
        if creator is not None and creator.status == CreatorStatus.OFFBOARDED:
            # Offboarded creators come back through "Reactivate", which is audited as such.
            del self.fields["status"]

    @classmethod
    def initial_for(cls, creator: Creator) -> dict:
        return {
            "display_name": creator.display_name,
            "email": creator.email,
            "legal_name": creator.legal_name,
            "country": creator.country.code if creator.country else "",
            "date_of_birth": creator.date_of_birth,
            "account_type": creator.account_type,
            "status": creator.status,
            "account_manager": creator.account_manager_id,
            "user": creator.user_id,
            "niches": ", ".join(t.name for t in creator.niches.all()),
            "notes": creator.notes,
        }

    def clean_niches(self) -> list[str]:
        return split_niches(self.cleaned_data.get("niches", ""))


class SocialAccountForm(forms.Form):
    platform = forms.ChoiceField(label=_("Platform"), choices=Platform.choices)
    handle = forms.CharField(label=_("Handle"), max_length=101, help_text=_("With or without @."))
    profile_url = forms.URLField(
        label=_("Profile URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Leave empty to use the platform's address for the handle."),
    )
    followers = forms.IntegerField(label=_("Followers"), min_value=0, max_value=10**11, initial=0)


class OffboardForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the audit log."),
    )


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma- or semicolon-separated, first line the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    # What browsers send for .csv across systems (octet-stream on Windows without Excel);
    # the content itself is checked by the parser.
    ALLOWED_TYPES = frozenset(
        {
            "text/csv",
            "text/plain",
            "application/csv",
            "application/vnd.ms-excel",
            "application/octet-stream",
            "",
        }
    )

    def clean_file(self):
        return check_csv_upload(self.cleaned_data["file"])


def check_csv_upload(upload):
    """A CSV upload's size (CSV_IMPORT_MAX_BYTES) and type; the parser checks the content."""
    limit = settings.CSV_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(_("The file is larger than %(max)d kB.") % {"max": limit // 1024})
    name = (upload.name or "").lower()
    content_type = (getattr(upload, "content_type", "") or "").split(";")[0].strip()
    if not name.endswith((".csv", ".txt")) or content_type not in RosterImportForm.ALLOWED_TYPES:
        raise ValidationError(_("Upload a .csv file."))
    return upload

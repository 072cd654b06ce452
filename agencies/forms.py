from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from . import selectors
from .audit_display import action_sentence, object_type_label
from .logos import logo_file_name, logo_url
from .models import Agency
from .roles import Role
from .tokens import DEFAULT_TOKEN_LIFETIME, TOKEN_LIFETIMES

LOGO_MAX_BYTES = 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG"}
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class _CurrentLogo:
    """The current logo as the file input links it: the app's own address, never the
    storage's (a bucket URL)."""

    def __init__(self, agency: Agency):
        self.url = logo_url(agency)
        self.name = logo_file_name(agency)

    def __str__(self) -> str:
        return self.name


class LogoInput(forms.ClearableFileInput):
    def is_initial(self, value) -> bool:
        return isinstance(value, FieldFile) and bool(value)

    def format_value(self, value):
        if self.is_initial(value):
            return _CurrentLogo(value.instance)
        return super().format_value(value)


class AgencySettingsForm(forms.ModelForm):
    """The settings page. Validates only: `agency_update` writes (pass a fresh instance, the
    form copies its input onto it while validating)."""

    business_days = forms.TypedMultipleChoiceField(
        label=_("Business days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Service levels count time on these days only."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        widget=LogoInput(attrs={"accept": "image/png,image/jpeg"}),
        help_text=_("PNG or JPEG, at most 1 MB. Shown on sponsor reports."),
    )

    class Meta:
        model = Agency
        fields = [
            "name",
            "timezone",
            "default_currency",
            "business_days",
            "business_day_start",
            "business_day_end",
            "brand_color",
            "logo",
            "require_mfa",
        ]
        widgets = {
            "business_day_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "business_day_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "brand_color": forms.TextInput(attrs={"type": "color"}),
        }

    def clean_business_days(self) -> list[int]:
        return sorted(set(self.cleaned_data["business_days"]))

    def clean_brand_color(self) -> str:
        return self.cleaned_data["brand_color"].strip().lower()

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if not isinstance(logo, UploadedFile):
            return logo  # unchanged (the current file), cleared (False) or none
        if logo.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("This file is %(size)s; a logo may be at most 1 MB."),
                code="too_large",
                params={"size": filesizeformat(logo.size)},
            )
        try:
            logo.seek(0)
            with Image.open(logo) as image:
                image_format = image.format
                image.verify()
        except (
            Image.DecompressionBombError,
            UnidentifiedImageError,
            OSError,
            SyntaxError,
            ValueError,
        ):
            raise forms.ValidationError(
                _("This file is not a readable PNG or JPEG image."), code="invalid_image"
            ) from None
        if image_format not in LOGO_FORMATS:
            raise forms.ValidationError(
                _("Upload a PNG or JPEG image (this file is %(format)s)."),
                code="wrong_format",
                params={"format": image_format},
            )
        logo.seek(0)
        return logo

    def changes(self) -> dict:
        """The cleaned values for `agency_update`; the logo only when replaced or cleared."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields if name != "logo"}
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            data["logo"] = logo
        elif logo is False:
            data["logo"] = None
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MANAGER)
    creator = forms.ModelChoiceField(
        label=_("Roster entry"),
        queryset=None,
        required=False,
        empty_label=_("— match by e-mail or link later —"),
        help_text=_("For a creator: the roster entry this login will see."),
    )

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["creator"].queryset = selectors.invitable_creators(agency=agency)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("creator") and cleaned.get("role") != Role.CREATOR:
            self.add_error(
                "creator", _("Only an invitation with the creator role links a roster entry.")
            )
        return cleaned


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.ModelChoiceField(
        label=_("Actor"), queryset=None, required=False, empty_label=_("Anyone")
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Object"), required=False, max_length=200)

    def __init__(self, *args, agency: Agency, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["action"].choices = everything + [
            (a, action_sentence(a)) for a in selectors.audit_actions(agency=agency)
        ]
        self.fields["object_type"].choices = everything + [
            (t, object_type_label(t)) for t in selectors.audit_object_types(agency=agency)
        ]
        self.fields["actor"].queryset = selectors.audit_actors(agency=agency)
        self.fields["actor"].label_from_instance = lambda user: user.email

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters as keyword arguments for `selectors.audit_entries`; an invalid
        one is left out (its error shows next to it)."""
        data = self.cleaned_data if self.is_bound else {}
        actor = data.get("actor")
        return {
            "action": data.get("action") or "",
            "actor_id": actor.pk if actor else None,
            "object_type": data.get("object_type") or "",
            "date_from": data.get("date_from") if "date_to" not in self.errors else None,
            "date_to": data.get("date_to") if "date_to" not in self.errors else None,
            "text": (data.get("q") or "").strip(),
        }


def _lifetime_choices() -> list[tuple[int, str]]:
    """Evaluated when the form is shown, so the days read in the reader's language."""
    return [
        (days, ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
        for days in TOKEN_LIFETIMES
    ]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        help_text=_("What uses it, e.g. “Accounting export” or “Reporting script”."),
    )
    lifetime_days = forms.TypedChoiceField(
        label=_("Valid for"),
        coerce=int,
        choices=_lifetime_choices,
        initial=DEFAULT_TOKEN_LIFETIME,
        required=False,
        empty_value=DEFAULT_TOKEN_LIFETIME,
        help_text=_("After this the token stops working; create a new one to carry on."),
    )


class AcceptInvitationForm(forms.Form):
    """A new account from an invitation: the address comes from the invitation itself."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned

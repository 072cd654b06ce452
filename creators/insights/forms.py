"""Insight forms: they check the shape of the input; the services check the rules and their
errors go back on the form (`core.formflow.add_service_errors`)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from agencies.models import CURRENCY_CHOICES, Agency
from creators import selectors
from creators.forms import check_csv_upload
from creators.metrics_import import ACCOUNTS, VIDEOS
from creators.models import Creator, NicheTag, Program, SocialAccount, Tier

from .rate_cards import TIER_ORDER, Band


class _AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SocialAccount) -> str:
        return f"{obj.get_platform_display()} @{obj.handle}"


def _account_field(creator: Creator) -> _AccountChoiceField:
    queryset = SocialAccount.objects.filter(agency_id=creator.agency_id, creator=creator).order_by(
        "platform", "-followers"
    )
    return _AccountChoiceField(label=_("Account"), queryset=queryset, empty_label=None)


class SnapshotForm(forms.Form):
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    followers = forms.IntegerField(label=_("Followers"), min_value=0, max_value=10**11)
    views_last_30_days = forms.IntegerField(
        label=_("Views in the last 30 days"), min_value=0, max_value=10**13
    )
    audience_country = forms.ChoiceField(
        label=_("Top audience country"),
        required=False,
        help_text=_("Where most viewers are; empty: the creator's own country is used."),
    )

    def __init__(self, *args, creator: Creator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"account": _account_field(creator), **self.fields}
        self.fields["audience_country"].choices = [("", "—"), *countries]


class VideoForm(forms.Form):
    platform_video_id = forms.CharField(label=_("Video id"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    posted_at = forms.DateTimeField(
        label=_("Posted"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the agency's time zone."),
    )
    duration_seconds = forms.IntegerField(
        label=_("Duration (seconds)"),
        min_value=1,
        max_value=24 * 60 * 60,
        help_text=_("Creativity Program rewards only videos longer than 60 seconds."),
    )
    views = forms.IntegerField(label=_("Views"), min_value=0, max_value=10**13)
    qualified_views = forms.IntegerField(
        label=_("Qualified views"), min_value=0, max_value=10**13, initial=0
    )
    average_watch_seconds = forms.DecimalField(
        label=_("Average watch time (seconds)"),
        min_value=0,
        max_digits=9,
        decimal_places=2,
        required=False,
    )

    def __init__(self, *args, creator: Creator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"account": _account_field(creator), **self.fields}

    def clean(self):
        data = super().clean()
        views, qualified = data.get("views"), data.get("qualified_views")
        if views is not None and qualified is not None and qualified > views:
            self.add_error("qualified_views", _("Qualified views cannot be more than the views."))
        return data


class StrikeForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the strike"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class MetricsImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[
            (ACCOUNTS, _("Account figures: one row per account and day")),
            (VIDEOS, _("Videos: one row per video")),
        ],
        widget=forms.RadioSelect,
        initial=ACCOUNTS,
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, comma- or semicolon-separated, first line the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        # The same size and type rules as the roster import.
        return check_csv_upload(self.cleaned_data["file"])


class RateCardForm(forms.Form):
    """The four tiers as one form: `<tier>_min_followers`, `<tier>_fee_min`, `<tier>_fee_max`."""

    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES)

    def __init__(self, *args, bands: list[Band], **kwargs):
        initial = {"currency": bands[0].currency if bands else "USD"}
        for band in bands:
            initial[f"{band.tier}_min_followers"] = band.min_followers
            initial[f"{band.tier}_fee_min"] = band.fee_min
            initial[f"{band.tier}_fee_max"] = band.fee_max
        super().__init__(*args, initial=initial, **kwargs)
        for tier in TIER_ORDER:
            label = Tier(tier).label
            self.fields[f"{tier}_min_followers"] = forms.IntegerField(
                label=_("%(tier)s: from followers") % {"tier": label},
                min_value=0,
                max_value=10**11,
            )
            self.fields[f"{tier}_fee_min"] = forms.DecimalField(
                label=_("%(tier)s: fee from") % {"tier": label},
                min_value=0,
                max_digits=12,
                decimal_places=2,
            )
            self.fields[f"{tier}_fee_max"] = forms.DecimalField(
                label=_("%(tier)s: fee up to") % {"tier": label},
                min_value=0,
                max_digits=12,
                decimal_places=2,
                required=False,
                help_text=_("Empty: open-ended.") if tier == Tier.MEGA else "",
            )

    def tier_rows(self):
        """The bound fields per tier, for a table layout."""
        return [
            (
                Tier(tier).label,
                self[f"{tier}_min_followers"],
                self[f"{tier}_fee_min"],
                self[f"{tier}_fee_max"],
            )
            for tier in TIER_ORDER
        ]

    def tiers(self) -> dict[str, dict]:
        data = self.cleaned_data
        return {
            tier: {
                "min_followers": data.get(f"{tier}_min_followers"),
                "fee_min": data.get(f"{tier}_fee_min"),
                "fee_max": data.get(f"{tier}_fee_max"),
            }
            for tier in TIER_ORDER
        }


class RpmRateForm(forms.Form):
    program = forms.ChoiceField(label=_("Program"), choices=Program.choices)
    country = forms.ChoiceField(label=_("Audience country"), required=False)
    niche = forms.ModelChoiceField(
        label=_("Niche"), queryset=NicheTag.objects.none(), required=False, empty_label=_("Any")
    )
    rpm_low = forms.DecimalField(
        label=_("RPM low (USD per 1,000 views)"), min_value=0, max_digits=8, decimal_places=4
    )
    rpm_high = forms.DecimalField(
        label=_("RPM high (USD per 1,000 views)"), min_value=0, max_digits=8, decimal_places=4
    )

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("Any")), *countries]
        self.fields["niche"].queryset = selectors.agency_niches(agency=agency)

    def clean(self):
        data = super().clean()
        low, high = data.get("rpm_low"), data.get("rpm_high")
        if low is not None and high is not None and low > high:
            self.add_error("rpm_high", _("The high RPM must be at least the low one."))
        return data


class UpliftForm(forms.Form):
    q4_uplift = forms.DecimalField(
        label=_("Q4 uplift"),
        min_value=Decimal("1.00"),
        max_value=Decimal("3.00"),
        max_digits=4,
        decimal_places=2,
        help_text=_("Multiplier on the RPM for October to December; 1.00 means none."),
    )

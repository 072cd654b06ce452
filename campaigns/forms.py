from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.roles import Role
from creators.models import Creator

from .checklist import parse_tags
from .models import (
    Campaign,
    Checklist,
    Contract,
    ContractStatus,
    ConversionEvent,
    Deliverable,
    Experiment,
    MetricSnapshot,
    Sponsor,
    UsageChannel,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def staff_users(agency: Agency, roles=(Role.OWNER, Role.MANAGER)):
    return (
        get_user_model()
        .objects.filter(memberships__agency=agency, memberships__role__in=list(roles))
        .order_by("email")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


def _https_urls(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SponsorForm(forms.ModelForm):
    class Meta:
        model = Sponsor
        formfield_callback = _https_urls
        fields = [
            "brand",
            "category",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContractForm(forms.ModelForm):
    creators = forms.ModelMultipleChoiceField(
        label=_("Creators"), queryset=Creator.objects.none(), widget=forms.SelectMultiple
    )
    account_manager = UserChoiceField(label=_("Account manager"), queryset=None, required=False)
    usage_channels = forms.MultipleChoiceField(
        label=_("Usage rights channels"),
        choices=UsageChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    commission_percent = forms.DecimalField(
        label=_("Agency commission (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=6,
        decimal_places=2,
        help_text=_("On payouts earned under this contract. Blank: the creator's rate."),
    )
    confirm_conflicts = forms.BooleanField(
        label=_("Save despite the exclusivity conflicts (signing will need an owner's override)"),
        required=False,
    )

    class Meta:
        model = Contract
        fields = [
            "title",
            "sponsor",
            "creators",
            "account_manager",
            "fee",
            "currency",
            "payment_terms",
            "start_date",
            "end_date",
            "exclusivity_category",
            "exclusivity_worldwide",
            "exclusivity_territory",
            "exclusivity_start",
            "exclusivity_end",
            "usage_channels",
            "usage_rights_until",
            "paid_ads_allowed",
            "attribution_requirements",
            "indemnification",
            "platform_rewards_allowed",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "exclusivity_start": DATE,
            "exclusivity_end": DATE,
            "usage_rights_until": DATE,
            "attribution_requirements": forms.Textarea(attrs={"rows": 2}),
            "indemnification": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["sponsor"].queryset = Sponsor.objects.for_agency(agency)
        self.fields["creators"].queryset = Creator.objects.for_agency(agency).order_by(
            "display_name"
        )
        self.fields["account_manager"].queryset = staff_users(agency)
        if not self.instance.pk:
            self.fields["currency"].initial = agency.default_currency
        else:
            self.fields["creators"].initial = list(self.instance.creators.all())
            if self.instance.commission_rate is not None:
                self.fields["commission_percent"].initial = (
                    self.instance.commission_rate * 100
                ).normalize()

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("creators", None)
        data.pop("confirm_conflicts", None)
        percent = data.pop("commission_percent", None)
        # Shown as a percentage like the commission pages; stored as a 0..1 rate.
        data["commission_rate"] = (
            None if percent is None else (percent / 100).quantize(Decimal("0.0001"))
        )
        return data


class ContractTransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=ContractStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    override_reason = forms.CharField(
        label=_("Override reason (owners only)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ContractPdfForm(forms.Form):
    signed_pdf = forms.FileField(label=_("Signed PDF"))


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "code",
            "sponsor",
            "contract",
            "start_date",
            "end_date",
            "budget",
            "currency",
            "attribution_window_days",
            "brief",
        ]
        widgets = {"start_date": DATE, "end_date": DATE, "brief": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = Sponsor.objects.for_agency(agency)
        self.fields["contract"].queryset = Contract.objects.for_agency(agency).select_related(
            "sponsor"
        )
        if not self.instance.pk:
            self.fields["currency"].initial = agency.default_currency

    def clean_code(self) -> str:
        return (self.cleaned_data.get("code") or "").strip().upper()


class ChecklistForm(forms.ModelForm):
    required_hashtags = forms.CharField(
        label=_("Required hashtags"),
        required=False,
        help_text=_("Separated by spaces or commas, e.g. #ad #SpringDrop"),
    )
    required_mentions = forms.CharField(
        label=_("Required mentions"),
        required=False,
        help_text=_("Separated by spaces or commas, e.g. @brand"),
    )
    approver = UserChoiceField(label=_("Designated approver"), queryset=None, required=False)

    class Meta:
        model = Checklist
        fields = [
            "disclosure_text",
            "required_hashtags",
            "required_mentions",
            "draft_due_date",
            "publish_by_date",
            "approver",
        ]
        widgets = {"draft_due_date": DATE, "publish_by_date": DATE}

    def __init__(self, *args, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = staff_users(agency)
        if self.instance.pk and not self.is_bound:
            self.initial["required_hashtags"] = " ".join(self.instance.required_hashtags)
            self.initial["required_mentions"] = " ".join(self.instance.required_mentions)

    def clean_required_hashtags(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("required_hashtags") or "", "#")

    def clean_required_mentions(self) -> list[str]:
        return parse_tags(self.cleaned_data.get("required_mentions") or "", "@")


class DeliverableForm(forms.ModelForm):
    class Meta:
        model = Deliverable
        fields = [
            "creator",
            "kind",
            "platform",
            "due_date",
            "fee",
            "video_duration_seconds",
            "experiment",
            "variant",
            "caption",
        ]
        widgets = {"due_date": DATE, "caption": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creator"].queryset = Creator.objects.for_agency(campaign.agency)
        self.fields["experiment"].queryset = Experiment.objects.filter(campaign=campaign)
        self.fields["due_date"].required = False


class SubmitDraftForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), widget=forms.Textarea(attrs={"rows": 5}))
    video_duration_seconds = forms.IntegerField(
        label=_("Video duration (seconds)"), required=False, min_value=0, max_value=86400
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("changes", _("Request changes"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment for the creator"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PostedForm(forms.Form):
    post_url = forms.URLField(
        label=_("Link to the live post"), max_length=200, assume_scheme="https"
    )
    post_id = forms.CharField(label=_("Post id"), required=False, max_length=64)
    posted_at = forms.DateTimeField(
        label=_("Posted at"), required=False, widget=DATETIME, help_text=_("Empty means now.")
    )
    video_duration_seconds = forms.IntegerField(
        label=_("Video duration (seconds)"), required=False, min_value=0, max_value=86400
    )


class SnapshotImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: deliverable_id or post_id, captured_at, views, likes, comments, shares, "
            "saves, avg_watch_seconds, completion_25, completion_50, completion_75, "
            "completion_100, unique_reach."
        ),
    )


class SnapshotForm(forms.ModelForm):
    class Meta:
        model = MetricSnapshot
        fields = [
            "captured_at",
            "views",
            "likes",
            "comments",
            "shares",
            "saves",
            "avg_watch_seconds",
            "completion_25",
            "completion_50",
            "completion_75",
            "completion_100",
            "unique_reach",
        ]
        widgets = {"captured_at": DATETIME}


class ConversionForm(forms.ModelForm):
    class Meta:
        model = ConversionEvent
        fields = ["kind", "occurred_at", "value", "currency", "external_id", "creator"]
        widgets = {"occurred_at": DATETIME}

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["creator"].queryset = Creator.objects.filter(
            deliverables__campaign=campaign
        ).distinct()
        self.fields["currency"].initial = campaign.currency


class ExperimentForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = [
            "name",
            "hypothesis",
            "metric",
            "variant_a_label",
            "variant_b_label",
            "holdout_percent",
            "start_date",
            "end_date",
        ]
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "hypothesis": forms.Textarea(attrs={"rows": 2}),
        }

"""Roster API shapes. Serializers check the input's shape only; the API views hand the
validated data to the services, which apply the rules and write the audit log."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.countries import CountryField

from . import selectors
from .models import Creator, CreatorStatus, NicheTag, SocialAccount, Tier


class SocialAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = SocialAccount
        fields = [
            "id",
            "platform",
            "handle",
            "profile_url",
            "followers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            # The model's default is for old rows; a new account names its platform.
            "platform": {"required": True},
            "handle": {"help_text": _("With or without @; letters, digits, . _ and -.")},
            "profile_url": {"help_text": _("Empty: the platform's address for the handle.")},
        }


class NicheNamesField(serializers.ListField):
    """Niche names; unknown names are created (matched case-insensitively)."""

    child = serializers.CharField(max_length=NicheTag._meta.get_field("name").max_length)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


# Only for roles in permissions.PERSONAL_DATA_VIEW (and the creator's own profile).
PERSONAL_FIELDS = ("legal_name", "date_of_birth")
PERSONAL_HELP = _("Owners and account managers only: left out of the answer for other roles.")


class CreatorSerializer(serializers.ModelSerializer):
    """A roster entry. The legal name and date of birth are there only when the context says
    `personal_data` (the view decides by role): without it they are left out, not blanked."""

    personal_data_always = False
    country = CountryField(allow_blank=True, required=False)
    status = serializers.ChoiceField(
        choices=CreatorStatus.choices,
        required=False,
        help_text=_("active or paused; offboard and reactivate through their own endpoints."),
    )
    account_manager = serializers.SlugRelatedField(
        slug_field="email",
        queryset=get_user_model().objects.none(),
        allow_null=True,
        required=False,
        help_text=_("E-mail of an owner or account manager of the agency."),
    )
    login = serializers.SlugRelatedField(
        source="user",
        slug_field="email",
        queryset=get_user_model().objects.none(),
        allow_null=True,
        required=False,
        help_text=_("E-mail of the creator member whose login opens this profile."),
    )
    niches = NicheNamesField(required=False)
    social_accounts = SocialAccountSerializer(many=True, read_only=True)
    total_followers = serializers.IntegerField(read_only=True)
    tier = serializers.ChoiceField(
        choices=Tier.choices,
        read_only=True,
        allow_null=True,
        help_text=_("Brand-deal tier of the largest account (the agency's rate card)."),
    )

    class Meta:
        model = Creator
        fields = [
            "id",
            "display_name",
            "legal_name",
            "email",
            "country",
            "date_of_birth",
            "account_type",
            "status",
            "account_manager",
            "login",
            "niches",
            "notes",
            "social_accounts",
            "total_followers",
            "tier",
            "created_at",
            "updated_at",
            "offboarded_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at", "offboarded_at"]
        extra_kwargs = {name: {"help_text": PERSONAL_HELP} for name in PERSONAL_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.personal_data_always or self.context.get("personal_data") is True):
            for name in PERSONAL_FIELDS:
                self.fields.pop(name, None)
        agency = self.context.get("agency")
        # Only the agency's own people can be named; anyone else reads as "does not exist".
        if agency is not None:
            fields = self.fields
            fields["account_manager"].queryset = selectors.account_manager_choices(agency=agency)
            if "login" in fields:
                fields["login"].queryset = selectors.creator_members(agency=agency)

    def validate_status(self, value: str) -> str:
        current = self.instance.status if isinstance(self.instance, Creator) else None
        if value == CreatorStatus.OFFBOARDED and current != CreatorStatus.OFFBOARDED:
            raise serializers.ValidationError(
                _("Offboard a creator with POST …/creators/<id>/offboard/.")
            )
        if current == CreatorStatus.OFFBOARDED and value != CreatorStatus.OFFBOARDED:
            raise serializers.ValidationError(
                _("Reactivate an offboarded creator with POST …/creators/<id>/reactivate/.")
            )
        return value


_datetime = serializers.DateTimeField()
_date = serializers.DateField()


def _when(value):
    return None if value is None else _datetime.to_representation(value)


def _account_row(account: SocialAccount) -> dict:
    return {
        "id": account.pk,
        "platform": account.platform,
        "handle": account.handle,
        "profile_url": account.profile_url,
        "followers": account.followers,
        "created_at": _when(account.created_at),
        "updated_at": _when(account.updated_at),
    }


# What a row of the list needs from a creator of `selectors.roster_rows`, by field name;
# the same values CreatorSerializer gives (tests/creators/test_api.py compares them).
_ROW_VALUES = {
    "id": lambda c: c.pk,
    "display_name": lambda c: c.display_name,
    "legal_name": lambda c: c.legal_name,
    "email": lambda c: c.email,
    "date_of_birth": lambda c: (
        None if c.date_of_birth is None else _date.to_representation(c.date_of_birth)
    ),
    "account_type": lambda c: c.account_type,
    "status": lambda c: c.status,
    "account_manager": lambda c: c.account_manager.email if c.account_manager_id else None,
    "login": lambda c: c.user.email if c.user_id else None,
    "niches": lambda c: [tag.name for tag in c.niche_list],
    "notes": lambda c: c.notes,
    "social_accounts": lambda c: [_account_row(a) for a in c.account_list],
    "total_followers": lambda c: c.total_followers,
    "tier": lambda c: c.tier,
    "created_at": lambda c: _when(c.created_at),
    "updated_at": lambda c: _when(c.updated_at),
    "offboarded_at": lambda c: _when(c.offboarded_at),
}


class CreatorRowSerializer(CreatorSerializer):
    """A row of the roster list (read only): CreatorSerializer's fields, each written
    straight from a creator of `selectors.roster_rows`. DRF's field-by-field path (and a
    nested serializer per social account) was most of the list's time; a field without a
    plain value here still goes through its DRF field."""

    def to_representation(self, instance: Creator) -> dict:
        country = self.fields["country"]
        row = {}
        for name, field in self.fields.items():
            if field.write_only:
                continue
            value = _ROW_VALUES.get(name)
            if name == "country":
                row[name] = country.to_representation(instance.country)
            elif value is not None:
                row[name] = value(instance)
            else:
                attribute = field.get_attribute(instance)
                row[name] = None if attribute is None else field.to_representation(attribute)
        return row


class CreatorProfileSerializer(CreatorSerializer):
    """What a creator sees of their own profile: no internal notes; their own legal name and
    date of birth."""

    login = None
    personal_data_always = True

    class Meta(CreatorSerializer.Meta):
        fields = [f for f in CreatorSerializer.Meta.fields if f not in {"notes", "login"}]
        read_only_fields = fields
        extra_kwargs: dict = {}


class OffboardSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text=_("Kept in the audit log.")
    )

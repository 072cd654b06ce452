"""API shapes for leads (read-only: leads are written by the DM sequence, never by hand)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import FollowUp, Lead
from .permissions import EMAIL_VIEW
from .selectors import masked_email


@extend_schema_field({"type": "string", "enum": FollowUp.values}, component_name="LeadFollowUpEnum")
class FollowUpField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=FollowUp.choices, **kwargs)


class LeadSerializer(serializers.ModelSerializer):
    email = serializers.SerializerMethodField(
        help_text="The address for owners and account managers; masked for other roles."
    )
    email_masked = serializers.SerializerMethodField(
        help_text="True when `email` is masked for the caller's role."
    )
    handle = serializers.CharField(source="contact.handle", read_only=True)
    platform = serializers.CharField(source="contact.platform", read_only=True)
    creator_name = serializers.CharField(
        source="creator.display_name", read_only=True, default=None
    )
    campaign_code = serializers.CharField(source="campaign.code", read_only=True, default=None)
    follow_up = FollowUpField(read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "email",
            "email_masked",
            "handle",
            "platform",
            "language",
            "creator",
            "creator_name",
            "campaign",
            "campaign_code",
            "deliverable",
            "conversion",
            "opted_in_at",
            "consented_at",
            "captured_at",
            "follow_up",
            "follow_up_due_at",
        ]
        read_only_fields = fields

    def _sees_email(self) -> bool:
        request = self.context.get("request")
        membership = getattr(request, "membership", None)
        return membership is not None and membership.role in EMAIL_VIEW

    def get_email(self, lead: Lead) -> str:
        return lead.email if self._sees_email() else masked_email(lead.email)

    def get_email_masked(self, lead: Lead) -> bool:
        return not self._sees_email()


class LeadDetailSerializer(LeadSerializer):
    source_message_text = serializers.CharField(
        source="source_message.text", read_only=True, default=None
    )
    first_comment_text = serializers.CharField(
        source="first_comment.text", read_only=True, default=None
    )
    follow_up_action = serializers.PrimaryKeyRelatedField(read_only=True)
    follow_up_outcome = serializers.CharField(
        source="follow_up_action.outcome", read_only=True, default=None
    )

    class Meta(LeadSerializer.Meta):
        fields = [
            *LeadSerializer.Meta.fields,
            "source_message",
            "source_message_text",
            "first_comment",
            "first_comment_text",
            "follow_up_action",
            "follow_up_outcome",
        ]
        read_only_fields = fields

"""The API twin of the connections pages: an agency's linked platform accounts with the state
of each grant, and disconnecting one (linking itself happens in a browser, through TikTok)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin

from . import selectors, services
from .models import PlatformAccount
from .permissions import ACCOUNTS_LINK, ACCOUNTS_VIEW


class PlatformAccountSerializer(serializers.ModelSerializer):
    # Plain strings: their choices are listed here rather than as schema enums of their own
    # (the names `status` and `platform` are taken by other apps' enums).
    platform = serializers.CharField(read_only=True, help_text="tiktok")
    status = serializers.CharField(read_only=True, help_text="linked, reconnect or disconnected")
    token_state = serializers.SerializerMethodField(
        help_text="valid, refresh_soon, expired (renewed at the next sync), reauthorize_soon, "
        "reconnect or disconnected"
    )
    missing_scopes = serializers.SerializerMethodField(
        help_text="scopes Talentdesk asks for that the creator did not grant"
    )

    class Meta:
        model = PlatformAccount
        fields = [
            "id",
            "creator",
            "platform",
            "external_id",
            "handle",
            "display_name",
            "status",
            "status_reason",
            "scopes",
            "missing_scopes",
            "token_state",
            "access_expires_at",
            "refresh_expires_at",
            "linked_at",
            "last_synced_at",
            "last_sync_summary",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_token_state(self, account: PlatformAccount) -> str:
        return selectors.account_view(account).token_state

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_scopes(self, account: PlatformAccount) -> list[str]:
        return selectors.account_view(account).missing_scopes


class DisconnectResultSerializer(PlatformAccountSerializer):
    revoked = serializers.BooleanField(
        read_only=True, help_text="whether the platform confirmed revoking the grant"
    )

    class Meta(PlatformAccountSerializer.Meta):
        fields = [*PlatformAccountSerializer.Meta.fields, "revoked"]
        read_only_fields = fields


@extend_schema(tags=["platforms"])
class PlatformAccountList(AgencyAPIMixin, generics.ListAPIView):
    """The agency's platform accounts (linked, to reconnect, disconnected)."""

    queryset = PlatformAccount.objects.none()  # for the schema; get_queryset scopes by agency
    read_roles = ACCOUNTS_VIEW
    serializer_class = PlatformAccountSerializer

    def get_queryset(self):
        return selectors.accounts_of_agency(agency=self.agency)


@extend_schema(tags=["platforms"], request=None, responses=DisconnectResultSerializer)
class PlatformAccountDisconnect(AgencyAPIMixin, generics.GenericAPIView):
    """Revoke the account's grant at the platform, delete its tokens and mark it
    disconnected (audited). `revoked` says whether the platform confirmed the revocation."""

    queryset = PlatformAccount.objects.none()
    read_roles = ACCOUNTS_VIEW
    write_roles = ACCOUNTS_LINK
    serializer_class = DisconnectResultSerializer

    def post(self, request: Request, *args, **kwargs) -> Response:
        account = selectors.account_for(agency=self.agency, pk=self.kwargs["pk"])
        revoked = services.account_disconnect(
            agency=self.agency, account=account, user=request.user
        )
        account.revoked = revoked
        return Response(self.get_serializer(account).data)

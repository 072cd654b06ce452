"""The agency's own API: who am I here (membership, role, token)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from .api_base import AgencyAPIMixin
from .models import Agency, ApiToken, Membership
from .roles import ALL_ROLES


class AgencySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["slug", "name", "timezone", "default_currency", "require_mfa"]


class TokenSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["name", "prefix", "created_at", "expires_at", "last_used_at"]


class MeSerializer(serializers.ModelSerializer):
    agency = AgencySummarySerializer(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    token = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["email", "name", "role", "role_display", "agency", "token", "created_at"]
        read_only_fields = fields

    @extend_schema(responses=TokenSummarySerializer(allow_null=True))
    def get_token(self, membership: Membership) -> dict | None:
        """The token this request was made with; null for a browser session."""
        auth = self.context["request"].auth
        return TokenSummarySerializer(auth).data if isinstance(auth, ApiToken) else None


@extend_schema(
    summary="The caller's membership in this agency",
    description="Who the token (or session) acts as here: user, role, agency and token.",
)
class MeView(AgencyAPIMixin, generics.RetrieveAPIView):
    read_roles = ALL_ROLES
    serializer_class = MeSerializer

    def get_object(self) -> Membership:
        return self.membership

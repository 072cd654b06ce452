"""The agency's own API: who am I here (membership, role, token), and the audit log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from .api_base import AgencyAPIMixin
from .audit_display import action_sentence
from .filters import AuditLogFilter
from .models import Agency, ApiToken, AuditLog, Membership
from .permissions import AUDIT_VIEW
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


class AuditLogEntrySerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", read_only=True, allow_null=True)
    actor_email = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "action",
            "summary",
            "actor",
            "actor_email",
            "actor_label",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
        ]
        read_only_fields = fields

    def get_actor_email(self, entry: AuditLog) -> str | None:
        return entry.actor.email if entry.actor_id else None

    def get_summary(self, entry: AuditLog) -> str:
        """The action as the audit page says it ("Creator updated"), in the request's language."""
        return str(action_sentence(entry.action, entry.object_type))


@extend_schema(tags=["agency"])
class AuditLogList(AgencyAPIMixin, generics.ListAPIView):
    """The agency's audit log, newest first (owners): every write that matters, who made it,
    and the values before and after. Filters as on the audit page: `action`, `actor` (user id),
    `object_type`, `date_from`, `date_to` (days in the agency's time zone), `q`."""

    read_roles = AUDIT_VIEW
    write_roles = frozenset()
    serializer_class = AuditLogEntrySerializer
    filterset_class = AuditLogFilter
    queryset = AuditLog.objects.none()  # for the schema; the filter asks the selector

    def get_queryset(self):
        return self.for_agency(AuditLog.objects.select_related("actor").order_by("-created_at"))

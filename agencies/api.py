"""The agency's own API: who am I here (membership, role, token), the audit log, and the team
(members and invitations)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.idempotency import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES, idempotent

from . import invitations, selectors, services
from .api_base import AgencyAPIMixin, decide, service_errors
from .audit_display import action_sentence
from .filters import AuditLogFilter
from .models import Agency, ApiToken, AuditLog, Invitation, Membership
from .permissions import AUDIT_VIEW, MEMBERS_MANAGE
from .roles import ALL_ROLES, Role
from .tenancy import get_for_agency


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


class _LocalMomentsJSONField(serializers.JSONField):
    """A snapshot (`before`/`after`) with the moments it recorded (ISO text in UTC) given in
    the agency's time zone with their offset, as every other moment of the API."""

    def to_representation(self, value):
        if isinstance(value, dict):
            value = {key: _local_moment(item) for key, item in value.items()}
        return super().to_representation(value)


def _local_moment(value):
    if isinstance(value, str) and len(value) > 10 and "T" in value:
        try:
            moment = parse_datetime(value)
        except ValueError:
            return value
        if moment is not None and timezone.is_aware(moment):
            return timezone.localtime(moment).isoformat()
    return value


class AuditLogEntrySerializer(serializers.ModelSerializer):
    before = _LocalMomentsJSONField(read_only=True, allow_null=True)
    after = _LocalMomentsJSONField(read_only=True, allow_null=True)

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


# --- Team and invitations ----------------------------------------------------------------------
#
# The Team page's twins (agencies/views.py `members`, `invite`, `member_role`, `member_remove`,
# `invitation_revoke`, `invitation_resend`): the same roles (MEMBERS_MANAGE) and the same
# services, so the same row locks, last-owner rule and audit entries. A service's refusal is a
# 400 with its message; acting on an invitation that is no longer open (accepted, or revoked
# when resending) is a 409. The POSTs that e-mail a link take an `Idempotency-Key`.

INVITATION_CLOSED = OpenApiResponse(
    description="The invitation is no longer open: the message says what it is now."
)
RESEND_CONFLICT = OpenApiResponse(
    description="The invitation is no longer open (the message says what it is now), or a "
    "request with this Idempotency-Key is still running."
)


def _base_url(request: Request) -> str:
    """Where the invitation link points: this site, as the page's e-mails do."""
    return request.build_absolute_uri("/")


class MemberSerializer(serializers.ModelSerializer):
    """A member as the team list shows them (rows from `selectors.members_for_agency`)."""

    user = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    name = serializers.CharField(source="user.get_full_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    has_mfa = serializers.BooleanField(read_only=True)
    creator_name = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "email",
            "name",
            "role",
            "role_display",
            "has_mfa",
            "creator_name",
            "created_at",
        ]
        read_only_fields = fields


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    invited_by = serializers.IntegerField(source="invited_by_id", read_only=True, allow_null=True)
    invited_by_email = serializers.SerializerMethodField()
    creator = serializers.IntegerField(source="creator_id", read_only=True, allow_null=True)
    is_expired = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "role_display",
            "creator",
            "invited_by",
            "invited_by_email",
            "created_at",
            "expires_at",
            "is_expired",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    def get_invited_by_email(self, invitation: Invitation) -> str | None:
        return invitation.invited_by.email if invitation.invited_by_id else None

    def get_is_expired(self, invitation: Invitation) -> bool:
        """Past its expiry: the link no longer works, but it can be resent."""
        return invitation.expires_at <= timezone.now()


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)
    creator = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="For a creator invitation: the roster entry (without a login) it links.",
    )

    def validate_creator(self, value: int | None):
        """The roster entry, among those the page's form offers (no login yet)."""
        if value is None:
            return None
        creator = (
            selectors.invitable_creators(agency=self.context["agency"]).filter(pk=value).first()
        )
        if creator is None:
            raise serializers.ValidationError(_("Choose a creator from your roster."))
        return creator


class _TeamAPI(AgencyAPIMixin):
    read_roles = MEMBERS_MANAGE
    write_roles = MEMBERS_MANAGE


@extend_schema(tags=["agency"])
class MemberList(_TeamAPI, generics.ListAPIView):
    """The agency's members by e-mail address, with their role, whether they use an
    authenticator app and, for a creator, the roster entry their login sees (owners)."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.members_for_agency(agency=self.agency)


@extend_schema(tags=["agency"])
class MemberDetail(_TeamAPI, generics.GenericAPIView):
    """One member (owners). PATCH gives them another role, DELETE removes them from the
    agency (their API tokens go too). The agency's last owner can be neither demoted nor
    removed: make someone else an owner first."""

    serializer_class = MemberSerializer
    queryset = Membership.objects.none()

    def get_object(self) -> Membership:
        return selectors.member_for_agency(agency=self.agency, pk=self.kwargs["pk"])

    def get(self, request: Request, *args, **kwargs) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=MemberRoleSerializer, responses={200: MemberSerializer})
    def patch(self, request: Request, *args, **kwargs) -> Response:
        member = self.get_object()
        body = MemberRoleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            services.membership_set_role(
                membership=member, role=body.validated_data["role"], actor=request.user
            )
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, *args, **kwargs) -> Response:
        member = self.get_object()
        with service_errors():
            services.membership_remove(membership=member, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["agency"])
class InvitationList(_TeamAPI, generics.ListAPIView):
    """Open invitations, newest first: neither accepted nor revoked, expired ones included
    (they can be resent). POST invites an address with a role and e-mails the link
    (owners); an address that is already a member or already invited is refused."""

    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()

    def get_serializer_class(self):
        # OPTIONS describes the POST body (AgencyMetadata asks with a POST clone).
        if self.request is not None and self.request.method == "POST":
            return InvitationCreateSerializer
        return InvitationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return selectors.open_invitations(agency=self.agency)

    @extend_schema(
        request=InvitationCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: InvitationSerializer, **IDEMPOTENCY_RESPONSES},
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        body = InvitationCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        with service_errors():
            invitation, _token = invitations.invitation_create(
                agency=self.agency,
                email=body.validated_data["email"],
                role=body.validated_data["role"],
                creator=body.validated_data.get("creator"),
                actor=request.user,
                base_url=_base_url(request),
            )
        data = InvitationSerializer(invitation, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class _InvitationAction(_TeamAPI, generics.GenericAPIView):
    serializer_class = InvitationSerializer
    queryset = Invitation.objects.none()

    def get_object(self) -> Invitation:
        return get_for_agency(
            Invitation.objects.select_related("invited_by"), self.agency, pk=self.kwargs["pk"]
        )

    def act(self, action: Callable[[], Invitation], *, still_open: Callable[[], bool]):
        """Run the service: a 409 when the invitation is no longer open, a 400 for another
        refusal (an e-mail that could not be sent); see api_base.decide."""
        invitation = decide(action, still_open=still_open)
        return Response(self.get_serializer(invitation).data)


@extend_schema(tags=["agency"])
class InvitationRevoke(_InvitationAction):
    """Revoke an open invitation: its link stops working at once (owners). Revoking a revoked
    one changes nothing; an accepted one is a 409."""

    @extend_schema(request=None, responses={200: InvitationSerializer, 409: INVITATION_CLOSED})
    def post(self, request: Request, *args, **kwargs) -> Response:
        invitation = self.get_object()
        return self.act(
            lambda: invitations.invitation_revoke(invitation=invitation, actor=request.user),
            still_open=lambda: Invitation.objects.filter(
                pk=invitation.pk, accepted_at__isnull=True
            ).exists(),
        )


@extend_schema(tags=["agency"])
class InvitationResend(_InvitationAction):
    """E-mail a fresh link (the old one stops working) and restart the 7-day expiry
    (owners); an expired invitation can be resent, an accepted or revoked one is a 409."""

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: InvitationSerializer, **IDEMPOTENCY_RESPONSES, 409: RESEND_CONFLICT},
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        invitation = self.get_object()
        return self.act(
            lambda: invitations.invitation_resend(
                invitation=invitation, actor=request.user, base_url=_base_url(request)
            )[0],
            still_open=lambda: Invitation.objects.filter(
                pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
            ).exists(),
        )

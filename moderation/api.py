"""REST API: policies, messages (list + batch ingest), cases, outbox; the signed webhook."""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.models import Agency, Membership
from core.db_scope import request_agency
from core.request_json import JSONInputError, parse_json
from creators.models import Creator

from . import permissions as perms
from . import selectors
from .explain import reason_sentences
from .inbound import PayloadError, WebhookRejected, messages_ingest, parse_batch, webhook_verify
from .models import Case, InboundMessage, MessageSource, OutboxMessage, Policy
from .policies import policy_create


class PolicySerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.number", allow_null=True)
    rules = serializers.JSONField(source="current_version.rules", allow_null=True)

    class Meta:
        model = Policy
        fields = ["id", "name", "creator", "version", "rules", "created_at"]


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="contact.handle")
    explanation = serializers.SerializerMethodField(
        help_text="Why it was decided, as sentences in the request's language ("
        "`reasons` holds the same as codes)."
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_explanation(self, message: InboundMessage) -> list[str]:
        return reason_sentences(message.reasons)

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "platform",
            "platform_message_id",
            "kind",
            "source",
            "creator",
            "account",
            "author",
            "text",
            "campaign_code",
            "sent_at",
            "language",
            "sentiment",
            "category",
            "intent",
            "reasons",
            "explanation",
            "status",
            "policy_version",
            "hidden",
            "removed",
        ]


class MessageInSerializer(serializers.Serializer):
    platform = serializers.CharField()
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["comment", "dm"])
    account = serializers.CharField()
    author = serializers.CharField()
    text = serializers.CharField()
    sent_at = serializers.DateTimeField()
    campaign_code = serializers.CharField(required=False)
    opt_in = serializers.BooleanField(required=False)


class IngestResultSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    duplicates = serializers.IntegerField()


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = [
            "id",
            "title",
            "level",
            "status",
            "assignee",
            "creator",
            "campaign_code",
            "message",
            "opened_at",
            "due_at",
            "first_response_at",
            "resolved_at",
        ]


class OutboxSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "platform",
            "account",
            "recipient",
            "kind",
            "in_reply_to",
            "text",
            "created_at",
            "delivery",
            "platform_id",
            "delivered_at",
            "last_error",
        ]


class PolicyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    creator = serializers.PrimaryKeyRelatedField(
        queryset=Creator.objects.none(),
        required=False,
        allow_null=True,
        help_text="A creator of this agency whose messages follow this policy; null for the "
        "agency's default.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agency = self.context.get("agency")
        if agency is not None:
            self.fields["creator"].queryset = Creator.objects.for_agency(agency)


class PolicyList(AgencyAPIMixin, generics.ListCreateAPIView):
    """The agency's policies with their current rules; posting creates one from the default
    rules, as the policies page does (its rules change by publishing versions)."""

    queryset = Policy.objects.none()  # for the schema; get_queryset scopes by agency
    read_roles = perms.POLICY_VIEW
    write_roles = perms.POLICY_EDIT
    serializer_class = PolicySerializer
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.policy_list(self.agency).order_by("name", "id")

    @extend_schema(request=PolicyCreateSerializer, responses={201: PolicySerializer})
    def post(self, request, *args, **kwargs):
        context = self.get_serializer_context()
        serializer = PolicyCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            policy = policy_create(
                agency=self.agency,
                actor=request.user,
                name=serializer.validated_data["name"],
                creator=serializer.validated_data.get("creator"),
            )
        policy = selectors.policy_list(self.agency).get(pk=policy.pk)
        return Response(PolicySerializer(policy).data, status=status.HTTP_201_CREATED)


class MessageList(AgencyAPIMixin, generics.ListAPIView):
    queryset = InboundMessage.objects.none()  # for the schema; get_queryset scopes by agency
    read_roles = perms.QUEUE
    write_roles = perms.MESSAGE_IMPORT
    serializer_class = MessageSerializer
    filterset_fields = ["status", "kind", "platform", "category", "intent", "campaign_code"]
    ordering_fields = ["sent_at", "sentiment"]

    def get_queryset(self):
        return selectors.message_list(self.agency).order_by("-sent_at", "-id")

    @extend_schema(
        request=MessageInSerializer(many=True),
        responses={201: IngestResultSerializer, 400: OpenApiResponse(description="invalid batch")},
    )
    def post(self, request, *args, **kwargs):
        """Ingest a batch of comments/DMs (all or nothing; idempotent by platform id)."""
        try:
            parsed = parse_batch(request.data)
        except PayloadError as exc:
            return Response(
                {"detail": exc.summary, "errors": {str(k + 1): v for k, v in exc.errors.items()}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        result = messages_ingest(
            agency=self.agency, messages=parsed, source=MessageSource.API, actor=request.user
        )
        return Response(
            {"created": result.created, "duplicates": result.duplicates},
            status=status.HTTP_201_CREATED,
        )


class CaseList(AgencyAPIMixin, generics.ListAPIView):
    queryset = Case.objects.none()  # for the schema; get_queryset scopes by agency
    read_roles = perms.QUEUE
    serializer_class = CaseSerializer
    filterset_fields = ["status", "level", "assignee", "creator", "campaign_code"]
    ordering_fields = ["due_at", "opened_at"]

    def get_queryset(self):
        return Case.objects.filter(agency=self.agency).order_by("due_at", "id")


class CaseDetail(AgencyAPIMixin, generics.RetrieveAPIView):
    queryset = Case.objects.none()  # for the schema; get_queryset scopes by agency
    read_roles = perms.QUEUE
    serializer_class = CaseSerializer

    def get_queryset(self):
        return Case.objects.filter(agency=self.agency)


class OutboxList(AgencyAPIMixin, generics.ListAPIView):
    queryset = OutboxMessage.objects.none()  # for the schema; get_queryset scopes by agency
    read_roles = perms.QUEUE
    serializer_class = OutboxSerializer

    def get_queryset(self):
        return selectors.outbox_list(self.agency).order_by("-created_at", "-id")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, agency_slug: str) -> JsonResponse:
    """Platform deliveries, authenticated by an HMAC-SHA256 signature (not by a login).

    Headers: `X-Talentdesk-Timestamp` (unix seconds) and `X-Talentdesk-Signature`
    (`sha256=` + hex HMAC of `<timestamp>.<body>` with the agency's webhook secret).
    A signed-in person who is not a member of the agency gets 404, as on every agency URL.
    """
    agency = Agency.objects.filter(slug=agency_slug).first()
    user = request.user
    if agency is not None:
        # The agency is named by the URL; the signature below is what lets anything in.
        request_agency(agency.pk, user.pk if user.is_authenticated else None)
    if user.is_authenticated and (
        agency is None or not Membership.objects.filter(agency=agency, user=user).exists()
    ):
        raise Http404
    # Without a login an unknown slug is refused like a bad signature (webhook_verify).
    try:
        webhook_verify(
            agency=agency,
            body=request.body,
            timestamp=request.headers.get("X-Talentdesk-Timestamp", ""),
            signature=request.headers.get("X-Talentdesk-Signature", ""),
        )
    except WebhookRejected as exc:
        return JsonResponse({"detail": str(exc)}, status=401)
    try:
        payload = parse_json(request.body)
        items = payload.get("messages") if isinstance(payload, dict) else payload
        parsed = parse_batch(items)
    except JSONInputError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    except PayloadError as exc:
        return JsonResponse({"detail": exc.summary}, status=400)
    result = messages_ingest(agency=agency, messages=parsed, source=MessageSource.WEBHOOK)
    return JsonResponse(
        {"created": len(result.created), "duplicates": result.duplicates}, status=202
    )

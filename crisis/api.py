"""REST API: the crisis reply library, drills and frozen deliverables (the pages' twins)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.tenancy import get_for_agency
from moderation.models import Level

from . import permissions as perms
from . import selectors, services
from .models import MAX_REPLY_CHARS, CrisisReply, Drill, DrillOutcome, FrozenDeliverable, Language


class CrisisReplySerializer(serializers.ModelSerializer):
    language = serializers.ChoiceField(choices=Language.choices)
    title = serializers.CharField(max_length=120)
    text = serializers.CharField(max_length=MAX_REPLY_CHARS)

    class Meta:
        model = CrisisReply
        fields = ["id", "language", "title", "text", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class LevelMinutesField(serializers.DictField):
    """{"<level>": minutes}: level 1 (triage) to 4 (Legal / PR)."""

    child = serializers.IntegerField(min_value=0, max_value=services.MAX_DRILL_MINUTES)


class DrillSerializer(serializers.ModelSerializer):
    outcome = serializers.ChoiceField(choices=DrillOutcome.choices)
    participants = serializers.ListField(
        source="participant_ids",
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="User ids of the agency's staff who took part.",
    )
    level_minutes = LevelMinutesField(
        required=False,
        default=dict,
        help_text="Minutes to reach each escalation level, keyed by level: "
        + ", ".join(f"{int(level)} = {level.label}" for level in Level)
        + ".",
    )

    class Meta:
        model = Drill
        fields = [
            "id",
            "held_on",
            "scenario",
            "participants",
            "level_minutes",
            "notes",
            "outcome",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]


class FrozenDeliverableSerializer(serializers.ModelSerializer):
    campaign = serializers.IntegerField(source="deliverable.campaign_id", read_only=True)
    frozen = serializers.BooleanField(source="is_frozen", read_only=True)

    class Meta:
        model = FrozenDeliverable
        fields = [
            "id",
            "deliverable",
            "campaign",
            "frozen_at",
            "scheduled_for",
            "scheduled_status",
            "frozen",
            "released_at",
            "released_by",
        ]
        read_only_fields = fields


class _CrisisAPI(AgencyAPIMixin):
    read_roles = perms.VIEW

    def for_agency(self, queryset):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no agency
            return queryset.none()
        return queryset.filter(agency=self.agency)


@extend_schema(
    tags=["crisis"],
    parameters=[
        OpenApiParameter("language", str, enum=Language.values),
        OpenApiParameter("q", str, description="Words in the title or text."),
    ],
)
class ReplyList(_CrisisAPI, generics.ListCreateAPIView):
    """The crisis reply library (the defaults are made on first use); add a reply (owner,
    community manager)."""

    write_roles = perms.LIBRARY_EDIT
    serializer_class = CrisisReplySerializer
    queryset = CrisisReply.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CrisisReply.objects.none()
        services.crisis_replies_ensure(agency=self.agency)
        language = self.request.query_params.get("language", "")
        if language and language not in Language.values:
            raise serializers.ValidationError({"language": ["Unknown language."]})
        return selectors.reply_list(
            self.agency, language=language, q=self.request.query_params.get("q", "")[:100]
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            reply = services.crisis_reply_create(
                agency=self.agency, actor=request.user, **serializer.validated_data
            )
        return Response(self.get_serializer(reply).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["crisis"])
class ReplyDetail(_CrisisAPI, generics.RetrieveUpdateDestroyAPIView):
    """One crisis reply; PATCH/PUT edit it, DELETE removes it (owner, community manager)."""

    write_roles = perms.LIBRARY_EDIT
    serializer_class = CrisisReplySerializer
    queryset = CrisisReply.objects.none()

    def get_object(self) -> CrisisReply:
        return get_for_agency(CrisisReply, self.agency, pk=self.kwargs["pk"])

    def update(self, request: Request, *args, **kwargs) -> Response:
        reply = self.get_object()
        serializer = self.get_serializer(
            reply, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        with service_errors():
            reply = services.crisis_reply_update(
                reply=reply, actor=request.user, changes=dict(serializer.validated_data)
            )
        return Response(self.get_serializer(reply).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.crisis_reply_delete(reply=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["crisis"])
class DrillList(_CrisisAPI, generics.ListCreateAPIView):
    """Crisis drills, newest first; record one (owner, account manager)."""

    write_roles = perms.CRISIS_RUN
    serializer_class = DrillSerializer
    queryset = Drill.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Drill.objects.none()
        return selectors.drills_with_participant_ids(self.agency)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["participants"] = data.pop("participant_ids")
        with service_errors():
            drill = services.drill_create(agency=self.agency, actor=request.user, **data)
        drill = selectors.drills_with_participant_ids(self.agency).get(pk=drill.pk)
        return Response(self.get_serializer(drill).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["crisis"])
class DrillDetail(_CrisisAPI, generics.RetrieveAPIView):
    """One drill with its participants and minutes to each level."""

    serializer_class = DrillSerializer
    queryset = Drill.objects.none()

    def get_object(self) -> Drill:
        return get_for_agency(
            selectors.drills_with_participant_ids(self.agency), self.agency, pk=self.kwargs["pk"]
        )


@extend_schema(
    tags=["crisis"],
    parameters=[
        OpenApiParameter(
            "waiting", bool, description="true: still frozen; false: released already."
        )
    ],
)
class FrozenList(_CrisisAPI, generics.ListAPIView):
    """Deliverables crisis mode froze: still frozen first, then the released ones."""

    serializer_class = FrozenDeliverableSerializer
    queryset = FrozenDeliverable.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FrozenDeliverable.objects.none()
        raw = self.request.query_params.get("waiting", "")
        choices = {"": None, "true": True, "false": False}
        if raw not in choices:
            raise serializers.ValidationError({"waiting": ["Use true or false."]})
        return selectors.frozen_list(self.agency, waiting=choices[raw])


@extend_schema(tags=["crisis"])
class FrozenDetail(_CrisisAPI, generics.RetrieveAPIView):
    serializer_class = FrozenDeliverableSerializer
    queryset = FrozenDeliverable.objects.none()

    def get_object(self) -> FrozenDeliverable:
        return get_for_agency(selectors.frozen_list(self.agency), self.agency, pk=self.kwargs["pk"])


@extend_schema(tags=["crisis"], request=None, responses=FrozenDeliverableSerializer)
class FrozenRelease(_CrisisAPI, generics.GenericAPIView):
    """Release one frozen deliverable once crisis mode is off (owner, account manager): it
    may be posted again; nothing is published."""

    write_roles = perms.CRISIS_RUN
    serializer_class = FrozenDeliverableSerializer
    queryset = FrozenDeliverable.objects.none()

    def post(self, request: Request, *args, **kwargs) -> Response:
        frozen = get_for_agency(FrozenDeliverable, self.agency, pk=self.kwargs["pk"])
        with service_errors():
            services.frozen_release(frozen=frozen, actor=request.user)
        frozen = selectors.frozen_list(self.agency).get(pk=frozen.pk)
        return Response(self.get_serializer(frozen).data)

"""API twins of the moderation screens that change how the desk runs: a case's actions (note,
assign, escalate, resolve), a policy's versions (publish new rules) and its preview, the SLA
of each escalation level and the holidays it skips, and crisis mode. Each calls the service
its page calls (moderation/cases.py, policies.py, triage.py), so the rules, the locking and
the audit trail are the same; a refusal of the service is a 400 with its message. Creating a
policy is the policy list's POST (moderation/api.py)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, StaffField, service_errors

from . import permissions as perms
from .api import CaseSerializer
from .cases import CASE_ACTIONS, case_act
from .explain import reason_sentences
from .models import Case, Holiday, MessageKind, Policy, PolicyVersion, SlaRule
from .policies import (
    crisis_mode_set,
    holiday_add,
    holiday_delete,
    moderation_settings_get,
    policy_version_publish,
    sla_rule_update,
    sla_rules_ensure,
)
from .rules import default_rules, validate_rules
from .triage import policy_preview

# --- case actions ---------------------------------------------------------------------------


class CaseActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=CASE_ACTIONS)
    text = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text="The note (required for `note`; kept with an escalation or resolution).",
    )
    assignee = StaffField(
        required=False, allow_null=True, help_text="For `assign`: a staff user id, or null."
    )


@extend_schema(tags=["moderation"])
class CaseAction(AgencyAPIMixin, generics.GenericAPIView):
    """One action on a case, as the case page's action form: `note`, `assign`, `escalate`
    (one level up, that level's assignee and due time) or `resolve`."""

    read_roles = perms.CASE_ACT
    write_roles = perms.CASE_ACT
    serializer_class = CaseActionSerializer
    queryset = Case.objects.none()

    @extend_schema(responses=CaseSerializer)
    def post(self, request, *args, **kwargs) -> Response:
        case = get_object_or_404(Case.objects.filter(agency=self.agency), pk=kwargs["pk"])
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            case_act(
                case=case,
                actor=request.user,
                action=data["action"],
                text=data.get("text", ""),
                assignee=data.get("assignee"),
            )
        case.refresh_from_db()
        return Response(CaseSerializer(case).data)


# --- policies -------------------------------------------------------------------------------


class PolicyVersionSerializer(serializers.ModelSerializer):
    rules = serializers.JSONField(
        help_text="The whole rule set, as `GET` shows it; validated as the policy editor "
        "validates it (a message names the entry at fault)."
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = PolicyVersion
        fields = ["id", "number", "rules", "note", "created_by", "created_at"]
        read_only_fields = ["id", "number", "created_by", "created_at"]


@extend_schema(tags=["moderation"])
class PolicyVersionList(AgencyAPIMixin, generics.ListCreateAPIView):
    """A policy's versions, newest first; posting rules publishes the next version, which
    becomes current (earlier ones stay as they were: decisions keep pointing at theirs)."""

    read_roles = perms.POLICY_VIEW
    write_roles = perms.POLICY_EDIT
    serializer_class = PolicyVersionSerializer
    queryset = PolicyVersion.objects.none()
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Another agency's policy is a 404 before its body is read.
        self._policy = get_object_or_404(Policy.objects.filter(agency=self.agency), pk=kwargs["pk"])

    def policy(self) -> Policy:
        return self._policy

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PolicyVersion.objects.none()
        return self.policy().versions.order_by("-number")

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = policy_version_publish(
                policy=self.policy(),
                actor=self.request.user,
                rules=serializer.validated_data["rules"],
                note=serializer.validated_data.get("note", ""),
            )


class PolicyPreviewSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000, help_text="The message to test.")
    kind = serializers.ChoiceField(choices=MessageKind.choices, default=MessageKind.COMMENT)
    rules = serializers.JSONField(
        required=False,
        help_text="Rules to test instead of the policy's current version (as a version takes "
        "them); validated the same way. Nothing is saved.",
    )


class PolicyPreviewResultSerializer(serializers.Serializer):
    language = serializers.CharField()
    sentiment = serializers.FloatField()
    category = serializers.CharField(allow_blank=True)
    action = serializers.CharField()
    intent = serializers.CharField(allow_blank=True)
    level = serializers.IntegerField(allow_null=True)
    steps = serializers.ListField(child=serializers.CharField())
    reasons = serializers.ListField(child=serializers.CharField())
    reply = serializers.CharField(allow_blank=True)


@extend_schema(tags=["moderation"])
class PolicyPreview(AgencyAPIMixin, generics.GenericAPIView):
    """The policy page's "test this comment" box: what the policy (or the rules sent) would do
    with a message and why, in the request's language. Nothing is saved, queued or sent."""

    read_roles = perms.POLICY_VIEW
    write_roles = perms.POLICY_VIEW  # a read that needs a body
    serializer_class = PolicyPreviewSerializer
    queryset = Policy.objects.none()

    @extend_schema(responses=PolicyPreviewResultSerializer)
    def post(self, request, *args, **kwargs) -> Response:
        policy = get_object_or_404(
            Policy.objects.filter(agency=self.agency).select_related("current_version"),
            pk=kwargs["pk"],
        )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            if "rules" in data:
                rules = validate_rules(data["rules"])
            elif policy.current_version is not None:
                rules = policy.current_version.rules
            else:
                rules = default_rules()
            preview = policy_preview(rules=rules, text=data["text"], kind=data["kind"])
        result = preview.result
        return Response(
            {
                "language": preview.language,
                "sentiment": preview.sentiment,
                "category": result.category,
                "action": result.action,
                "intent": result.intent,
                "level": preview.level,
                "steps": [str(step) for step in preview.steps],
                "reasons": reason_sentences(result.reasons),
                "reply": preview.reply,
            }
        )


# --- SLA levels and holidays ----------------------------------------------------------------


class SlaRuleSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    minutes = serializers.IntegerField(
        min_value=1, max_value=43200, help_text="Business minutes until a case is due."
    )
    assignee = StaffField(allow_null=True, required=False)

    class Meta:
        model = SlaRule
        fields = ["id", "level", "level_display", "minutes", "assignee"]
        read_only_fields = ["id", "level", "level_display"]


class _SlaBase(AgencyAPIMixin):
    read_roles = perms.SLA_EDIT
    write_roles = perms.SLA_EDIT


@extend_schema(tags=["moderation"])
class SlaRuleList(_SlaBase, generics.ListAPIView):
    """The SLA of every escalation level, the defaults filled in for levels never set."""

    serializer_class = SlaRuleSerializer
    queryset = SlaRule.objects.none()
    pagination_class = None  # one row per level
    filter_backends: list = []  # a list of the levels, not a queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaRule.objects.none()
        return sla_rules_ensure(agency=self.agency)


@extend_schema(tags=["moderation"])
class SlaRuleDetail(_SlaBase, generics.RetrieveUpdateAPIView):
    """One level's SLA in business minutes and its default assignee (audited)."""

    serializer_class = SlaRuleSerializer
    queryset = SlaRule.objects.none()

    def get_queryset(self):
        return self.for_agency(SlaRule.objects.all())

    def perform_update(self, serializer):
        rule = serializer.instance
        data = serializer.validated_data
        with service_errors():
            serializer.instance = sla_rule_update(
                rule=rule,
                actor=self.request.user,
                minutes=data.get("minutes", rule.minutes),
                assignee=data.get("assignee", rule.assignee),
            )


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "date", "name"]
        read_only_fields = ["id"]


@extend_schema(tags=["moderation"])
class HolidayList(_SlaBase, generics.ListCreateAPIView):
    """The days the SLA clock does not run, by date; add one (one per date)."""

    serializer_class = HolidaySerializer
    queryset = Holiday.objects.none()

    def get_queryset(self):
        return self.for_agency(Holiday.objects.order_by("date", "id"))

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = holiday_add(
                agency=self.agency, actor=self.request.user, **serializer.validated_data
            )


@extend_schema(tags=["moderation"])
class HolidayDetail(_SlaBase, generics.RetrieveDestroyAPIView):
    serializer_class = HolidaySerializer
    queryset = Holiday.objects.none()

    def get_queryset(self):
        return self.for_agency(Holiday.objects.all())

    def perform_destroy(self, instance: Holiday) -> None:
        holiday_delete(holiday=instance, actor=self.request.user)


# --- crisis mode ----------------------------------------------------------------------------


class CrisisModeSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class CrisisModeResultSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    cancelled = serializers.IntegerField(
        help_text="Pending promotional replies cancelled by switching it on."
    )


@extend_schema(tags=["moderation"])
class CrisisMode(AgencyAPIMixin, generics.GenericAPIView):
    """Whether crisis mode is on (the moderation desk reads it); owners and managers switch
    it, as on the queue page: on freezes promotional automation and cancels pending
    promotional replies, and the registered crisis listeners run in the same transaction."""

    read_roles = perms.QUEUE
    write_roles = perms.CRISIS
    serializer_class = CrisisModeSerializer
    queryset = Case.objects.none()  # for the schema

    @extend_schema(responses=CrisisModeSerializer)
    def get(self, request, *args, **kwargs) -> Response:
        return Response({"enabled": moderation_settings_get(agency=self.agency).crisis_mode})

    @extend_schema(responses=CrisisModeResultSerializer)
    def post(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enabled = serializer.validated_data["enabled"]
        cancelled = crisis_mode_set(agency=self.agency, actor=request.user, enabled=enabled)
        return Response({"enabled": enabled, "cancelled": cancelled}, status=status.HTTP_200_OK)

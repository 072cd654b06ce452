"""Program applications API: the twin of the application pages, with the same roles
(`AgencyAPIMixin`), the same services for every write and the same personal-data rule (the
name on the ID and the mismatch warning for owners and account managers only)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin
from agencies.tenancy import get_for_agency
from core.numbers import ascii_int

from . import applications
from .api import api_error
from .insights.selectors import agency_today
from .models import ApplicationOutcome, Creator, Program, ProgramApplication
from .permissions import (
    APPLICATIONS_EDIT,
    APPLICATIONS_VIEW,
    PERSONAL_DATA_VIEW,
    REAPPLY_WAIT_EDIT,
)


class ApplicationSerializer(serializers.ModelSerializer):
    creator = serializers.PrimaryKeyRelatedField(queryset=Creator.objects.none())
    program = serializers.ChoiceField(choices=Program.choices)
    expected_decision_on = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    checklist_complete = serializers.SerializerMethodField()
    name_mismatch = serializers.SerializerMethodField(
        help_text="Owners and account managers only: the name on the ID differs from the "
        "legal name on file (accents, case, punctuation and word order ignored)."
    )
    can_reapply = serializers.SerializerMethodField()

    class Meta:
        model = ProgramApplication
        fields = [
            "id",
            "creator",
            "program",
            "submitted_on",
            "review_weeks",
            "expected_decision_on",
            "overdue",
            "has_id_document",
            "has_tax_information",
            "sample_posts",
            "checklist_complete",
            "id_name",
            "name_mismatch",
            "outcome",
            "decided_on",
            "rejection_reason",
            "reapply_on",
            "can_reapply",
            "reminded_at",
        ]
        read_only_fields = [
            "outcome",
            "decided_on",
            "rejection_reason",
            "reapply_on",
            "reminded_at",
        ]
        # The one-waiting-application rule is the service's (with a sentence, not a code).
        validators: list = []
        extra_kwargs = {"id_name": {"required": False}, "sample_posts": {"required": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agency = self.context.get("agency")
        if agency is not None:
            self.fields["creator"].queryset = Creator.objects.filter(agency=agency)
        if not self.context.get("personal_data", True):
            self.fields.pop("id_name")
            self.fields.pop("name_mismatch")

    def _row(self, obj: ProgramApplication) -> applications.ApplicationRow:
        today = self.context.get("today") or agency_today(obj.agency)
        personal = self.context.get("personal_data", False)
        return applications.application_rows([obj], today=today, personal_data=personal)[0]

    def get_expected_decision_on(self, obj) -> str:
        return applications.expected_decision(obj).isoformat()

    def get_overdue(self, obj) -> bool:
        return self._row(obj).overdue

    def get_checklist_complete(self, obj) -> bool:
        return self._row(obj).checklist_complete

    def get_name_mismatch(self, obj) -> bool:
        return self._row(obj).name_mismatch

    def get_can_reapply(self, obj) -> bool:
        return self._row(obj).can_reapply


class ApplicationUpdateSerializer(serializers.Serializer):
    review_weeks = serializers.IntegerField(
        required=False,
        min_value=applications.MIN_REVIEW_WEEKS,
        max_value=applications.MAX_REVIEW_WEEKS,
    )
    has_id_document = serializers.BooleanField(required=False)
    has_tax_information = serializers.BooleanField(required=False)
    sample_posts = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    id_name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[ApplicationOutcome.APPROVED.value, ApplicationOutcome.REJECTED.value]
    )
    decided_on = serializers.DateField()
    rejection_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    reapply_wait_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=applications.MIN_REAPPLY_DAYS,
        max_value=applications.MAX_REAPPLY_DAYS,
    )


class ReapplyWaitSerializer(serializers.Serializer):
    reapply_wait_days = serializers.IntegerField(
        min_value=applications.MIN_REAPPLY_DAYS, max_value=applications.MAX_REAPPLY_DAYS
    )


class _ApplicationMixin(AgencyAPIMixin):
    read_roles = APPLICATIONS_VIEW
    write_roles = APPLICATIONS_EDIT
    serializer_class = ApplicationSerializer
    queryset = ProgramApplication.objects.none()

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        fake = getattr(self, "swagger_fake_view", False)
        context["personal_data"] = fake or self.membership.role in PERSONAL_DATA_VIEW
        if not fake:
            context["today"] = agency_today(self.agency)
        return context

    def application(self) -> ProgramApplication:
        return get_for_agency(
            ProgramApplication.objects.select_related("creator"), self.agency, pk=self.kwargs["pk"]
        )

    def respond(self, application: ProgramApplication, code: int = status.HTTP_200_OK):
        return Response(self.get_serializer(self.application_reloaded(application)).data, code)

    def application_reloaded(self, application: ProgramApplication) -> ProgramApplication:
        return ProgramApplication.objects.select_related("creator").get(pk=application.pk)


@extend_schema(
    tags=["program applications"],
    parameters=[
        OpenApiParameter("creator", int, description="Only this creator's applications."),
        OpenApiParameter("outcome", str, enum=ApplicationOutcome.values),
        OpenApiParameter("program", str, enum=Program.values),
    ],
)
class ApplicationList(_ApplicationMixin, generics.ListCreateAPIView):
    """The agency's program applications, newest first; POST records one."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgramApplication.objects.none()
        params = self.request.query_params
        outcome, program = params.get("outcome", ""), params.get("program", "")
        errors = {}
        if outcome and outcome not in ApplicationOutcome.values:
            errors["outcome"] = [f"Choose one of {', '.join(ApplicationOutcome.values)}."]
        if program and program not in Program.values:
            errors["program"] = [f"Choose one of {', '.join(Program.values)}."]
        creator = None
        if params.get("creator"):
            creator = Creator.objects.filter(
                agency=self.agency, pk=ascii_int(params["creator"])
            ).first()
            if creator is None:
                errors["creator"] = ["No creator with this id."]
        if errors:
            raise serializers.ValidationError(errors)
        return applications.application_list(
            agency=self.agency, creator=creator, outcome=outcome, program=program
        )

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            application = applications.application_submit(actor=request.user, **data)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self.respond(application, status.HTTP_201_CREATED)


@extend_schema(tags=["program applications"], request=ApplicationUpdateSerializer)
class ApplicationDetail(_ApplicationMixin, generics.RetrieveUpdateAPIView):
    """One application; PATCH changes the checklist or the review window while it waits."""

    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> ProgramApplication:
        return self.application()

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        application = self.application()
        body = ApplicationUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not self.get_serializer_context()["personal_data"]:
            body.validated_data.pop("id_name", None)
        try:
            application = applications.application_update(
                application=application, actor=request.user, **body.validated_data
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self.respond(application)


@extend_schema(
    tags=["program applications"], request=DecisionSerializer, responses=ApplicationSerializer
)
class ApplicationDecide(_ApplicationMixin, generics.GenericAPIView):
    """Record the platform's decision (a rejection needs its reason and sets the
    re-application date)."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        application = self.application()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            application = applications.application_decide(
                application=application, actor=request.user, **body.validated_data
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self.respond(application)


@extend_schema(tags=["program applications"], request=None, responses=ApplicationSerializer)
class ApplicationWithdraw(_ApplicationMixin, generics.GenericAPIView):
    """Mark a waiting application withdrawn."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        application = self.application()
        try:
            application = applications.application_withdraw(
                application=application, actor=request.user
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self.respond(application)


@extend_schema(tags=["program applications"])
class ReapplyWait(AgencyAPIMixin, generics.GenericAPIView):
    """The agency's default wait before re-applying after a rejection (14 to 30 days)."""

    read_roles = APPLICATIONS_VIEW
    write_roles = REAPPLY_WAIT_EDIT
    serializer_class = ReapplyWaitSerializer

    def get(self, request: Request, *args, **kwargs) -> Response:
        days = applications.agency_reapply_wait_days(agency=self.agency)
        return Response({"reapply_wait_days": days})

    def put(self, request: Request, *args, **kwargs) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            row = applications.reapply_wait_set(
                agency=self.agency,
                actor=request.user,
                days=body.validated_data["reapply_wait_days"],
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response({"reapply_wait_days": row.reapply_wait_days})

"""The campaigns API. Thin: serializers validate shapes, services do the writes."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors

from . import selectors, services
from .checklist import checklist_items
from .models import (
    Campaign,
    Checklist,
    Contract,
    ConversionEvent,
    Deliverable,
    Experiment,
    MetricSnapshot,
    Sponsor,
)
from .permissions import CAMPAIGN_EDIT, CAMPAIGN_VIEW, CONTRACT_EDIT, KPI_WRITE
from .serializers import (
    CampaignSerializer,
    CaptionCheckResultSerializer,
    CaptionCheckSerializer,
    ChecklistSerializer,
    ContractSerializer,
    ContractTransitionSerializer,
    ConversionSerializer,
    DashboardSerializer,
    DeliverablePostedSerializer,
    DeliverableReviewSerializer,
    DeliverableSerializer,
    DeliverableSubmitSerializer,
    ExclusivityConflictErrorSerializer,
    ExperimentSerializer,
    SnapshotSerializer,
    SponsorSerializer,
)


class Base(AgencyAPIMixin):
    read_roles = CAMPAIGN_VIEW
    write_roles = CAMPAIGN_EDIT


# --- sponsors -------------------------------------------------------------------------------


class SponsorList(Base, generics.ListCreateAPIView):
    queryset = Sponsor.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = SponsorSerializer
    search_fields = ["brand", "category"]
    ordering_fields = ["brand", "created_at"]

    def get_queryset(self):
        return Sponsor.objects.for_agency(self.agency).order_by("brand", "id")

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.sponsor_create(
                agency=self.agency, actor=self.request.user, fields=serializer.validated_data
            )


class SponsorDetail(Base, generics.RetrieveUpdateAPIView):
    queryset = Sponsor.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = SponsorSerializer

    def get_queryset(self):
        return Sponsor.objects.for_agency(self.agency)

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.sponsor_update(
                sponsor=serializer.instance,
                actor=self.request.user,
                fields=serializer.validated_data,
            )


# --- contracts ------------------------------------------------------------------------------


class ExclusivityConflictError(exceptions.APIException):
    """409: the contract's exclusivity conflicts and the request did not confirm it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "exclusivity_conflict"

    def __init__(self, error: services.ExclusivityConflict):
        super().__init__()
        # A body of its own (not DRF's {"detail": ...} alone): the conflicts, as data.
        self.detail = {
            "detail": " ".join(error.message_dict["confirm_conflicts"]),
            "code": self.default_code,
            "conflicts": [
                {
                    "contract": c.other.pk,
                    "title": c.other.title,
                    "creators": list(c.creators),
                    "countries": list(c.countries),
                    "overlap_start": c.overlap_start.isoformat(),
                    "overlap_end": c.overlap_end.isoformat(),
                }
                for c in error.conflicts
            ],
        }


CONFLICT_RESPONSE = OpenApiResponse(
    ExclusivityConflictErrorSerializer,
    description="The exclusivity conflicts with another binding contract of one of the "
    "creators; send `confirm_exclusivity_conflict: true` to save it anyway.",
)


def _contract_fields(data: dict) -> tuple[dict, list | None, bool]:
    data = dict(data)
    creators = data.pop("creators", None)
    confirmed = bool(data.pop("confirm_exclusivity_conflict", False))
    return data, creators, confirmed


def _contract_write(write):
    """Run a contract service: an unconfirmed conflict is a 409, other refusals a 400."""
    with service_errors():
        try:
            return write()
        except services.ExclusivityConflict as error:
            raise ExclusivityConflictError(error) from None


@extend_schema_view(post=extend_schema(responses={201: ContractSerializer, 409: CONFLICT_RESPONSE}))
class ContractList(Base, generics.ListCreateAPIView):
    queryset = Contract.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = ContractSerializer
    write_roles = CONTRACT_EDIT
    filterset_fields = ["status", "sponsor"]
    search_fields = ["title", "sponsor__brand"]

    def get_queryset(self):
        return (
            Contract.objects.for_agency(self.agency)
            .select_related("sponsor")
            .prefetch_related("creators")
            .order_by("-start_date", "-id")
        )

    def perform_create(self, serializer):
        fields, creators, confirmed = _contract_fields(serializer.validated_data)
        serializer.instance = _contract_write(
            lambda: services.contract_create(
                agency=self.agency,
                actor=self.request.user,
                fields=fields,
                creators=creators or [],
                confirm_conflicts=confirmed,
            )
        )


@extend_schema_view(
    put=extend_schema(responses={200: ContractSerializer, 409: CONFLICT_RESPONSE}),
    patch=extend_schema(responses={200: ContractSerializer, 409: CONFLICT_RESPONSE}),
)
class ContractDetail(Base, generics.RetrieveUpdateAPIView):
    queryset = Contract.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = ContractSerializer
    write_roles = CONTRACT_EDIT

    def get_queryset(self):
        return Contract.objects.for_agency(self.agency).prefetch_related("creators")

    def perform_update(self, serializer):
        fields, creators, confirmed = _contract_fields(serializer.validated_data)
        serializer.instance = _contract_write(
            lambda: services.contract_update(
                contract=serializer.instance,
                actor=self.request.user,
                fields=fields,
                creators=creators,
                confirm_conflicts=confirmed,
            )
        )


class ContractTransition(Base, generics.GenericAPIView):
    queryset = Contract.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = ContractTransitionSerializer
    write_roles = CONTRACT_EDIT

    def get_queryset(self):
        return Contract.objects.for_agency(self.agency)

    @extend_schema(responses=ContractSerializer)
    def post(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            contract = services.contract_transition(
                contract=contract, actor=request.user, **serializer.validated_data
            )
        return Response(ContractSerializer(contract, context=self.get_serializer_context()).data)


# --- campaigns ------------------------------------------------------------------------------


class CampaignList(Base, generics.ListCreateAPIView):
    queryset = Campaign.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = CampaignSerializer
    filterset_fields = ["sponsor"]
    search_fields = ["name", "code"]

    def get_queryset(self):
        return Campaign.objects.for_agency(self.agency).order_by("-start_date", "-id")

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.campaign_create(
                agency=self.agency, actor=self.request.user, fields=serializer.validated_data
            )


class CampaignDetail(Base, generics.RetrieveUpdateAPIView):
    queryset = Campaign.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = CampaignSerializer

    def get_queryset(self):
        return Campaign.objects.for_agency(self.agency)

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.campaign_update(
                campaign=serializer.instance,
                actor=self.request.user,
                fields=serializer.validated_data,
            )


class CampaignDashboard(Base, generics.GenericAPIView):
    queryset = Campaign.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = DashboardSerializer

    def get_queryset(self):
        return Campaign.objects.for_agency(self.agency)

    def get(self, request, *args, **kwargs):
        dashboard = selectors.campaign_dashboard(campaign=self.get_object())
        return Response(DashboardSerializer(dashboard).data)


# --- disclosure checklists ------------------------------------------------------------------


class _CampaignChild(Base):
    """A view under one campaign: another agency's campaign is a 404 before anything else."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._campaign = get_object_or_404(
            Campaign.objects.for_agency(self.agency), pk=self.kwargs["pk"]
        )

    def campaign(self) -> Campaign:
        return self._campaign


@extend_schema_view(
    get=extend_schema(summary="A campaign's disclosure checklist"),
    put=extend_schema(summary="Change the checklist (the checklist page's form)"),
    patch=extend_schema(summary="Change some of the checklist's items"),
)
class ChecklistDetail(_CampaignChild, generics.RetrieveUpdateAPIView):
    """What every caption of the campaign must contain and who approves drafts. Writes go
    through the same service as the checklist page and are audited alike."""

    queryset = Checklist.objects.none()  # for the schema; get_object scopes it
    serializer_class = ChecklistSerializer

    def get_object(self) -> Checklist:
        # A campaign always has one (made with it); an old one without gets the defaults.
        campaign = self.campaign()
        checklist = Checklist.objects.filter(campaign=campaign).select_related("campaign").first()
        return checklist or Checklist(agency=self.agency, campaign=campaign)

    def perform_update(self, serializer):
        with service_errors():
            serializer.instance = services.checklist_update(
                campaign=self.campaign(),
                actor=self.request.user,
                fields=dict(serializer.validated_data),
            )


@extend_schema(
    summary="Tick a caption against the checklist",
    request=CaptionCheckSerializer,
    responses=CaptionCheckResultSerializer,
)
class ChecklistCheck(_CampaignChild, generics.GenericAPIView):
    """Every checklist item, ticked when the caption contains it (the deliverable page's
    check, campaigns/checklist.py). Nothing is saved."""

    queryset = Checklist.objects.none()
    serializer_class = CaptionCheckSerializer
    write_roles = Base.read_roles  # a read that needs a body: whoever may view the campaign

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checklist = Checklist.objects.filter(campaign=self.campaign()).first()
        items = (
            checklist_items(
                serializer.validated_data["caption"],
                disclosure_text=checklist.disclosure_text,
                hashtags=checklist.required_hashtags,
                mentions=checklist.required_mentions,
            )
            if checklist is not None
            else []
        )
        result = {
            "passes": all(i.present for i in items),
            "items": [{"item": i.item, "kind": i.kind, "present": i.present} for i in items],
            "missing": [i.item for i in items if not i.present],
        }
        return Response(CaptionCheckResultSerializer(result).data)


# --- deliverables ---------------------------------------------------------------------------


class DeliverableList(Base, generics.ListCreateAPIView):
    queryset = Deliverable.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = DeliverableSerializer
    filterset_fields = ["campaign", "creator", "status"]

    def get_queryset(self):
        return Deliverable.objects.for_agency(self.agency).order_by("due_date", "id")

    def perform_create(self, serializer):
        fields = dict(serializer.validated_data)
        campaign = fields.pop("campaign")
        with service_errors():
            serializer.instance = services.deliverable_create(
                campaign=campaign, actor=self.request.user, fields=fields
            )


class DeliverableDetail(Base, generics.RetrieveUpdateAPIView):
    queryset = Deliverable.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = DeliverableSerializer

    def get_queryset(self):
        return Deliverable.objects.for_agency(self.agency)

    def perform_update(self, serializer):
        fields = dict(serializer.validated_data)
        if fields.pop("campaign", serializer.instance.campaign) != serializer.instance.campaign:
            raise serializers.ValidationError({"campaign": "A deliverable cannot move."})
        with service_errors():
            serializer.instance = services.deliverable_update(
                deliverable=serializer.instance, actor=self.request.user, fields=fields
            )


class _DeliverableAction(Base, generics.GenericAPIView):
    queryset = Deliverable.objects.none()  # for the schema; get_queryset scopes it

    def get_queryset(self):
        return Deliverable.objects.for_agency(self.agency)

    def act(self, deliverable, data):  # pragma: no cover - overridden
        raise NotImplementedError

    @extend_schema(responses=DeliverableSerializer)
    def post(self, request, *args, **kwargs):
        deliverable = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            deliverable = self.act(deliverable, serializer.validated_data)
        return Response(
            DeliverableSerializer(deliverable, context=self.get_serializer_context()).data
        )


class DeliverableSubmit(_DeliverableAction):
    serializer_class = DeliverableSubmitSerializer

    def act(self, deliverable, data):
        return services.deliverable_submit(deliverable=deliverable, actor=self.request.user, **data)


class DeliverableReview(_DeliverableAction):
    serializer_class = DeliverableReviewSerializer

    def act(self, deliverable, data):
        return services.deliverable_review(deliverable=deliverable, actor=self.request.user, **data)


class DeliverablePosted(_DeliverableAction):
    serializer_class = DeliverablePostedSerializer

    def act(self, deliverable, data):
        return services.deliverable_mark_posted(
            deliverable=deliverable, actor=self.request.user, **data
        )


# --- KPIs -----------------------------------------------------------------------------------


class SnapshotList(Base, generics.ListCreateAPIView):
    queryset = MetricSnapshot.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = SnapshotSerializer
    write_roles = KPI_WRITE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The parent first: another agency's deliverable is a 404 before any validation.
        self._deliverable = get_object_or_404(
            Deliverable.objects.for_agency(self.agency), pk=self.kwargs["pk"]
        )

    def deliverable(self) -> Deliverable:
        return self._deliverable

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MetricSnapshot.objects.none()
        return self.deliverable().snapshots.order_by("-captured_at", "-id")

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.snapshot_record(
                deliverable=self.deliverable(),
                actor=self.request.user,
                fields=serializer.validated_data,
                source="api",
            )


class ConversionList(Base, generics.ListCreateAPIView):
    queryset = ConversionEvent.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = ConversionSerializer
    write_roles = KPI_WRITE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The parent first: another agency's campaign is a 404 before any validation.
        self._campaign = get_object_or_404(
            Campaign.objects.for_agency(self.agency), pk=self.kwargs["pk"]
        )

    def campaign(self) -> Campaign:
        return self._campaign

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConversionEvent.objects.none()
        return ConversionEvent.objects.filter(campaign=self.campaign()).order_by(
            "-occurred_at", "-id"
        )

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.conversion_record(
                campaign=self.campaign(),
                actor=self.request.user,
                fields=serializer.validated_data,
            )


class ExperimentList(Base, generics.ListCreateAPIView):
    queryset = Experiment.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = ExperimentSerializer

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The parent first: another agency's campaign is a 404 before any validation.
        self._campaign = get_object_or_404(
            Campaign.objects.for_agency(self.agency), pk=self.kwargs["pk"]
        )

    def campaign(self) -> Campaign:
        return self._campaign

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Experiment.objects.none()
        return Experiment.objects.filter(campaign=self.campaign()).order_by("-start_date", "-id")

    def _summaries(self) -> dict:
        return {
            s.experiment.pk: s for s in selectors.experiment_summaries(campaign=self.campaign())
        }

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.request is not None and self.request.method == "GET":
            context["experiment_summaries"] = self._summaries()
        return context

    def perform_create(self, serializer):
        with service_errors():
            serializer.instance = services.experiment_create(
                campaign=self.campaign(), actor=self.request.user, fields=serializer.validated_data
            )
        serializer.context["experiment_summaries"] = self._summaries()

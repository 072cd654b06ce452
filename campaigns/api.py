"""The campaigns API. Thin: serializers validate shapes, services do the writes."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors

from . import selectors, services
from .models import (
    Campaign,
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
    ContractSerializer,
    ContractTransitionSerializer,
    ConversionSerializer,
    DashboardSerializer,
    DeliverablePostedSerializer,
    DeliverableReviewSerializer,
    DeliverableSerializer,
    DeliverableSubmitSerializer,
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


def _contract_fields(data: dict) -> tuple[dict, list | None]:
    data = dict(data)
    creators = data.pop("creators", None)
    return data, creators


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
        fields, creators = _contract_fields(serializer.validated_data)
        with service_errors():
            serializer.instance = services.contract_create(
                agency=self.agency, actor=self.request.user, fields=fields, creators=creators or []
            )


class ContractDetail(Base, generics.RetrieveUpdateAPIView):
    queryset = Contract.objects.none()  # for the schema; get_queryset scopes it
    serializer_class = ContractSerializer
    write_roles = CONTRACT_EDIT

    def get_queryset(self):
        return Contract.objects.for_agency(self.agency).prefetch_related("creators")

    def perform_update(self, serializer):
        fields, creators = _contract_fields(serializer.validated_data)
        with service_errors():
            serializer.instance = services.contract_update(
                contract=serializer.instance,
                actor=self.request.user,
                fields=fields,
                creators=creators,
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

"""Insight API: metric snapshots and videos (list, record), eligibility, estimates, the rate
card; the creator's own view through `me/` endpoints. The same tenant and role rules as the
pages (`AgencyAPIMixin`): staff read, owners and account managers record metrics, the owner
edits the rate card, a creator reads only their own insights."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin
from agencies.tenancy import get_for_agency
from core.numbers import ascii_int
from creators import selectors
from creators.api import api_error
from creators.filters import CreatorFilter
from creators.models import AccountSnapshot, Creator, MetricsSource, Video
from creators.permissions import (
    INSIGHTS_VIEW,
    METRICS_EDIT,
    PERSONAL_DATA_VIEW,
    PORTAL_VIEW,
    RATE_CARD_EDIT,
)

from . import rate_cards
from . import selectors as insight_selectors
from . import services as insight_services
from .serializers import (
    AccountSnapshotSerializer,
    CreatorEligibilitySerializer,
    CreatorEstimatesSerializer,
    RateCardSerializer,
    RosterEligibilitySerializer,
    VideoSerializer,
    band_payload,
    eligibility_payload,
    estimates_payload,
)


class _PersonalDataByRole(AgencyAPIMixin):
    """Serializer context `personal_data`: whether the reader's role may see a creator's
    date of birth (the age rule's date, days and age; `eligibility.redact`)."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["personal_data"] = self.membership.role in PERSONAL_DATA_VIEW
        return context


class _CreatorScoped(_PersonalDataByRole):
    read_roles = INSIGHTS_VIEW
    write_roles = METRICS_EDIT

    def creator(self) -> Creator:
        if not hasattr(self, "_creator"):
            self._creator = get_for_agency(Creator, self.agency, pk=self.kwargs["pk"])
        return self._creator

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "pk" in self.kwargs:
            context["creator"] = self.creator()
        return context


class _RecordList(_CreatorScoped, generics.ListCreateAPIView):
    """GET lists, POST records (a known day or video id is updated: 200, else 201)."""

    filter_backends: list = []
    model = AccountSnapshot

    def records(self):
        raise NotImplementedError

    def record(self, creator: Creator, data: dict):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.records()

    def create(self, request: Request, *args, **kwargs) -> Response:
        creator = self.creator()  # another agency's creator is a 404 before anything else
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            obj, created = self.record(creator, data)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(
            self.get_serializer(obj).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["insights"])
class SnapshotList(_RecordList):
    """A creator's account snapshots, newest first (`?account=<id>` for one account)."""

    serializer_class = AccountSnapshotSerializer
    model = AccountSnapshot

    def records(self):
        queryset = insight_selectors.creator_snapshots(agency=self.agency, creator=self.creator())
        account = ascii_int(self.request.query_params.get("account"))
        if account is not None:
            queryset = queryset.filter(social_account_id=account)
        return queryset

    def record(self, creator: Creator, data: dict):
        return insight_services.account_snapshot_record(
            account=data.pop("social_account"),
            actor=self.request.user,
            source=MetricsSource.API,
            **data,
        )


@extend_schema(tags=["insights"])
class VideoList(_RecordList):
    """A creator's videos with their latest figures, newest first."""

    serializer_class = VideoSerializer
    model = Video

    def records(self):
        return insight_selectors.creator_videos(agency=self.agency, creator=self.creator())

    def record(self, creator: Creator, data: dict):
        return insight_services.video_record(
            account=data.pop("social_account"),
            actor=self.request.user,
            source=MetricsSource.API,
            **data,
        )


@extend_schema(tags=["insights"], responses=CreatorEligibilitySerializer)
class CreatorEligibility(_CreatorScoped, generics.GenericAPIView):
    """Each program's rules for the creator: which pass, and by how much the others miss."""

    serializer_class = CreatorEligibilitySerializer

    def get(self, request: Request, *args, **kwargs) -> Response:
        insight = insight_selectors.creator_insight(
            agency=self.agency, creator=self.creator(), videos=10
        )
        return Response(self.get_serializer(eligibility_payload(insight)).data)


@extend_schema(tags=["insights"], responses=CreatorEstimatesSerializer)
class CreatorEstimates(_CreatorScoped, generics.GenericAPIView):
    """Estimated earnings per program: per video (latest 20), per month (12), the rolling
    30-day forecast, and the forecast's accuracy against settled payout statements."""

    serializer_class = CreatorEstimatesSerializer

    def get(self, request: Request, *args, **kwargs) -> Response:
        page = insight_selectors.insight_page(
            agency=self.agency, creator=self.creator(), history_days=0
        )
        return Response(CreatorEstimatesSerializer(estimates_payload(page)).data)


@extend_schema(tags=["insights"])
class RosterEligibility(_PersonalDataByRole, generics.ListAPIView):
    """Eligibility and tier of the roster's creators, with the roster's filters (e.g.
    `?eligibility=creativity_program-close`). A page costs the same queries at any size."""

    read_roles = INSIGHTS_VIEW
    serializer_class = RosterEligibilitySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CreatorFilter
    queryset = Creator.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Creator.objects.none()
        return selectors.roster(agency=self.agency).prefetch_related(None)

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        creators = list(page)
        insights = insight_selectors.creator_insights(
            agency=self.agency, creators=[c.pk for c in creators]
        )
        data = [
            {**eligibility_payload(insights[c.pk]), "display_name": c.display_name}
            for c in creators
        ]
        return self.get_paginated_response(self.get_serializer(data, many=True).data)


@extend_schema(tags=["insights"])
class RateCard(AgencyAPIMixin, generics.GenericAPIView):
    """The brand-deal tiers (the DESIGN.md defaults until the owner saves the agency's own).
    PUT replaces all four tiers."""

    read_roles = INSIGHTS_VIEW
    write_roles = RATE_CARD_EDIT
    serializer_class = RateCardSerializer

    def _body(self, bands) -> dict:
        return {
            "currency": bands[0].currency if bands else rate_cards.DEFAULT_CURRENCY,
            "tiers": [band_payload(band) for band in bands],
        }

    def get(self, request: Request, *args, **kwargs) -> Response:
        bands = rate_cards.rate_card(agency=self.agency)
        return Response(RateCardSerializer(self._body(bands)).data)

    def put(self, request: Request, *args, **kwargs) -> Response:
        serializer = RateCardSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        tiers = {
            t["tier"]: {
                "min_followers": t["min_followers"],
                "fee_min": t["fee_min"],
                "fee_max": t.get("fee_max"),
            }
            for t in data["tiers"]
        }
        try:
            bands = rate_cards.rate_card_update(
                agency=self.agency, actor=request.user, tiers=tiers, currency=data["currency"]
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(RateCardSerializer(self._body(bands)).data)


# --- the creator's own ------------------------------------------------------------------------


class _Mine(AgencyAPIMixin):
    read_roles = PORTAL_VIEW

    def get_serializer_context(self):
        # Their own date of birth: the age rule says when they turn 18.
        return {**super().get_serializer_context(), "personal_data": True}

    def own(self) -> Creator:
        creator = selectors.own_creator(agency=self.agency, user=self.request.user)
        if creator is None:
            raise NotFound
        return creator


@extend_schema(tags=["creator portal"], responses=CreatorEligibilitySerializer)
class MyEligibility(_Mine, generics.GenericAPIView):
    """The signed-in creator's program eligibility, rule by rule."""

    serializer_class = CreatorEligibilitySerializer

    def get(self, request: Request, *args, **kwargs) -> Response:
        insight = insight_selectors.creator_insight(
            agency=self.agency, creator=self.own(), videos=10
        )
        return Response(self.get_serializer(eligibility_payload(insight)).data)


@extend_schema(tags=["creator portal"], responses=CreatorEstimatesSerializer)
class MyEstimates(_Mine, generics.GenericAPIView):
    """The signed-in creator's estimated program earnings (no accuracy figures)."""

    serializer_class = CreatorEstimatesSerializer

    def get(self, request: Request, *args, **kwargs) -> Response:
        page = insight_selectors.insight_page(
            agency=self.agency, creator=self.own(), history_days=0, with_accuracy=False
        )
        return Response(CreatorEstimatesSerializer(estimates_payload(page)).data)


@extend_schema(tags=["creator portal"])
class MySnapshots(_Mine, generics.ListAPIView):
    """The signed-in creator's account snapshots, newest first."""

    serializer_class = AccountSnapshotSerializer
    filter_backends: list = []
    queryset = AccountSnapshot.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccountSnapshot.objects.none()
        return insight_selectors.creator_snapshots(agency=self.agency, creator=self.own())

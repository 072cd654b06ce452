"""The API twins of a statement's detail actions: adjustments, holds, disputes and the
agency's payments to the creator.

Each calls the service the statement page calls (payouts/services.py), with its row lock,
its status change along the lifecycle and its audit entry. Reads are for owners, finance
and account managers, writes for owners and finance (payouts/permissions.py). The POSTs
that create money (adjustments, payments) take an `Idempotency-Key` (core/idempotency.py).
Releasing a hold already released, or closing a dispute already closed, is a 409.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.tenancy import get_for_agency
from core.idempotency import IDEMPOTENCY_KEY, IDEMPOTENCY_RESPONSES, idempotent

from . import services
from .decision_api import CONFLICT, decide
from .models import Adjustment, CreatorPayment, Dispute, DisputeStatus, Hold, PayoutStatement
from .permissions import PAYOUTS_READ, PAYOUTS_WRITE
from .serializers import (
    AdjustmentSerializer,
    CreatorPaymentSerializer,
    DisputeCloseSerializer,
    DisputeSerializer,
    HoldSerializer,
)


class _StatementPartList(AgencyAPIMixin, generics.ListCreateAPIView):
    """A statement's adjustments, holds, disputes or payments (a handful: not paged)."""

    read_roles = PAYOUTS_READ
    write_roles = PAYOUTS_WRITE
    pagination_class = None
    related_name = ""
    order = ("created_at", "id")

    def statement(self) -> PayoutStatement:
        return get_for_agency(PayoutStatement, self.agency, pk=self.kwargs["pk"])

    def get_queryset(self):
        model = self.get_serializer_class().Meta.model
        if getattr(self, "swagger_fake_view", False):
            return model.objects.none()
        return getattr(self.statement(), self.related_name).order_by(*self.order)

    def create(self, request: Request, *args, **kwargs) -> Response:
        statement = self.statement()  # another agency's statement is a 404 first
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            created = self.perform(statement, dict(serializer.validated_data))
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)

    def perform(self, statement: PayoutStatement, data: dict):
        raise NotImplementedError


@extend_schema(tags=["payouts"])
class AdjustmentList(_StatementPartList):
    """A statement's adjustments; POST records one with its reason and moves a settled
    statement to "adjusted" (owner, finance)."""

    serializer_class = AdjustmentSerializer
    queryset = Adjustment.objects.none()
    related_name = "adjustments"

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={201: AdjustmentSerializer, **IDEMPOTENCY_RESPONSES},
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        return self.create(request, *args, **kwargs)

    def perform(self, statement, data):
        return services.adjustment_add(statement=statement, actor=self.request.user, **data)


@extend_schema(tags=["payouts"])
class HoldList(_StatementPartList):
    """A statement's holds; POST puts the payout on hold while the platform verifies it
    (owner, finance)."""

    serializer_class = HoldSerializer
    queryset = Hold.objects.none()
    related_name = "holds"

    def perform(self, statement, data):
        return services.hold_place(statement=statement, actor=self.request.user, **data)


@extend_schema(tags=["payouts"])
class DisputeList(_StatementPartList):
    """A statement's disputes, newest first; POST opens one with the transaction data and
    links sent to the platform, and moves the statement to "disputed" (owner, finance)."""

    serializer_class = DisputeSerializer
    queryset = Dispute.objects.none()
    related_name = "disputes"
    order = ("-opened_at", "-id")

    def perform(self, statement, data):
        return services.dispute_open(statement=statement, actor=self.request.user, **data)


@extend_schema(tags=["payouts"])
class CreatorPaymentList(_StatementPartList):
    """The agency's payments to the creator for a statement; POST records one, for a
    reconciled statement only and never more than is still to pay (owner, finance)."""

    serializer_class = CreatorPaymentSerializer
    queryset = CreatorPayment.objects.none()
    related_name = "creator_payments"

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={201: CreatorPaymentSerializer, **IDEMPOTENCY_RESPONSES},
    )
    @idempotent
    def post(self, request: Request, *args, **kwargs) -> Response:
        return self.create(request, *args, **kwargs)

    def perform(self, statement, data):
        return services.creator_payment_record(
            statement=statement,
            actor=self.request.user,
            paid_on=data["paid_on"],
            reference=data["reference"],
            amount=data["amount"],
            currency=data.get("currency"),
        )


@extend_schema(tags=["payouts"])
class HoldRelease(AgencyAPIMixin, generics.GenericAPIView):
    """Release a hold; the statement goes back to settled (or estimated) when it was its
    last (owner, finance)."""

    read_roles = PAYOUTS_WRITE
    write_roles = PAYOUTS_WRITE
    serializer_class = HoldSerializer
    queryset = Hold.objects.none()

    @extend_schema(request=None, responses={200: HoldSerializer, 409: CONFLICT})
    def post(self, request: Request, *args, **kwargs) -> Response:
        hold = get_for_agency(Hold, self.agency, pk=kwargs["pk"])
        released = decide(
            lambda: services.hold_release(hold=hold, actor=request.user),
            still_open=lambda: Hold.objects.filter(pk=hold.pk, released_at__isnull=True).exists(),
        )
        return Response(self.get_serializer(released).data)


@extend_schema(tags=["payouts"])
class DisputeClose(AgencyAPIMixin, generics.GenericAPIView):
    """Close an open dispute as resolved or rejected, saying what was decided (owner,
    finance)."""

    read_roles = PAYOUTS_WRITE
    write_roles = PAYOUTS_WRITE
    serializer_class = DisputeSerializer
    queryset = Dispute.objects.none()

    @extend_schema(
        request=DisputeCloseSerializer, responses={200: DisputeSerializer, 409: CONFLICT}
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        dispute = get_for_agency(Dispute, self.agency, pk=kwargs["pk"])
        body = DisputeCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closed = decide(
            lambda: services.dispute_close(
                dispute=dispute, actor=request.user, **body.validated_data
            ),
            still_open=lambda: Dispute.objects.filter(
                pk=dispute.pk, status=DisputeStatus.OPEN
            ).exists(),
        )
        return Response(self.get_serializer(closed).data)

"""The payouts API: statements, bank transactions, matches and reconciliation runs.

Same tenant and role rules as the pages (`AgencyAPIMixin`, payouts/permissions.py), the same
filters (payouts/filters.py), the same services for every write.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.tenancy import get_for_agency

from . import reconciliation, selectors, services
from .filters import MatchFilter, RunFilter, StatementFilter, TransactionFilter
from .line_import import statement_lines_import
from .models import BankTransaction, Match, PayoutLine, PayoutStatement, ReconciliationRun
from .permissions import PAYOUTS_READ, PAYOUTS_WRITE
from .serializers import (
    BankTransactionSerializer,
    ImportProblemSerializer,
    MatchSerializer,
    PayoutLineSerializer,
    PayoutStatementDetailSerializer,
    PayoutStatementSerializer,
    ReconciliationRunSerializer,
    StatementImportResultSerializer,
    StatementImportSerializer,
)
from .statement_import import StatementImportError, statement_import


class _PayoutsAPI(AgencyAPIMixin):
    read_roles = PAYOUTS_READ
    write_roles = PAYOUTS_WRITE
    filter_backends = [DjangoFilterBackend]


@extend_schema(tags=["payouts"])
class StatementList(_PayoutsAPI, generics.ListCreateAPIView):
    """Payout statements, newest period first; create one (owner, finance)."""

    serializer_class = PayoutStatementSerializer
    filterset_class = StatementFilter
    queryset = PayoutStatement.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PayoutStatement.objects.none()
        return selectors.statement_list(agency=self.agency)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            statement = services.statement_create(
                agency=self.agency, actor=request.user, data=dict(serializer.validated_data)
            )
        return Response(self.get_serializer(statement).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class StatementDetail(_PayoutsAPI, generics.RetrieveUpdateAPIView):
    """One statement with its line items, adjustments, holds and disputes. PATCH/PUT change
    it along the lifecycle (owner, finance)."""

    serializer_class = PayoutStatementDetailSerializer
    queryset = PayoutStatement.objects.none()

    def get_queryset(self):
        return self.for_agency(
            PayoutStatement.objects.select_related("creator").prefetch_related(
                "lines", "adjustments", "holds", "disputes"
            )
        )

    def get_object(self) -> PayoutStatement:
        return get_for_agency(self.get_queryset(), self.agency, pk=self.kwargs["pk"])

    def update(self, request: Request, *args, **kwargs) -> Response:
        statement = self.get_object()
        serializer = self.get_serializer(
            statement, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        with service_errors():
            services.statement_update(
                statement=statement, actor=request.user, changes=dict(serializer.validated_data)
            )
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema(tags=["payouts"])
class StatementImport(_PayoutsAPI, generics.GenericAPIView):
    """Import a payout statements CSV, or a `lines` CSV of their line items (`kind=lines`),
    as the import page does: all or nothing; a 400 lists every problem with its line and
    column (the first 1,000). Owner, finance."""

    serializer_class = StatementImportSerializer
    read_roles = PAYOUTS_WRITE

    @extend_schema(
        request={"multipart/form-data": StatementImportSerializer},
        responses={200: StatementImportResultSerializer},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        kind = serializer.validated_data["kind"]
        if upload.size > settings.STATEMENT_IMPORT_MAX_BYTES:
            raise serializers.ValidationError(
                {"file": [_("The file is larger than the import limit.")]}
            )
        service = statement_lines_import if kind == "lines" else statement_import
        try:
            result = service(agency=self.agency, actor=request.user, data=upload.read())
        except StatementImportError as exc:
            problems = ImportProblemSerializer(exc.errors[:1000], many=True).data
            return Response(
                {"errors": problems, "error_count": len(exc.errors)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = {"kind": kind, **vars(result)}
        data.pop("statements", None)
        return Response(StatementImportResultSerializer(data).data)


@extend_schema(tags=["payouts"])
class StatementLineList(_PayoutsAPI, generics.ListCreateAPIView):
    """A statement's per-asset line items; add one (owner, finance). A line with a campaign
    code counts towards that campaign's revenue."""

    serializer_class = PayoutLineSerializer
    queryset = PayoutLine.objects.none()
    pagination_class = None  # a statement has a handful of lines

    def statement(self) -> PayoutStatement:
        return get_for_agency(PayoutStatement, self.agency, pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PayoutLine.objects.none()
        return self.statement().lines.order_by("pk")

    def create(self, request: Request, *args, **kwargs) -> Response:
        statement = self.statement()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            line = services.payout_line_add(
                statement=statement, actor=request.user, **serializer.validated_data
            )
        return Response(self.get_serializer(line).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class StatementLineDetail(_PayoutsAPI, generics.RetrieveUpdateDestroyAPIView):
    """One line item of a statement: change it with PATCH/PUT or remove it (owner,
    finance)."""

    serializer_class = PayoutLineSerializer
    queryset = PayoutLine.objects.none()

    def get_object(self) -> PayoutLine:
        return get_for_agency(
            PayoutLine.objects.select_related("statement"),
            self.agency,
            pk=self.kwargs["pk"],
            statement_id=self.kwargs["statement_pk"],
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        line = self.get_object()
        serializer = self.get_serializer(
            line, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        with service_errors():
            line = services.payout_line_update(
                line=line, actor=request.user, changes=dict(serializer.validated_data)
            )
        return Response(self.get_serializer(line).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.payout_line_delete(line=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["payouts"])
class TransactionList(_PayoutsAPI, generics.ListAPIView):
    """Imported bank transactions, newest booking first."""

    serializer_class = BankTransactionSerializer
    filterset_class = TransactionFilter
    queryset = BankTransaction.objects.none()

    def get_queryset(self):
        return self.for_agency(
            BankTransaction.objects.select_related("bank_account").order_by("-booking_date", "-id")
        )


@extend_schema(tags=["payouts"])
class MatchList(_PayoutsAPI, generics.ListAPIView):
    """Matches between statements and bank credits: proposed (the exceptions queue),
    confirmed, rejected or reversed; each with its rule and confidence."""

    serializer_class = MatchSerializer
    filterset_class = MatchFilter
    queryset = Match.objects.none()

    def get_queryset(self):
        return self.for_agency(Match.objects.select_related("statement").order_by("-id"))


@extend_schema(tags=["payouts"])
class RunList(_PayoutsAPI, generics.ListAPIView):
    """Reconciliation runs, newest first. POST starts a run in the background (owner,
    finance); follow its progress on the run's detail."""

    serializer_class = ReconciliationRunSerializer
    filterset_class = RunFilter
    queryset = ReconciliationRun.objects.none()

    def get_queryset(self):
        return self.for_agency(ReconciliationRun.objects.order_by("-created_at", "-id"))

    @extend_schema(request=None, responses={202: ReconciliationRunSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        run = reconciliation.run_start(agency=self.agency, actor=request.user)
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["payouts"])
class RunDetail(_PayoutsAPI, generics.RetrieveAPIView):
    serializer_class = ReconciliationRunSerializer
    queryset = ReconciliationRun.objects.none()

    def get_object(self) -> ReconciliationRun:
        return get_for_agency(ReconciliationRun, self.agency, pk=self.kwargs["pk"])

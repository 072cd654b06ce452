"""The API twins of the exceptions queue: confirm, reject or undo a match, match by hand,
and the reconciliation issues (list, resolve).

The same services as the review screen (payouts/reconciliation/decisions.py, issues.py), so
the same row locks and audit entries. A decision on something already decided (a match no
longer proposed, an issue already closed) is a 409 with the service's message; other
refusals are a 400.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, decide, service_errors
from agencies.tenancy import get_for_agency

from . import reconciliation, selectors
from .models import BankTransaction, Match, MatchStatus, PayoutStatement, ReconciliationIssue
from .permissions import PAYOUTS_READ, PAYOUTS_WRITE
from .reconciliation import issues as reconciliation_issues
from .serializers import (
    IssueResolveSerializer,
    ManualMatchSerializer,
    MatchSerializer,
    ReconciliationIssueSerializer,
)

CONFLICT = OpenApiResponse(description="Already decided: the message says what it is now.")


class _DecisionAPI(AgencyAPIMixin, generics.GenericAPIView):
    read_roles = PAYOUTS_WRITE
    write_roles = PAYOUTS_WRITE


_MATCH_DECISIONS = {
    "confirm": (reconciliation.match_confirm, MatchStatus.PROPOSED),
    "reject": (reconciliation.match_reject, MatchStatus.PROPOSED),
    "unmatch": (reconciliation.match_unmatch, MatchStatus.CONFIRMED),
}


@extend_schema(tags=["payouts"])
class MatchDecision(_DecisionAPI):
    """Confirm or reject a proposed match, or undo (unmatch) a confirmed one, as the
    exceptions queue does (owner, finance). Confirming moves the money and rejects the
    proposals that no longer fit; a rejected pair is never proposed again."""

    serializer_class = MatchSerializer
    queryset = Match.objects.none()
    decision = "confirm"

    @extend_schema(request=None, responses={200: MatchSerializer, 409: CONFLICT})
    def post(self, request: Request, *args, **kwargs) -> Response:
        match = get_for_agency(Match, self.agency, pk=kwargs["pk"])
        service, open_status = _MATCH_DECISIONS[self.decision]
        decided = decide(
            lambda: service(match=match, actor=request.user),
            still_open=lambda: Match.objects.filter(pk=match.pk, status=open_status).exists(),
        )
        return Response(self.get_serializer(decided).data)


@extend_schema(tags=["payouts"])
class MatchManual(_DecisionAPI):
    """Match a bank credit to a settled statement by hand, as much as is open on both sides
    (owner, finance). Another agency's statement or transaction is a 404."""

    serializer_class = MatchSerializer

    @extend_schema(request=ManualMatchSerializer, responses={201: MatchSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        body = ManualMatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        statement = get_for_agency(
            PayoutStatement, self.agency, pk=body.validated_data["statement"]
        )
        txn = get_for_agency(BankTransaction, self.agency, pk=body.validated_data["transaction"])
        with service_errors():
            match = reconciliation.match_manual(
                statement=statement, transaction_=txn, actor=request.user
            )
        return Response(self.get_serializer(match).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class IssueList(AgencyAPIMixin, generics.ListAPIView):
    """Open reconciliation issues, oldest first: bank returns that fit no single credit and
    deposits waiting for an exchange rate (the exceptions queue's list)."""

    read_roles = PAYOUTS_READ
    serializer_class = ReconciliationIssueSerializer
    queryset = ReconciliationIssue.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReconciliationIssue.objects.none()
        return selectors.open_reconciliation_issues(agency=self.agency)


@extend_schema(tags=["payouts"])
class IssueResolve(_DecisionAPI):
    """Close an open issue saying how it was handled (owner, finance)."""

    serializer_class = ReconciliationIssueSerializer

    @extend_schema(
        request=IssueResolveSerializer,
        responses={200: ReconciliationIssueSerializer, 409: CONFLICT},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        issue = get_for_agency(ReconciliationIssue, self.agency, pk=kwargs["pk"])
        body = IssueResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resolved = decide(
            lambda: reconciliation_issues.issue_resolve(
                issue=issue, actor=request.user, resolution=body.validated_data.get("resolution")
            ),
            still_open=lambda: ReconciliationIssue.objects.filter(
                pk=issue.pk, resolved_at__isnull=True
            ).exists(),
        )
        return Response(self.get_serializer(resolved).data)

"""The rewards API: bonus pools and rules (list, create, read, change, delete), awards (list,
read) and "evaluate now". Same tenant and role rules as the pages (`AgencyAPIMixin`,
rewards/permissions.py), the same filters (rewards/filters.py), the same services."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.tasking import enqueue_on_commit
from agencies.tenancy import get_for_agency

from . import selectors, services
from .filters import AwardFilter, PoolFilter, RuleFilter
from .models import BonusAward, BonusPool, BonusRule
from .permissions import REWARDS_EDIT, REWARDS_VIEW
from .serializers import (
    BonusAwardSerializer,
    BonusPoolSerializer,
    BonusRuleChangeSerializer,
    BonusRuleSerializer,
)


class _RewardsAPI(AgencyAPIMixin):
    read_roles = REWARDS_VIEW
    write_roles = REWARDS_EDIT
    filter_backends = [DjangoFilterBackend]


@extend_schema(tags=["rewards"])
class PoolList(_RewardsAPI, generics.ListCreateAPIView):
    """Bonus pools, newest first (`?campaign=`); create one on a campaign, in its currency
    (owner, account manager)."""

    serializer_class = BonusPoolSerializer
    filterset_class = PoolFilter
    queryset = BonusPool.objects.none()

    def get_queryset(self):
        return self.for_agency(selectors.pool_list(agency=getattr(self, "agency", None)))

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k in services.POOL_FIELDS}
        with service_errors():
            pool = services.pool_create(agency=self.agency, actor=request.user, data=data)
        return Response(self.get_serializer(pool).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["rewards"])
class PoolDetail(_RewardsAPI, generics.RetrieveUpdateDestroyAPIView):
    """One bonus pool; PATCH/PUT change it (never below what it awarded), DELETE removes it
    while it has awarded nothing (owner, account manager)."""

    serializer_class = BonusPoolSerializer
    queryset = BonusPool.objects.none()

    def get_object(self) -> BonusPool:
        return get_for_agency(
            BonusPool.objects.select_related("campaign"), self.agency, pk=self.kwargs["pk"]
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        pool = self.get_object()
        serializer = self.get_serializer(
            pool, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        with service_errors():
            pool = services.pool_update(
                pool=pool, actor=request.user, changes=dict(serializer.validated_data)
            )
        return Response(self.get_serializer(pool).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with service_errors():
            services.pool_delete(pool=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["rewards"])
class RuleList(_RewardsAPI, generics.ListCreateAPIView):
    """Bonus rules, newest first (`?pool=&kpi=`); add one to a pool (owner, account
    manager)."""

    serializer_class = BonusRuleSerializer
    filterset_class = RuleFilter
    queryset = BonusRule.objects.none()

    def get_queryset(self):
        return self.for_agency(selectors.rule_list(agency=getattr(self, "agency", None)))

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pool = data.pop("pool")
        with service_errors():
            rule = services.rule_create(pool=pool, actor=request.user, data=data)
        return Response(self.get_serializer(rule).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["rewards"])
class RuleDetail(_RewardsAPI, generics.RetrieveUpdateDestroyAPIView):
    """One bonus rule; PATCH/PUT change it, DELETE removes it while it has awarded nothing
    (owner, account manager)."""

    serializer_class = BonusRuleChangeSerializer
    queryset = BonusRule.objects.none()

    def get_object(self) -> BonusRule:
        return get_for_agency(
            BonusRule.objects.select_related("pool"), self.agency, pk=self.kwargs["pk"]
        )

    def update(self, request: Request, *args, **kwargs) -> Response:
        rule = self.get_object()
        serializer = self.get_serializer(
            rule, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        with service_errors():
            rule = services.rule_update(
                rule=rule, actor=request.user, changes=dict(serializer.validated_data)
            )
        return Response(self.get_serializer(rule).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with service_errors():
            services.rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["rewards"])
class AwardList(_RewardsAPI, generics.ListAPIView):
    """Bonus awards, newest first (`?campaign=&creator=&kpi=&capped=&awarded_from=
    &awarded_to=&sort=`), each with its expected payout statement."""

    serializer_class = BonusAwardSerializer
    filterset_class = AwardFilter
    queryset = BonusAward.objects.none()

    def get_queryset(self):
        return self.for_agency(
            selectors.award_list(agency=getattr(self, "agency", None)).order_by(
                "-created_at", "-pk"
            )
        )


@extend_schema(tags=["rewards"])
class AwardDetail(_RewardsAPI, generics.RetrieveAPIView):
    serializer_class = BonusAwardSerializer
    queryset = BonusAward.objects.none()

    def get_object(self) -> BonusAward:
        return get_for_agency(
            selectors.award_list(agency=self.agency), self.agency, pk=self.kwargs["pk"]
        )


@extend_schema(tags=["rewards"], request=None, responses={202: OpenApiTypes.OBJECT})
class Evaluate(_RewardsAPI, APIView):
    """Queue the bonus evaluation the daily beat runs (owner, account manager); idempotent:
    nothing is awarded twice. Follow the awards list for what it awarded."""

    read_roles = REWARDS_EDIT

    def post(self, request: Request, *args, **kwargs) -> Response:
        enqueue_on_commit("rewards.evaluate_agency", self.agency.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)

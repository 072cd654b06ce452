"""The income mix in the API: a creator's income by stream and month (staff), and the
creator's own (portal). The twin of `payouts.views.income`; amounts are decimal strings
beside their currency, never added across currencies."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api_base import AgencyAPIMixin
from agencies.models import CURRENCY_CHOICES
from agencies.tenancy import get_for_agency
from creators.insights.selectors import agency_today
from creators.models import Creator

from .income import DEFAULT_MONTHS, MAX_MONTHS, CurrencyMix, IncomeMix, income_mix
from .permissions import PAYOUTS_PORTAL, PAYOUTS_READ


class IncomeQuery(serializers.Serializer):
    months = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_MONTHS, default=DEFAULT_MONTHS
    )
    convert_to = serializers.ChoiceField(
        required=False, choices=CURRENCY_CHOICES, allow_blank=True, default=""
    )


def _currency(mix: CurrencyMix) -> dict:
    return {
        "currency": mix.currency,
        "total": str(mix.total),
        "estimated": str(mix.estimated),
        "sources": [
            {
                "source": s.source,
                "label": s.label,
                "amount": str(s.amount),
                "share": None if s.share is None else str(round(s.share, 4)),
            }
            for s in mix.sources
        ],
        "months": [
            {
                "month": row.month.isoformat()[:7],
                "amounts": {source: str(amount) for source, amount in row.amounts.items()},
                "total": str(row.total),
                "estimated": str(row.estimated),
                "rates": [
                    {
                        "currency": currency,
                        "rate": str(quote.rate),
                        "source": quote.source,
                        "date": quote.date.isoformat() if quote.date else None,
                    }
                    for currency, quote in row.rates
                ],
            }
            for row in mix.months
        ],
    }


def income_body(mix: IncomeMix) -> dict:
    return {
        "first_month": mix.first_month.isoformat()[:7],
        "last_month": mix.last_month.isoformat()[:7],
        "currencies": [_currency(c) for c in mix.currencies],
        "convert_to": mix.convert_to,
        "converted": _currency(mix.converted) if mix.converted else None,
        "unconverted": [
            {"month": u.month.isoformat()[:7], "currency": u.currency, "total": str(u.total)}
            for u in mix.unconverted
        ],
    }


_PARAMETERS = [
    OpenApiParameter("months", int, description=f"1 to {MAX_MONTHS}; default {DEFAULT_MONTHS}."),
    OpenApiParameter(
        "convert_to",
        str,
        description="Also convert into this currency, month by month, where a rate is known.",
    ),
]


class _IncomeView(AgencyAPIMixin, APIView):
    def mix(self, request: Request, creator: Creator) -> Response:
        query = IncomeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        mix = income_mix(
            agency=self.agency,
            creator=creator,
            today=agency_today(self.agency),
            months=query.validated_data["months"],
            convert_to=query.validated_data["convert_to"],
        )
        return Response(income_body(mix))


@extend_schema(tags=["payouts"], parameters=_PARAMETERS, responses=OpenApiTypes.OBJECT)
class CreatorIncome(_IncomeView):
    """A creator's income by stream and month, per currency."""

    read_roles = PAYOUTS_READ

    def get(self, request: Request, *args, **kwargs) -> Response:
        return self.mix(request, get_for_agency(Creator, self.agency, pk=kwargs["pk"]))


@extend_schema(tags=["creator portal"], parameters=_PARAMETERS, responses=OpenApiTypes.OBJECT)
class MyIncome(_IncomeView):
    """The signed-in creator's own income by stream and month, per currency."""

    read_roles = PAYOUTS_PORTAL

    def get(self, request: Request, *args, **kwargs) -> Response:
        creator = Creator.objects.for_agency(self.agency).filter(user=request.user).first()
        if creator is None:
            raise NotFound
        return self.mix(request, creator)

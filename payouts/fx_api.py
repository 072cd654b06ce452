"""The exchange-rate API: the agency's own rates (list, set, delete), the ECB reference rates
(list, and an upload of one of the ECB's files). Same roles and filters as the pages
(payouts/views/fx.py, payouts/forms_fx.py), the same services for every write."""

from __future__ import annotations

from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.tenancy import get_for_agency

from . import fx
from .forms_fx import FxRateFilter, ReferenceRateFilter
from .models import FxRate, ReferenceRate
from .permissions import PAYOUTS_READ, PAYOUTS_WRITE


class FxRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = FxRate
        fields = ["id", "date", "base", "quote", "rate", "created_at"]
        read_only_fields = ["id", "created_at"]


class ReferenceRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferenceRate
        fields = ["date", "currency", "rate", "source"]
        read_only_fields = fields


class RatesFileSerializer(serializers.Serializer):
    file = serializers.FileField()


ImportSummarySerializer = inline_serializer(
    "ReferenceRateImportSummary",
    {
        "file_name": serializers.CharField(),
        "days": serializers.IntegerField(),
        "currencies": serializers.IntegerField(),
        "first": serializers.DateField(),
        "last": serializers.DateField(),
        "new": serializers.IntegerField(),
        "changed": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
    },
)


class _RatesAPI(AgencyAPIMixin):
    read_roles = PAYOUTS_READ
    write_roles = PAYOUTS_WRITE
    filter_backends = [DjangoFilterBackend]


@extend_schema(tags=["payouts"])
class FxRateList(_RatesAPI, generics.ListCreateAPIView):
    """The agency's own exchange rates (one `base` in `quote` on `date`), newest day first,
    `?currency=&date_from=&date_to=`. POST sets one (owner, finance): a day and pair that
    already has a rate gets the new one."""

    serializer_class = FxRateSerializer
    filterset_class = FxRateFilter
    queryset = FxRate.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no agency
            return FxRate.objects.none()
        return fx.fx_rate_list(agency=self.agency)

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            fx_rate = fx.fx_rate_set(
                agency=self.agency, actor=request.user, **serializer.validated_data
            )
        return Response(self.get_serializer(fx_rate).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class FxRateDetail(_RatesAPI, generics.RetrieveDestroyAPIView):
    """One of the agency's own rates; DELETE removes it (owner, finance)."""

    serializer_class = FxRateSerializer
    queryset = FxRate.objects.none()

    def get_object(self) -> FxRate:
        return get_for_agency(FxRate, self.agency, pk=self.kwargs["pk"])

    def perform_destroy(self, instance: FxRate) -> None:
        fx.fx_rate_delete(fx_rate=instance, actor=self.request.user)


@extend_schema(tags=["payouts"])
class ReferenceRateList(_RatesAPI, generics.ListAPIView):
    """The ECB's euro reference rates (units of `currency` per euro) of the currencies the
    app supports, newest day first, `?currency=&date_from=&date_to=`. Shared by every
    agency."""

    serializer_class = ReferenceRateSerializer
    filterset_class = ReferenceRateFilter
    queryset = ReferenceRate.objects.none()

    def get_queryset(self):
        return fx.reference_rate_list()


@extend_schema(tags=["payouts"])
class ReferenceRateImport(_RatesAPI, APIView):
    """Upload one of the ECB's reference-rate files (multipart `file`: eurofxref-hist.zip or
    .csv, eurofxref-hist-90d.xml, eurofxref-daily.xml, eurofxref.csv) into the shared table
    (owner, finance). All or nothing; the answer counts new, changed and unchanged rates."""

    parser_classes = [MultiPartParser, FormParser]
    read_roles = frozenset()

    @extend_schema(request=RatesFileSerializer, responses={200: ImportSummarySerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        serializer = RatesFileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            summary = fx.reference_rates_import_upload(
                upload=upload, actor=request.user, agency=self.agency
            )
        except fx.RateFileError as exc:
            raise serializers.ValidationError({"file": [exc.render(gettext)]}) from None
        return Response(
            {
                "file_name": summary.file_name,
                "days": summary.days,
                "currencies": summary.currencies,
                "first": summary.first,
                "last": summary.last,
                "new": summary.new,
                "changed": summary.changed,
                "unchanged": summary.unchanged,
            }
        )

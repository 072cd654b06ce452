"""Dispute evidence packs in the API: list a dispute's packs and ask for one (built by a
Celery task), then download it when ready. The twin of `payouts.views.evidence`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.api_base import AgencyAPIMixin
from agencies.tenancy import get_for_agency

from . import evidence
from .evidence_download import evidence_pack_response
from .models import Dispute, DisputeEvidencePack, EvidencePackStatus
from .permissions import EVIDENCE_BUILD, EVIDENCE_DOWNLOAD


class EvidencePackSerializer(serializers.ModelSerializer):
    download_ready = serializers.SerializerMethodField()

    class Meta:
        model = DisputeEvidencePack
        fields = [
            "id",
            "dispute",
            "campaign_code",
            "status",
            "counts",
            "error",
            "created_at",
            "finished_at",
            "download_ready",
        ]
        read_only_fields = fields

    def get_download_ready(self, obj: DisputeEvidencePack) -> bool:
        return obj.status == EvidencePackStatus.READY and bool(obj.file)


class EvidencePackRequestSerializer(serializers.Serializer):
    campaign_code = serializers.CharField(max_length=40)


def _body_error(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(
            {k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}
        )
    return serializers.ValidationError({"non_field_errors": exc.messages})


@extend_schema(tags=["payouts"])
class DisputeEvidenceList(AgencyAPIMixin, generics.ListCreateAPIView):
    """A dispute's evidence packs, newest first; POST asks for a new one (202: it is built
    in the background; poll the list for its status)."""

    read_roles = EVIDENCE_DOWNLOAD
    write_roles = EVIDENCE_BUILD
    serializer_class = EvidencePackSerializer
    queryset = DisputeEvidencePack.objects.none()
    pagination_class = None

    def dispute(self) -> Dispute:
        return get_for_agency(Dispute, self.agency, pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DisputeEvidencePack.objects.none()
        return evidence.pack_list(agency=self.agency, dispute=self.dispute())

    @extend_schema(request=EvidencePackRequestSerializer, responses={202: EvidencePackSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        dispute = self.dispute()  # another agency's dispute is a 404 before anything else
        body = EvidencePackRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            pack = evidence.evidence_pack_request(
                dispute=dispute,
                actor=request.user,
                campaign_code=body.validated_data["campaign_code"],
            )
        except DjangoValidationError as exc:
            raise _body_error(exc) from exc
        pack.refresh_from_db()
        return Response(self.get_serializer(pack).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["payouts"], responses={(200, "application/zip"): OpenApiTypes.BINARY})
class EvidencePackDownload(AgencyAPIMixin, APIView):
    """The ZIP of a ready evidence pack (404 until it is ready)."""

    read_roles = EVIDENCE_DOWNLOAD

    def get(self, request: Request, *args, **kwargs):
        return evidence_pack_response(self.agency, kwargs["pk"])

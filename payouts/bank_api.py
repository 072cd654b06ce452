"""The API twins of the bank pages: bank accounts, uploading a bank statement file, and the
imports with their status.

An upload goes through the service the import page uses (`services.bank_file_upload`): the
same size limit, and a file above BANK_IMPORT_ASYNC_BYTES stored and imported by the Celery
task. A file imported at once answers 201 with its import; a queued one 202 with its import
(status "queued"), whose detail shows how it goes (importing, done with its counts, or
failed with the reason).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin, service_errors
from agencies.tenancy import get_for_agency

from . import services
from .filters import BankImportFilter
from .models import BankAccount, BankImport, ImportStatus
from .permissions import PAYOUTS_READ, PAYOUTS_WRITE
from .serializers import BankAccountSerializer, BankFileUploadSerializer, BankImportSerializer


class _BankAPI(AgencyAPIMixin):
    read_roles = PAYOUTS_READ
    write_roles = PAYOUTS_WRITE


@extend_schema(tags=["payouts"])
class BankAccountList(_BankAPI, generics.ListCreateAPIView):
    """The agency's bank accounts; POST adds one (owner, finance). An IBAN the agency
    already has is refused."""

    serializer_class = BankAccountSerializer
    queryset = BankAccount.objects.none()
    pagination_class = None  # an agency has a few accounts

    def get_queryset(self):
        return self.for_agency(BankAccount.objects.order_by("name", "id"))

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            account = services.bank_account_create(
                agency=self.agency, actor=request.user, **serializer.validated_data
            )
        return Response(self.get_serializer(account).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["payouts"])
class BankFileUpload(_BankAPI, generics.GenericAPIView):
    """Upload a bank statement file into this account (owner, finance): CAMT.053, MT940,
    OFX or CSV (with the account's column mapping); all or nothing, and transactions
    imported before are skipped. 201 when imported at once; 202 when the file is large
    enough to be imported in the background (follow the import's detail). A refused file
    is a 400 saying why; nothing of it is saved."""

    read_roles = PAYOUTS_WRITE
    serializer_class = BankImportSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": BankFileUploadSerializer},
        responses={201: BankImportSerializer, 202: BankImportSerializer},
    )
    def post(self, request: Request, *args, **kwargs) -> Response:
        account = get_for_agency(BankAccount, self.agency, pk=kwargs["pk"])
        body = BankFileUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with service_errors():
            bank_import = services.bank_file_upload(
                account=account,
                actor=request.user,
                upload=body.validated_data["file"],
                format=body.validated_data["format"] or None,
            )
        queued = bank_import.status == ImportStatus.QUEUED
        return Response(
            self.get_serializer(bank_import).data,
            status=status.HTTP_202_ACCEPTED if queued else status.HTTP_201_CREATED,
        )


@extend_schema(tags=["payouts"])
class BankImportList(_BankAPI, generics.ListAPIView):
    """Bank statement imports, newest first, with their status and counts; filter by
    `status` and `bank_account`."""

    serializer_class = BankImportSerializer
    filterset_class = BankImportFilter
    queryset = BankImport.objects.none()

    def get_queryset(self):
        return self.for_agency(
            BankImport.objects.select_related("bank_account").order_by("-created_at", "-id")
        )


@extend_schema(tags=["payouts"])
class BankImportDetail(_BankAPI, generics.RetrieveAPIView):
    """One bank statement import: queued, importing, done (with its counts) or failed (with
    the reason; nothing of the file was saved)."""

    serializer_class = BankImportSerializer
    queryset = BankImport.objects.none()

    def get_object(self) -> BankImport:
        return get_for_agency(
            BankImport.objects.select_related("bank_account"), self.agency, pk=self.kwargs["pk"]
        )

"""Sample files to try the imports with (payouts/samples.py): a statements CSV and a bank
statement in each format, filled with the agency's own creators and account."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from agencies.tenancy import agency_view, get_for_agency
from core.downloads import private_download

from .. import samples
from ..models import BankAccount
from ..permissions import PAYOUTS_WRITE


def _download(data: bytes, name: str, content_type: str) -> HttpResponse:
    # The samples name the agency's creators and bank account: never cached, like any export.
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return private_download(response)


@agency_view(allow=PAYOUTS_WRITE)
@require_GET
def statements_sample(request: HttpRequest) -> HttpResponse:
    data = samples.statements_csv(request.agency)
    return _download(data, "payout-statements-sample.csv", "text/csv; charset=utf-8")


BANK_SAMPLES = {
    "camt053": (samples.bank_camt053, "xml", "application/xml"),
    "mt940": (samples.bank_mt940, "sta", "text/plain; charset=iso-8859-1"),
}


@agency_view(allow=PAYOUTS_WRITE)
@require_GET
def bank_sample(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    account = get_for_agency(BankAccount, request.agency, pk=pk)
    if fmt not in BANK_SAMPLES:
        raise Http404
    write, extension, content_type = BANK_SAMPLES[fmt]
    account.agency = request.agency  # the sample's dates follow the agency's day
    return _download(write(account), f"bank-statement-sample-{fmt}.{extension}", content_type)

"""Dispute evidence pages: the packs of one dispute with the request form, and the
download. Thin: authorise, call the service (the build itself runs in a Celery task)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from agencies.tenancy import agency_view, get_for_agency
from core.formflow import submit_form

from .. import evidence
from ..evidence_download import evidence_pack_response
from ..forms_evidence import EvidencePackForm
from ..models import Dispute
from ..permissions import EVIDENCE_BUILD, EVIDENCE_DOWNLOAD


@agency_view(allow=EVIDENCE_DOWNLOAD, write=EVIDENCE_BUILD)
@require_http_methods(["GET", "POST"])
def dispute_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_for_agency(
        Dispute.objects.select_related("statement__creator"), request.agency, pk=pk
    )
    codes = evidence.suggested_codes(agency=request.agency, dispute=dispute)
    form = EvidencePackForm(
        request.POST or None, initial={"campaign_code": codes[0] if codes else ""}
    )
    here = reverse(
        "payouts:dispute_evidence", kwargs={"agency_slug": request.agency.slug, "pk": dispute.pk}
    )
    done = submit_form(
        request,
        form,
        lambda data: evidence.evidence_pack_request(
            dispute=dispute, actor=request.user, campaign_code=data["campaign_code"]
        ),
        success=_("The evidence pack is being built. It appears below when it is ready."),
        redirect_to=here,
    )
    if done:
        return done
    context = {
        "dispute": dispute,
        "statement": dispute.statement,
        "packs": list(evidence.pack_list(agency=request.agency, dispute=dispute)),
        "form": form if request.can_write else None,
        "codes": codes,
    }
    status = 400 if form.errors else 200
    return render(request, "payouts/evidence/dispute.html", context, status=status)


@agency_view(allow=EVIDENCE_DOWNLOAD)
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> HttpResponse:
    return evidence_pack_response(request.agency, pk)

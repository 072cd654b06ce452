"""KPIs: a campaign's metrics CSV import and recording a conversion."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.tenancy import agency_view
from core.formflow import add_service_errors

from .. import services
from ..forms import ConversionForm, SnapshotImportForm
from ..metrics_csv import CsvImportError
from ..permissions import KPI_WRITE
from .common import form_page, get_campaign


@agency_view(allow=KPI_WRITE)
@require_http_methods(["GET", "POST"])
def metrics_import(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    form = SnapshotImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            # Read at most one byte past the limit: the service refuses anything longer.
            data = upload.read(settings.CSV_IMPORT_MAX_BYTES + 1)
            count = services.snapshots_import(campaign=campaign, actor=request.user, data=data)
        except CsvImportError as error:
            errors = error.errors
            form.add_error("file", _("Nothing was imported: fix the rows below and try again."))
        else:
            messages.success(request, _("Imported %(n)s snapshots.") % {"n": count})
            return redirect("campaigns:detail", agency_slug=request.agency.slug, pk=pk)
    context = {
        "form": form,
        "campaign": campaign,
        "errors": errors[:200],
        "error_count": len(errors),
    }
    return render(
        request, "campaigns/metrics_import.html", context, status=400 if form.errors else 200
    )


@agency_view(allow=KPI_WRITE)
@require_http_methods(["GET", "POST"])
def conversion_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_campaign(request, pk)
    form = ConversionForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.conversion_record(
                campaign=campaign, actor=request.user, fields=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if event.deliverable_id:
                messages.success(request, _("Conversion recorded and attributed."))
            else:
                messages.warning(
                    request,
                    _("Conversion recorded; no posted deliverable's window covers it."),
                )
            return redirect("campaigns:detail", agency_slug=request.agency.slug, pk=pk)
    return form_page(
        request,
        form,
        title=_("Record a conversion for %(code)s") % {"code": campaign.code},
        back=reverse("campaigns:detail", kwargs={"agency_slug": request.agency.slug, "pk": pk}),
        submit=_("Record conversion"),
    )

"""The product's URLconf plus the bench's floor view: what Django itself costs on the same
server for 25 rows from one indexed query (bench/served.py). Loaded only by
bench/served_settings.py."""

from __future__ import annotations

from django.db import transaction
from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns
from core.db_scope import tenant_transaction
from creators.models import Creator


@transaction.non_atomic_requests  # its one transaction is the tenant scope's
def floor(request, agency_id: int) -> JsonResponse:
    """The first 25 creators by name: one query on the (agency, display_name) index, in the
    agency's row-level-security scope as the roster page has it. No sign-in, no template."""
    with tenant_transaction(agency_id):
        rows = list(
            Creator.objects.filter(agency_id=agency_id)
            .order_by("display_name", "id")
            .values("id", "display_name", "email", "country", "status")[:25]
        )
    return JsonResponse({"results": rows})


urlpatterns = [
    path("bench/floor/<int:agency_id>/", floor, name="bench-floor"),
    *product_urlpatterns,
]

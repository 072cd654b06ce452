"""Platform staff pages (is_staff): the agencies on this installation, starting a new one."""

from __future__ import annotations

from core.lazy_urls import path, views_of

onboarding_views = views_of("agencies.onboarding_views")

app_name = "staff"

urlpatterns = [
    path("agencies/", onboarding_views.staff_agencies, name="agencies"),
    path("agencies/new/", onboarding_views.staff_agency_create, name="agency-create"),
]

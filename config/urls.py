from __future__ import annotations

from allauth.mfa.recovery_codes.views import download_recovery_codes
from django.conf import settings
from django.contrib import admin
from django.urls import include

from campaigns import urls as campaign_urls
from config import api_docs
from core.downloads import private_download_view
from core.lazy_urls import path, views_of
from reports import urls as report_urls

handler403 = "agencies.error_views.error_403"
handler404 = "agencies.error_views.error_404"
handler500 = "agencies.error_views.error_500"

agency_views = views_of("agencies.views")

api_v1 = [
    path("agencies/<slug:agency_slug>/", include("agencies.api_urls")),
    path("agencies/<slug:agency_slug>/", include("creators.api_urls")),
    path("agencies/<slug:agency_slug>/", include("payouts.api_urls")),
    path("agencies/<slug:agency_slug>/", include("campaigns.api_urls")),
    path("agencies/<slug:agency_slug>/", include("reports.api_urls")),
    path("agencies/<slug:agency_slug>/", include("moderation.api_urls")),
    path("agencies/<slug:agency_slug>/", include("cockpit.api_urls")),
    path("agencies/<slug:agency_slug>/", include("platforms.api_urls")),
    path("agencies/<slug:agency_slug>/", include("leads.api_urls")),
    path("agencies/<slug:agency_slug>/", include("rewards.api_urls")),
    path("agencies/<slug:agency_slug>/", include("crisis.api_urls")),
]

urlpatterns = [
    path("", agency_views.home, name="home"),
    # allauth's recovery-codes file, never cached (the rest of allauth below).
    path(
        "accounts/2fa/recovery-codes/download/",
        private_download_view(download_recovery_codes),
        name="mfa_download_recovery_codes",
    ),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("invitations/", include("agencies.invitation_urls")),
    path("staff/", include("agencies.staff_urls")),
    # A sponsor's report link: signed, expiring, revocable, no login.
    path("r/", include("reports.share_urls")),
    path("a/<slug:agency_slug>/", include("agencies.urls")),
    path("a/<slug:agency_slug>/home/", include("cockpit.urls")),
    path("a/<slug:agency_slug>/creators/", include("creators.urls")),
    path("a/<slug:agency_slug>/me/", include("creators.portal_urls")),
    path("a/<slug:agency_slug>/payouts/", include("payouts.urls")),
    # A campaign's sponsor-report pages (reports/urls.py) keep their campaigns: names and
    # paths; campaigns itself does not import the reports app above it.
    path(
        "a/<slug:agency_slug>/campaigns/",
        include(
            (campaign_urls.urlpatterns + report_urls.urlpatterns, campaign_urls.app_name),
            namespace=campaign_urls.app_name,
        ),
    ),
    path("a/<slug:agency_slug>/moderation/", include("moderation.urls")),
    path("a/<slug:agency_slug>/platforms/", include("platforms.urls")),
    path("a/<slug:agency_slug>/leads/", include("leads.urls")),
    path("a/<slug:agency_slug>/rewards/", include("rewards.urls")),
    path("a/<slug:agency_slug>/crisis/", include("crisis.urls")),
    path("platforms/", include("platforms.oauth_urls")),
    path("platforms/webhooks/", include("platforms.webhook_urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    # Schema and docs for signed-in users only (config/api_docs.py).
    path("api/schema/", api_docs.schema, name="api-schema"),
    path("api/docs/", api_docs.docs, name="api-docs"),
    # Prometheus scrape endpoint, behind METRICS_TOKEN (ops/views.py).
    path("", include("ops.urls")),
]

# Staff with two-factor only, signing in through allauth (agencies/admin_site.py); not
# mounted at all unless ADMIN_ENABLED (off by default outside DEBUG).
if settings.ADMIN_ENABLED:
    urlpatterns.insert(0, path("admin/", admin.site.urls))

# No MEDIA_URL route, not even under DEBUG: uploaded files leave only through the tenant-checked
# views (contract and report PDFs, agencies:logo), whatever storage holds them.

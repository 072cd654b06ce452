"""The Django admin behind the app's own sign-in.

Django's admin has a login form of its own that knows nothing of two-factor authentication
or allauth's rate limits. Here the admin has no login form: its login page sends visitors to
allauth's (`account_login`, with `next`), so signing in to the admin is signing in to the
app, with the app's throttling and TOTP step. On top of that the admin opens only to active
staff with an authenticator app. Every request by a signed-in user is written to the staff
access log (`StaffAccess`), those turned away included. The admin is mounted only when
`ADMIN_ENABLED` (config/urls.py; off by default outside DEBUG).
"""

from __future__ import annotations

import logging
from functools import wraps
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger("talentdesk.admin")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def staff_may_use_admin(user) -> bool:
    """Active staff with an authenticator app (TOTP): the only people the admin opens for."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    authenticator = apps.get_model("mfa", "Authenticator")
    return authenticator.objects.filter(user=user, type=authenticator.Type.TOTP).exists()


def staff_access_record(*, request: HttpRequest, status_code: int, denied: bool = False) -> None:
    """Append one row to the staff access log for this admin request (and a log line)."""
    access = apps.get_model("agencies", "StaffAccess")
    if denied:
        action = access.Action.DENIED
    elif request.method in SAFE_METHODS:
        action = access.Action.VIEW
    else:
        action = access.Action.CHANGE
    try:
        ip_address = get_adapter().get_client_ip(request)
    except PermissionDenied:
        ip_address = None
    row = access.objects.create(
        user_pk=request.user.pk,
        user_email=request.user.email or request.user.get_username(),
        action=action,
        method=request.method[:10],
        path=request.get_full_path()[:500],
        status_code=status_code,
        ip_address=ip_address,
    )
    logger.info(
        "admin %s by %s: %s %s -> %s",
        row.action,
        row.user_email,
        row.method,
        row.path,
        status_code,
        extra={"user_id": row.user_pk, "ip": ip_address},
    )


class StaffAdminSite(admin.AdminSite):
    site_header = gettext_lazy("Talentdesk administration")
    site_title = gettext_lazy("Talentdesk administration")

    def has_permission(self, request: HttpRequest) -> bool:
        # Asked by admin_view and again by the templates: one query per request.
        if not hasattr(request, "_staff_may_use_admin"):
            request._staff_may_use_admin = staff_may_use_admin(request.user)
        return request._staff_may_use_admin

    def admin_view(self, view, cacheable: bool = False):
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def audited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = inner(request, *args, **kwargs)
            # Whoever may not use the admin was sent to its login page, which records a
            # signed-in user's denial; an anonymous visitor writes nothing.
            if self.has_permission(request) and response.status_code < 500:
                staff_access_record(request=request, status_code=response.status_code)
            return response

        return audited

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """No admin login form: sign in through the app, then come back."""
        target = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            login_url = reverse("account_login")
            return redirect(f"{login_url}?{urlencode({REDIRECT_FIELD_NAME: target})}")
        if user.is_active and user.is_staff and not staff_may_use_admin(user):
            staff_access_record(request=request, status_code=302, denied=True)
            messages.warning(
                request,
                _(
                    "The admin needs two-factor authentication. Set up an authenticator "
                    "app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        if staff_may_use_admin(user):
            return redirect(target)
        # A response, not PermissionDenied: raising would roll back the log row with the request.
        staff_access_record(request=request, status_code=403, denied=True)
        reason = _("The admin is for platform staff only.")
        return render(request, "errors/403.html", {"reason": reason}, status=403)

    def logout(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("account_logout")

    def password_change(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return redirect("account_change_password")

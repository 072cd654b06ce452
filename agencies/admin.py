from __future__ import annotations

from django.contrib import admin

from .models import Agency, ApiToken, AuditLog, Invitation, Membership, StaffAccess


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "default_currency", "require_mfa"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role", "created_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__email", "agency__name"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "agency", "role", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["agency", "role"]
    exclude = ["digest"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "membership",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["digest"]


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "agency", "actor", "action", "object_repr"]
    list_filter = ["agency", "action"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffAccess)
class StaffAccessAdmin(admin.ModelAdmin):
    """Read-only: the admin's own access log (agencies/admin_site.py)."""

    list_display = ["created_at", "user_email", "action", "method", "path", "status_code"]
    list_filter = ["action", "method"]
    search_fields = ["user_email", "path"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

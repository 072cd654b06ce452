from __future__ import annotations

from django.contrib import admin

from .models import Campaign, Contract, Deliverable, Sponsor


@admin.register(Sponsor)
class SponsorAdmin(admin.ModelAdmin):
    list_display = ["brand", "category", "agency"]
    search_fields = ["brand"]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["title", "sponsor", "status", "agency"]
    list_filter = ["status"]
    readonly_fields = ["status", "signed_at", "override_reason"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "sponsor", "agency"]
    search_fields = ["code", "name"]


@admin.register(Deliverable)
class DeliverableAdmin(admin.ModelAdmin):
    list_display = ["campaign", "creator", "kind", "status", "due_date"]
    list_filter = ["status"]
    readonly_fields = ["status", "approved_by", "approved_at", "submitted_at"]

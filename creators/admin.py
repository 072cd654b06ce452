from __future__ import annotations

from django.contrib import admin

from .models import Creator, NicheTag, SocialAccount


class SocialAccountInline(admin.TabularInline):
    model = SocialAccount
    extra = 0


@admin.register(Creator)
class CreatorAdmin(admin.ModelAdmin):
    list_display = ["display_name", "agency", "status", "country", "email"]
    list_filter = ["agency", "status"]
    search_fields = ["display_name", "legal_name", "email"]
    inlines = [SocialAccountInline]
    raw_id_fields = ["user", "account_manager"]


@admin.register(NicheTag)
class NicheTagAdmin(admin.ModelAdmin):
    list_display = ["name", "agency"]

"""INSTALLED_APPS names `StaffAdminConfig` instead of `django.contrib.admin`: the same admin
app, with the site that signs in through allauth (agencies/admin_site.py). A module of its
own, because the app registry imports it before any model is ready."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "agencies.admin_site.StaffAdminSite"

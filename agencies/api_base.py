"""The base of every agency API view: tenant from the URL, membership, role, then handler.

Like `agency_view` for HTML: a non-member (or a token of another agency's membership) gets 404,
a member whose role is not allowed gets 403 (reads need `read_roles`, writes `write_roles`,
declared on the view and checked here only). The agency's time zone is active for the rest of
the request, as on its pages: datetimes are written with the agency's offset
(2026-12-07T19:00:00+14:00 in Kiritimati) and a datetime sent without an offset is read as
the agency's wall-clock time.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request

from core.db_scope import request_agency

from .models import ApiToken, Membership
from .roles import Role
from .tenancy import membership_for, user_has_mfa


class AgencyRolePermission(permissions.BasePermission):
    """Reads need `read_roles`, writes `write_roles` (both declared on the view)."""

    def has_permission(self, request, view) -> bool:
        # From the view, not the request: DRF's OPTIONS metadata checks each write method on
        # a clone of the request, which carries none of the attributes `initial` set on it.
        membership: Membership = view.membership
        if request.method == "OPTIONS":
            # What a write-only endpoint accepts is for those who may write to it.
            roles = view.read_roles | getattr(view, "write_roles", frozenset())
        elif request.method in permissions.SAFE_METHODS:
            roles = view.read_roles
        else:
            roles = getattr(view, "write_roles", frozenset())
        return membership.role in roles


class AgencyMetadata(SimpleMetadata):
    """OPTIONS: the fields of each write the member's role allows.

    Unlike DRF's own, it never fetches the object to describe PUT: permissions here are per
    role, not per object, and views look their objects up in ways of their own.
    """

    def determine_actions(self, request, view):
        actions = {}
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
            except (exceptions.APIException, PermissionDenied, Http404):
                continue
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions


@contextmanager
def service_errors():
    """A service's Django ValidationError becomes a 400 with the same field messages."""
    try:
        yield
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise serializers.ValidationError(detail) from None


class AlreadyDecided(exceptions.APIException):
    """409: what the request would decide is decided already (a match confirmed, an
    invitation accepted); the body is the service's message saying what it is now."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "already_decided"


def decide(action: Callable[[], Any], *, still_open: Callable[[], bool]) -> Any:
    """Run a decision service; its refusal is a 409 when the thing is no longer open (read
    again after the service, which checked it under its row lock), a 400 otherwise."""
    try:
        with service_errors():
            return action()
    except serializers.ValidationError as exc:
        if not still_open():
            raise AlreadyDecided(exc.detail) from None
        raise


@extend_schema_field(OpenApiTypes.INT)
class StaffField(serializers.PrimaryKeyRelatedField):
    """A user id among the staff of the request's agency: a creator login or another agency's
    user is refused like an unknown id."""

    def get_queryset(self):
        return (
            get_user_model()
            .objects.filter(memberships__agency=self.context["agency"])
            .exclude(memberships__role=Role.CREATOR)
            .distinct()
        )


class AgencyAPIMixin:
    read_roles: frozenset[str] = frozenset()
    write_roles: frozenset[str] = frozenset()
    permission_classes = [permissions.IsAuthenticated, AgencyRolePermission]
    metadata_class = AgencyMetadata

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        self.perform_authentication(request)
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        agency_slug = kwargs.get("agency_slug", "")
        if isinstance(request.auth, ApiToken):
            # A token is its membership (loaded with it, agency and user included): another
            # agency's address is a 404, as for an agency the user does not belong to.
            membership = request.auth.membership
            if membership.agency.slug != agency_slug:
                raise Http404
        else:
            membership = membership_for(request.user, agency_slug)
        if (
            membership.agency.require_mfa
            and request.auth is None
            and not user_has_mfa(request.user)
        ):
            raise exceptions.PermissionDenied("This agency requires two-factor authentication.")
        request.membership = membership
        request.agency = membership.agency
        self.agency = membership.agency
        self.membership = membership
        request_agency(membership.agency_id, request.user.pk)
        # Cleared at `request_finished` (agencies.tenancy.request_timezone_end), as for pages.
        timezone.activate(membership.agency.tzinfo)
        super().initial(request, *args, **kwargs)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["agency"] = getattr(self, "agency", None)
        return context

    def for_agency(self, queryset):
        """`queryset`'s rows of this request's agency (none while the schema is generated,
        which has no agency)."""
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.filter(agency=self.agency)

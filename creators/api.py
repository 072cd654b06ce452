"""Roster API: the same tenant and role rules as the HTML roster (`AgencyAPIMixin`), the same
filters (`CreatorFilter`), the same services for every write."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from agencies.api_base import AgencyAPIMixin
from agencies.tenancy import get_for_agency
from core.api_pagination import StandardPagination
from core.pagination import CountedPaginator

from . import roster_cache, selectors, services
from .filters import CreatorFilter, is_filtered
from .models import Creator, SocialAccount
from .permissions import PERSONAL_DATA_VIEW, PORTAL_VIEW, ROSTER_EDIT, ROSTER_VIEW
from .serializers import (
    CreatorProfileSerializer,
    CreatorRowSerializer,
    CreatorSerializer,
    OffboardSerializer,
    SocialAccountSerializer,
)

# Service field names that the API calls differently.
_API_FIELD_NAMES = {"user": "login"}


def api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as a DRF 400 body keyed by the API's field names."""
    if hasattr(exc, "error_dict"):
        body = {}
        for field, errors in exc.error_dict.items():
            name = "non_field_errors" if field == "__all__" else _API_FIELD_NAMES.get(field, field)
            body[name] = [message for error in errors for message in error.messages]
        return serializers.ValidationError(body)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class _RosterMixin(AgencyAPIMixin):
    read_roles = ROSTER_VIEW
    write_roles = ROSTER_EDIT

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        # The schema describes every field; a request shows personal data by role.
        context["personal_data"] = getattr(self, "swagger_fake_view", False) or (
            self.membership.role in PERSONAL_DATA_VIEW
        )
        return context

    def roster(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no agency
            return Creator.objects.none()
        return selectors.roster(agency=self.agency)

    def reloaded(self, creator: Creator) -> Creator:
        """The creator as the roster reads it (with `total_followers`), after a write."""
        return self.roster().get(pk=creator.pk)


class _RosterPagination(StandardPagination):
    """The standard pages, counted from the cached size of the roster when no filter
    narrows it (`selectors.roster_facets`)."""

    def paginate_queryset(self, queryset, request, view=None):
        count = None
        if view is not None and not is_filtered(request.query_params):
            count = selectors.roster_facets(agency=view.agency).count
        self.django_paginator_class = partial(CountedPaginator, count=count)
        return super().paginate_queryset(queryset, request, view)


@extend_schema(tags=["roster"])
class CreatorList(_RosterMixin, generics.ListCreateAPIView):
    """The agency's creators: search (`q`), filters, sort and pages as on the roster page."""

    serializer_class = CreatorSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CreatorFilter
    pagination_class = _RosterPagination
    queryset = Creator.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Creator.objects.none()
        return selectors.roster_rows(agency=self.agency)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else selectors.roster_rows_complete(page, agency=self.agency)

    def list(self, request: Request, *args, **kwargs) -> HttpResponse:
        """A page of the list, kept in the roster cache per agency, roster version, role,
        language, time zone and full address (its links to the next and previous pages
        carry the host and query): creators/roster_cache.py. As JSON, the rendered body is
        kept (reading it back and encoding it again cost a tenth of a cached answer's CPU);
        for another renderer (the browsable API), the data."""
        if getattr(self, "swagger_fake_view", False) or not roster_cache.usable(
            request.query_params
        ):
            return super().list(request, *args, **kwargs)
        renderer = request.accepted_renderer
        as_json = isinstance(renderer, JSONRenderer)
        key = roster_cache.key(
            "api-json" if as_json else "api",
            agency_id=self.agency.pk,
            role=self.membership.role,
            # The media type asked for (`application/json; indent=4` is indented).
            parts=[request.build_absolute_uri(), request.accepted_media_type],
        )
        uncached = super().list
        if not as_json:
            return Response(
                roster_cache.cached(key, lambda: uncached(request, *args, **kwargs).data)
            )

        def rendered() -> bytes:
            data = uncached(request, *args, **kwargs).data
            return renderer.render(data, request.accepted_media_type, self.get_renderer_context())

        return HttpResponse(roster_cache.cached(key, rendered), content_type=renderer.media_type)

    def get_serializer_class(self):
        # The list's rows are written by the lean row serializer; a POST answers as before.
        if getattr(self, "swagger_fake_view", False):  # the schema names one shape
            return CreatorSerializer
        if self.request is not None and self.request.method == "GET":
            return CreatorRowSerializer
        return CreatorSerializer

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            creator = services.creator_create(
                agency=self.agency, actor=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        data = self.get_serializer(self.reloaded(creator)).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["roster"])
class CreatorDetail(_RosterMixin, generics.RetrieveUpdateAPIView):
    serializer_class = CreatorSerializer
    queryset = Creator.objects.none()

    def get_queryset(self):
        return self.roster()

    def get_object(self) -> Creator:
        return get_for_agency(self.get_queryset(), self.agency, pk=self.kwargs["pk"])

    def update(self, request: Request, *args, **kwargs) -> Response:
        creator = self.get_object()
        serializer = self.get_serializer(
            creator, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        niches = changes.pop("niches", None)
        try:
            services.creator_update(creator=creator, actor=request.user, niches=niches, **changes)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(self.get_serializer(self.reloaded(creator)).data)


class _CreatorActionView(_RosterMixin, generics.GenericAPIView):
    serializer_class = CreatorSerializer
    queryset = Creator.objects.none()

    def creator(self) -> Creator:
        return get_for_agency(Creator, self.agency, pk=self.kwargs["pk"])

    def respond(self, creator: Creator) -> Response:
        return Response(self.get_serializer(self.reloaded(creator)).data)


@extend_schema(tags=["roster"], request=OffboardSerializer, responses=CreatorSerializer)
class CreatorOffboard(_CreatorActionView):
    """Offboard a creator (kept on the roster, marked offboarded; the reason is audited)."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        creator = self.creator()  # another agency's creator is a 404 before anything else
        body = OffboardSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.creator_offboard(
                creator=creator, actor=request.user, reason=body.validated_data.get("reason", "")
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self.respond(creator)


@extend_schema(tags=["roster"], request=None, responses=CreatorSerializer)
class CreatorReactivate(_CreatorActionView):
    """Bring an offboarded creator back as active."""

    def post(self, request: Request, *args, **kwargs) -> Response:
        creator = self.creator()
        try:
            services.creator_reactivate(creator=creator, actor=request.user)
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return self.respond(creator)


class _SocialAccountMixin(_RosterMixin):
    serializer_class = SocialAccountSerializer
    queryset = SocialAccount.objects.none()

    def owner(self) -> Creator:
        if not hasattr(self, "_owner"):
            self._owner = get_for_agency(Creator, self.agency, pk=self.kwargs["pk"])
        return self._owner

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SocialAccount.objects.none()
        return SocialAccount.objects.filter(agency=self.agency, creator=self.owner())


@extend_schema(tags=["roster"])
class SocialAccountList(_SocialAccountMixin, generics.ListCreateAPIView):
    """A creator's social accounts (all of them: no pages)."""

    pagination_class = None
    filter_backends: list = []

    def create(self, request: Request, *args, **kwargs) -> Response:
        creator = self.owner()  # another agency's creator is a 404 before anything else
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            account = services.social_account_add(
                creator=creator, actor=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(self.get_serializer(account).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["roster"])
class SocialAccountDetail(_SocialAccountMixin, generics.RetrieveUpdateDestroyAPIView):
    def get_object(self) -> SocialAccount:
        return get_for_agency(self.get_queryset(), self.agency, pk=self.kwargs["account_pk"])

    def update(self, request: Request, *args, **kwargs) -> Response:
        account = self.get_object()
        serializer = self.get_serializer(
            account, data=request.data, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        try:
            account = services.social_account_update(
                account=account, actor=request.user, **serializer.validated_data
            )
        except DjangoValidationError as exc:
            raise api_error(exc) from exc
        return Response(self.get_serializer(account).data)

    def perform_destroy(self, instance: SocialAccount) -> None:
        services.social_account_remove(account=instance, actor=self.request.user)


@extend_schema(tags=["creator portal"])
class MyCreatorProfile(AgencyAPIMixin, generics.RetrieveAPIView):
    """The signed-in creator's own profile in this agency."""

    read_roles = PORTAL_VIEW
    serializer_class = CreatorProfileSerializer
    queryset = Creator.objects.none()

    def get_object(self) -> Creator:
        creator = selectors.own_creator(agency=self.agency, user=self.request.user)
        if creator is None:
            raise NotFound
        return creator

"""The leads API: list (the page's filters) and detail, read-only.

Same tenant and role rules as the pages (`AgencyAPIMixin`, leads/permissions.py): staff who
work conversations read leads; the e-mail address is masked for community managers.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from agencies.api_base import AgencyAPIMixin
from agencies.tenancy import get_for_agency

from . import selectors
from .filters import LeadFilter
from .models import Lead
from .permissions import LEADS_VIEW
from .serializers import LeadDetailSerializer, LeadSerializer


class _LeadsAPI(AgencyAPIMixin):
    read_roles = LEADS_VIEW
    filter_backends = [DjangoFilterBackend]


@extend_schema(tags=["leads"])
class LeadList(_LeadsAPI, generics.ListAPIView):
    """The agency's leads from DM conversations, newest first; filter with
    `?campaign=&creator=&follow_up=&converted=&q=&sort=`."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    queryset = Lead.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lead.objects.none()
        return selectors.lead_list(agency=self.agency)


@extend_schema(tags=["leads"])
class LeadDetail(_LeadsAPI, generics.RetrieveAPIView):
    """One lead with the DM that carried the address, the comment that started the
    conversation and the follow-up DM."""

    serializer_class = LeadDetailSerializer
    queryset = Lead.objects.none()

    def get_object(self) -> Lead:
        return get_for_agency(
            selectors.lead_get_queryset(agency=self.agency), self.agency, pk=self.kwargs["pk"]
        )

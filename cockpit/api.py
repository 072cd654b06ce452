"""The cockpit's API twin: the same counts, links and figures as the agency home."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from agencies.api_base import AgencyAPIMixin
from agencies.roles import STAFF_ROLES

from . import selectors
from .serializers import CockpitSerializer


@extend_schema(
    summary="The caller's cockpit",
    description=(
        "What is late or at risk for the caller's role, each with the URL of the filtered list "
        "it counts, unreconciled money by age per currency, and this month's figures with the "
        "five months before (oldest first). Dates are the agency's."
    ),
)
class CockpitView(AgencyAPIMixin, generics.RetrieveAPIView):
    read_roles = STAFF_ROLES
    serializer_class = CockpitSerializer

    def get_object(self) -> selectors.Cockpit:
        return selectors.cockpit_for(self.agency, user=self.request.user, role=self.membership.role)

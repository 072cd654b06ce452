"""Mail to members goes out in each one's e-mail language (agencies/languages.py): the one
they chose with their weekly digest in this agency, the default language otherwise."""

from __future__ import annotations

import pytest

from agencies.languages import addresses_by_language
from agencies.models import Membership
from agencies.roles import Role
from cockpit.models import DigestSubscription
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _reads(agency, user, language: str) -> None:
    membership = Membership.objects.get(agency=agency, user=user)
    DigestSubscription.objects.create(agency=agency, membership=membership, language=language)


def test_addresses_are_grouped_by_their_members_language(agency, owner, manager, finance):
    _reads(agency, manager, "nl")
    _reads(agency, finance, "en")
    emails = [owner.email, manager.email, finance.email, "outside@example.test"]

    grouped = addresses_by_language(agency_id=agency.pk, emails=emails)

    assert grouped == {
        "en": [owner.email, finance.email, "outside@example.test"],
        "nl": [manager.email],
    }


def test_a_language_chosen_in_another_agency_does_not_count(agency, other_agency, owner):
    MembershipFactory(user=owner, agency=other_agency, role=Role.OWNER)
    _reads(other_agency, owner, "nl")

    assert addresses_by_language(agency_id=agency.pk, emails=[owner.email]) == {"en": [owner.email]}

"""OPTIONS on every API endpoint of the URL matrix: DRF's metadata works for members and
another agency's slug answers 404 (it raised AttributeError, a 500, on writable endpoints)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agencies.roles import Role

from ..factories import CreatorFactory
from ..helpers import client_for, member
from ..url_matrix import CASES

# One entry per API URL (the matrix lists a URL once per method).
API_CASES = list({c.name: c for c in CASES if c.name.startswith("api:")}.values())
# Plain Django views under /api/ that answer only POST.
POST_ONLY = {"api:moderation-webhook"}


def _allowed(name: str) -> frozenset[str]:
    return frozenset().union(*(c.allowed for c in CASES if c.name == name))


def _acting_role(name: str) -> str:
    allowed = _allowed(name)
    return Role.OWNER if Role.OWNER in allowed else sorted(allowed)[0]


@pytest.mark.django_db
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.name)
def test_options_describes_the_endpoint_to_a_member(case, agency):
    user = member(agency, _acting_role(case.name))
    creator = CreatorFactory(agency=agency)
    url = reverse(case.name, kwargs={"agency_slug": agency.slug, **case.kwargs(agency, creator)})

    response = client_for(user).options(url)

    if case.name in POST_ONLY:
        assert response.status_code == 405
        return
    assert response.status_code == 200, response.content[:300]
    assert response.json()["name"]


@pytest.mark.django_db
def test_options_lists_the_fields_of_the_writes_the_role_may_make(agency):
    creator = CreatorFactory(agency=agency)
    url = reverse("api:creator-detail", kwargs={"agency_slug": agency.slug, "pk": creator.pk})

    as_owner = client_for(member(agency, Role.OWNER)).options(url).json()
    as_finance = client_for(member(agency, Role.FINANCE)).options(url).json()

    assert as_owner["actions"]["PUT"]["display_name"]["required"] is True
    assert "actions" not in as_finance


@pytest.mark.django_db
@pytest.mark.parametrize("case", API_CASES, ids=lambda c: c.name)
def test_options_on_another_agency_answers_404(case, agency, other_agency):
    user = member(agency, _acting_role(case.name))
    other_creator = CreatorFactory(agency=other_agency)
    kwargs = case.kwargs(other_agency, other_creator)
    url = reverse(case.name, kwargs={"agency_slug": other_agency.slug, **kwargs})

    response = client_for(user).options(url)

    assert response.status_code == (405 if case.name in POST_ONLY else 404)


@pytest.mark.django_db
def test_options_is_refused_to_a_role_that_may_neither_read_nor_write(agency):
    url = reverse("api:creator-list", kwargs={"agency_slug": agency.slug})

    response = client_for(member(agency, Role.CREATOR)).options(url)

    assert response.status_code == 403

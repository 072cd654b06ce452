"""The URLconf walker: no URL ships without a cross-tenant test and a role test."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.roles import Role
from creators.models import Creator

from .factories import CreatorFactory
from .helpers import client_for, member
from .url_matrix import CASES, NOT_TENANT_SCOPED, NOT_TENANT_SCOPED_PREFIXES, UrlCase


def _walk(patterns, namespace: str = "", prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", prefix + str(p.pattern)


def all_url_names() -> dict[str, str]:
    return dict(_walk(get_resolver().url_patterns))


def _exempt(name: str) -> bool:
    if name in NOT_TENANT_SCOPED or name.startswith(NOT_TENANT_SCOPED_PREFIXES):
        return True
    return any(key.endswith(":") and name.startswith(key) for key in NOT_TENANT_SCOPED)


def test_every_url_has_a_cross_tenant_and_a_role_test():
    covered = {case.name for case in CASES}
    missing = sorted(
        f"{name}  ({route})"
        for name, route in all_url_names().items()
        if name not in covered and not _exempt(name)
    )
    assert not missing, "URLs without an entry in tests/url_matrix.py:\n" + "\n".join(missing)


def test_the_matrix_names_only_real_urls():
    names = all_url_names()
    stale = sorted(case.name for case in CASES if case.name not in names)
    assert not stale, f"tests/url_matrix.py names URLs that no longer exist: {stale}"


def test_agency_urls_are_never_exempt():
    for name, route in all_url_names().items():
        if "<slug:agency_slug>" in route:
            assert not _exempt(name), f"{name} is under an agency but marked not tenant-scoped"


def _request(client, case: UrlCase, agency_slug: str, kwargs: dict, data: dict | None = None):
    url = reverse(case.name, kwargs={"agency_slug": agency_slug, **kwargs})
    method = getattr(client, case.method)
    if case.method == "get":
        return method(url, **case.extra)
    return method(url, data or {}, **case.extra)


def _acting_user(agency, case: UrlCase):
    role = Role.CREATOR if case.allowed == {Role.CREATOR} else sorted(case.allowed)[0]
    return member(agency, role)


def _creator_of(agency, user):
    return Creator.objects.filter(agency=agency, user=user).first() or CreatorFactory(agency=agency)


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_another_agencys_slug_answers_404(case: UrlCase, agency, other_agency):
    user = _acting_user(agency, case)
    other_creator = CreatorFactory(agency=other_agency)
    kwargs = case.kwargs(other_agency, other_creator)
    response = _request(client_for(user), case, other_agency.slug, kwargs)
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("case", [c for c in CASES if c.has_object], ids=lambda c: c.id)
def test_another_agencys_object_answers_404(case: UrlCase, agency, other_agency):
    user = _acting_user(agency, case)
    other_creator = CreatorFactory(agency=other_agency)
    kwargs = case.kwargs(other_agency, other_creator)
    response = _request(client_for(user), case, agency.slug, kwargs)
    assert response.status_code == 404, response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_role_gets_exactly_its_access(case: UrlCase, role, agency):
    user = member(agency, role)
    creator = _creator_of(agency, user)
    kwargs = case.kwargs(agency, creator)
    data = case.data(agency, creator) if case.data else None
    response = _request(client_for(user), case, agency.slug, kwargs, data)
    if role in case.allowed:
        assert response.status_code not in (403, 404), (role, response.status_code)
        assert response.status_code < 500
    else:
        assert response.status_code == 403, (role, response.status_code)

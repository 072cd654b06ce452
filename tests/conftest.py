"""Fixtures every feature uses: an agency with a member of each role, and an outsider who
owns a second agency (their objects must answer 404 to us, and ours to them)."""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from agencies.roles import Role

from .factories import AgencyFactory
from .helpers import client_for, member

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.register_profile(
    "ci",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    derandomize=True,
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


@pytest.fixture(autouse=True)
def _media_root(request, tmp_path_factory):
    """Uploaded and generated files (logos, signed contracts, report PDFs) go to a folder of
    the test's own, never into the checkout's media/ (through pytest-django's settings
    fixture, so the file storage hears of the change)."""
    django_settings = request.getfixturevalue("settings")
    django_settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate limits and throttles live in the cache; tests must not leak them into each other.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Acme Talent", slug="acme", timezone="Europe/Amsterdam")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Rival Creators", slug="rival", timezone="America/New_York")


@pytest.fixture
def owner(agency):
    return member(agency, Role.OWNER, email="owner@acme.test")


@pytest.fixture
def manager(agency):
    return member(agency, Role.MANAGER, email="manager@acme.test")


@pytest.fixture
def finance(agency):
    return member(agency, Role.FINANCE, email="finance@acme.test")


@pytest.fixture
def community_manager(agency):
    return member(agency, Role.COMMUNITY_MANAGER, email="community@acme.test")


@pytest.fixture
def creator_user(agency):
    return member(agency, Role.CREATOR, email="creator@acme.test")


@pytest.fixture
def outsider(other_agency):
    return member(other_agency, Role.OWNER, email="owner@rival.test")


@pytest.fixture
def owner_client(owner):
    return client_for(owner)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


@pytest.fixture
def finance_client(finance):
    return client_for(finance)


@pytest.fixture
def creator_client(creator_user):
    return client_for(creator_user)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)

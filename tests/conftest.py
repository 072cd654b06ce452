"""Fixtures every feature uses: an agency with a member of each role, and an outsider who
owns a second agency (their objects must answer 404 to us, and ours to them)."""

from __future__ import annotations

import contextlib
import os

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import translation
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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On PostgreSQL the suite logs in as the tables' owner (DATABASE_OWNER_URL), so factories
    and assertions see every agency; requests, tasks and `tenant_transaction` switch to the
    app role (DATABASE_APP_ROLE) and meet the row-level-security policies (agencies/rls.py)."""
    from django.conf import settings as django_settings
    from django.db import connections

    from core.db_scope import owner_credentials

    credentials = owner_credentials()
    if credentials and connections["default"].vendor == "postgresql":
        django_settings.DATABASES["default"].update(credentials)
        connections["default"].settings_dict.update(credentials)


PROJECT_APPS = ("agencies", "creators", "payouts", "campaigns", "moderation", "cockpit")


@pytest.fixture(scope="session", autouse=True)
def _commands_run_as_the_app_role():
    """Our management commands run as the app role, with no agency in scope, as they do in
    production: each must scope itself (`tenant_transaction`). Django's own (migrate, flush)
    keep the owner's login."""
    from django.core.management.base import BaseCommand

    from core.db_scope import session_scope

    original = BaseCommand.execute

    def execute(self, *args, **options):
        module = type(self).__module__
        if module.split(".")[0] in PROJECT_APPS and not module.endswith(".migrate"):
            with session_scope(None):
                return original(self, *args, **options)
        return original(self, *args, **options)

    BaseCommand.execute = execute
    yield
    BaseCommand.execute = original


@pytest.fixture(autouse=True)
def _app_role_after_each_test(request):
    """A test that left a request's scope behind (a streamed response never read) must not
    hand it to the next test's fixtures."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql" and connection.connection is not None:
        with contextlib.suppress(Exception), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('app.agency_id', '', false), "
                "set_config('app.user_id', '', false), set_config('role', 'none', false)"
            )


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


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # A request in Dutch activates Dutch for the test's thread (LocaleMiddleware never
    # deactivates it): without this, every later test in the process would run in Dutch.
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


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

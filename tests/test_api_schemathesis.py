"""schemathesis over /api/schema/: every operation of the API, with requests generated from
the schema (valid and invalid ones), answers without a server error.

The schema is read through the running app, authenticated with an API token of a seeded
agency's owner, and every call goes through Django's WSGI application (schemathesis' WSGI
transport) inside the test's transaction. Path parameters name the seeded agency, and half
of the examples the objects of that agency that the URL matrix builds (tests/url_cases), so
the calls reach the handlers instead of stopping at a 404. SCHEMATHESIS_EXAMPLES (default 5)
bounds the examples per operation and generation mode (valid and invalid requests).

One test walks the operations with schemathesis' strategies (`operation.as_strategy`)
rather than through `schemathesis.pytest.from_fixture`: that loader renames pytest's test
node through `Function._nodeid`, which pytest 9.2 no longer has (AttributeError), and one
test keeps one seeded agency for the whole run.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import traceback

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache as django_cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from agencies.models import Membership
from agencies.tokens import api_token_create

from .factories import CreatorFactory
from .url_matrix import CASES

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
APPLICATION = get_wsgi_application()


@contextlib.contextmanager
def _one_connection():
    """As Django's test client does: a request must not close the test's connection (and
    with it the transaction every example runs in)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _template(name: str, kwargs: dict) -> str:
    """The schema's path of a URL name: /api/v1/agencies/{agency_slug}/creators/{pk}/."""
    route = resolve(reverse(name, kwargs=kwargs)).route
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


class Seeded:
    """The agency the API is called in: its owner's token, and its objects by path."""

    def __init__(self, agency, owner):
        self.agency = agency
        membership = Membership.objects.get(user=owner, agency=agency)
        _, key = api_token_create(membership=membership, name="schemathesis", actor=owner)
        self.headers = {"Authorization": f"Token {key}"}
        self._builders = {}
        for case in CASES:
            if case.name.startswith("api:") and case.has_object:
                kwargs = case.kwargs(agency, CreatorFactory(agency=agency))
                template = _template(case.name, {"agency_slug": agency.slug, **kwargs})
                self._builders.setdefault(template, case.kwargs)
        self._known: dict[str, dict] = {}

    def path_parameters(self, path: str, method: str, known: bool) -> dict:
        parameters = {"agency_slug": self.agency.slug}
        builder = self._builders.get(path)
        if not known or builder is None:
            return parameters
        if method == "delete" or path not in self._known:  # a deleted object is gone
            self._known[path] = builder(self.agency, CreatorFactory(agency=self.agency))
        return {**parameters, **{k: str(v) for k, v in self._known[path].items()}}


@pytest.mark.django_db
def test_the_api_answers_every_generated_request_without_a_server_error(agency, owner):
    seeded = Seeded(agency, owner)
    with _one_connection():
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json", APPLICATION, headers=seeded.headers
        )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50, "the schema lists the API's operations"

    failures = []
    for operation in operations:
        try:
            _fuzz(operation, seeded)
        except (Exception, BaseExceptionGroup) as exc:  # report every failing operation
            notes = "\n".join(getattr(exc, "__notes__", []))
            failures.append(f"{operation.label}: {str(exc)[:2000]}\n{notes[:3000]}")
    assert not failures, "\n\n".join(failures)


def _fuzz(operation, seeded: Seeded) -> None:
    method = operation.method.lower()

    def cases(known: bool):
        fixed = seeded.path_parameters(operation.path, method, known)
        return st.one_of(
            operation.as_strategy(mode, path_parameters=fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(cases(known=True), cases(known=False)))
    def calls(case) -> None:
        django_cache.clear()  # throttles: schemathesis asks far more often than a person
        errors.clear()
        with _one_connection():
            try:
                case.call_and_validate(headers=seeded.headers, checks=[not_a_server_error])
            except BaseException as exc:
                # The 500 page says nothing; name the exception behind it.
                for error in errors:
                    exc.add_note("".join(traceback.format_exception(error)[-6:]))
                raise

    errors: list[BaseException] = []

    def record(sender, request=None, **kwargs) -> None:
        errors.append(sys.exc_info()[1])

    signals.got_request_exception.connect(record)
    try:
        calls()
    finally:
        signals.got_request_exception.disconnect(record)

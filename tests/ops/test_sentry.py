"""Optional Sentry: an exception in a view is reported (here to a transport that keeps the
events in memory: nothing leaves the machine) with personal data and credentials removed."""

from __future__ import annotations

from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from config.wsgi import application
from ops.sentry import init_sentry, scrub_event


class KeptEvents(Transport):
    events: list[dict] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.get_event()
        if event is not None:
            KeptEvents.events.append(event)


@pytest.fixture
def sentry():
    KeptEvents.events = []
    init_sentry(
        dsn="https://public@sentry.invalid/1",
        environment="ci",
        release="talentdesk@test",
        traces_sample_rate=0.0,
        transport=KeptEvents,
    )
    yield KeptEvents.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def boom(token: str) -> str:
    raise RuntimeError("could not mail the invitation to owner@acme.test")


def wsgi_get(path: str, query: str, **headers: str) -> str:
    """GET through the production entry point (config.wsgi), where sentry-sdk's Django
    integration reads the URL, query string and headers; the status line is returned. As
    Django's test client does, the request neither opens nor closes the test's database
    connection (close_old_connections is off for request_started and request_finished), and
    the response is closed, so `request_finished` ends the request's database scope (left
    open, the next test's first request would spend a query resetting it)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, **headers}
    setup_testing_defaults(environ)
    started = []
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, lambda status, response_headers: started.append(status))
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return started[0]


@pytest.mark.django_db
def test_an_exception_in_a_view_is_reported_without_personal_data(sentry, monkeypatch):
    monkeypatch.setattr("agencies.views.invitations.invitation_digest", boom)

    status = wsgi_get(
        "/invitations/tok-SECRET123/",
        "token=qs-SECRET&page=2&email=someone%40example.com",
        HTTP_AUTHORIZATION="Token api-SECRET",
        HTTP_COOKIE="sessionid=session-SECRET; csrftoken=csrf-SECRET",
        HTTP_X_REQUEST_ID="sentry-1",
    )

    assert status.startswith("500")
    assert not sentry_sdk.get_client().should_send_default_pii()
    [event] = sentry
    assert event["environment"] == "ci" and event["release"] == "talentdesk@test"
    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == "could not mail the invitation to [email]"
    request = event["request"]
    assert request["url"].endswith("/invitations/[Filtered]/")
    assert request["query_string"] == "token=[Filtered]&page=2&email=[Filtered]"
    assert "cookies" not in request and "data" not in request
    headers = {name.lower(): value for name, value in request["headers"].items()}
    assert "authorization" not in headers and "cookie" not in headers
    assert headers["x-request-id"] == "sentry-1"
    assert "user" not in event or not event["user"].get("email")
    # Nothing secret or personal anywhere in what would be sent.
    text = repr(event)
    for secret in ("SECRET", "owner@acme.test", "someone@example.com", "someone%40example"):
        assert secret not in text


def test_breadcrumbs_and_extra_data_are_scrubbed_too():
    event = {
        "extra": {"api_token": "abc", "note": "reply to creator@example.com", "count": 3},
        "breadcrumbs": {
            "values": [
                {"message": "sent to a@b.nl", "data": {"url": "/x/?signature=abc&page=1"}},
            ]
        },
    }

    scrubbed = scrub_event(event, {})

    assert scrubbed["extra"] == {"api_token": "[Filtered]", "note": "reply to [email]", "count": 3}
    [crumb] = scrubbed["breadcrumbs"]["values"]
    assert crumb["message"] == "sent to [email]"
    assert crumb["data"]["url"] == "/x/?signature=[Filtered]&page=1"


def test_without_a_dsn_nothing_is_initialised(settings):
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()

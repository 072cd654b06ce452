"""One JSON line per request with its request id, agency, user, view, status and duration;
the request id from the caller (when well-formed) or a new one, returned in the response."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.test import Client
from django.urls import reverse

from ops.logs import formatter
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def test_a_request_writes_exactly_one_json_line_with_its_fields(json_lines, owner, agency):
    url = reverse("creators:list", kwargs={"agency_slug": agency.slug})

    response = client_for(owner).get(url, HTTP_X_REQUEST_ID="edge-7f3a9c")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-7f3a9c"
    [line] = json_lines.events("request")
    assert line["request_id"] == "edge-7f3a9c"
    assert line["agency"] == "acme"
    assert line["user_id"] == owner.pk
    assert line["method"] == "GET"
    assert line["path"] == url
    assert line["view"] == "creators:list"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["level"] == "info" and line["logger"] == "talentdesk.request"
    assert "timestamp" in line


def test_a_malformed_request_id_is_replaced_by_a_new_one(json_lines, db):
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID='x"\n{"forged": 1}')

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = json_lines.events("request")
    assert line["request_id"] == request_id
    assert "forged" not in json_lines.stream.getvalue()


def test_each_request_without_an_id_gets_its_own(json_lines, db):
    first = Client().get("/accounts/login/")["X-Request-ID"]
    second = Client().get("/accounts/login/")["X-Request-ID"]

    assert first != second
    assert [line["request_id"] for line in json_lines.events("request")] == [first, second]


def test_the_query_string_and_path_tokens_stay_out_of_the_log(json_lines, db):
    response = Client().get("/invitations/s3cr3t-invite-token/?token=abc123&next=/x")

    assert response.status_code == 404
    [line] = json_lines.events("request")
    assert line["path"] == "/invitations/[Filtered]/"
    assert line["view"] == "invitations:accept"
    assert line["agency"] is None and line["user_id"] is None
    text = json_lines.stream.getvalue()
    assert "s3cr3t" not in text and "abc123" not in text


def test_an_unknown_url_is_logged_without_a_view(json_lines, db):
    Client().get("/no-such-page/")

    [line] = json_lines.events("request")
    assert (line["view"], line["status"], line["path"]) == (None, 404, "/no-such-page/")


def test_a_signed_in_users_id_is_logged_outside_an_agency_too(json_lines, owner, settings):
    settings.METRICS_TOKEN = "scrape-token"

    response = client_for(owner).get("/metrics")

    assert response.status_code == 401
    [line] = json_lines.events("request")
    assert (line["user_id"], line["view"], line["agency"]) == (owner.pk, "ops:metrics", None)


def test_a_server_error_is_logged_at_error_with_the_request_id(json_lines, owner, agency):
    client = client_for(owner)
    client.raise_request_exception = False
    url = reverse("creators:list", kwargs={"agency_slug": agency.slug})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("creators.views.render", boom)
        response = client.get(url, HTTP_X_REQUEST_ID="err-1")

    assert response.status_code == 500
    [line] = json_lines.events("request")
    assert (line["status"], line["level"], line["request_id"]) == (500, "error", "err-1")
    errors = [x for x in json_lines.all() if x["logger"] == "django.request"]
    assert errors and all(x["request_id"] == "err-1" for x in errors)
    # The traceback is data, without frame variables (they hold personal data).
    [frame, *_] = errors[0]["exception"][0]["frames"]
    assert frame["filename"] and "locals" not in frame


def boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_the_console_format_is_one_readable_line_with_the_same_fields(db):
    stream = io.StringIO()
    entry = formatter("console")
    handler = logging.StreamHandler(stream)
    handler.setFormatter(entry.pop("()")(**entry))
    logging.getLogger().addHandler(handler)
    try:
        Client().get("/accounts/login/", HTTP_X_REQUEST_ID="dev-1")
    finally:
        logging.getLogger().removeHandler(handler)

    [line] = [x for x in stream.getvalue().splitlines() if "talentdesk.request" in x]
    plain = re.sub(r"\x1b\[[0-9;]*m", "", line)  # without the colours
    assert "request_id=dev-1" in plain and "view=account_login" in plain
    assert "status=200" in plain and not plain.startswith("{")


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT must be json or console"):
        formatter("xml")

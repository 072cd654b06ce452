"""The webhook takes any input without a 500 and tells a stranger nothing about which
agencies exist (its headers are checked before anything is converted)."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse

from moderation.inbound import webhook_signature
from moderation.models import InboundMessage
from tests.helpers import client_for, member
from tests.moderation.test_inbound import payload, signed_post

pytestmark = pytest.mark.django_db


def _post(client, slug: str, body: bytes, **headers):
    url = reverse("api:moderation-webhook", kwargs={"agency_slug": slug})
    return client.post(url, body, content_type="application/json", **headers)


@pytest.mark.parametrize(
    "timestamp",
    [
        "99999999999999999999",
        "-1",
        "1e9",
        "\u0661\u0667" + "\u0660" * 8,
        " 1700000000",
        "",
        "17000000000000",
    ],
)
def test_a_malformed_timestamp_is_refused_before_anything_is_converted(client, agency, timestamp):
    body = json.dumps([payload()]).encode()

    response = _post(
        client,
        agency.slug,
        body,
        HTTP_X_TALENTDESK_TIMESTAMP=timestamp,
        HTTP_X_TALENTDESK_SIGNATURE="sha256=" + "0" * 64,
    )

    assert response.status_code == 401
    assert response.json()["detail"] == "missing or malformed signature headers"


def test_a_far_future_timestamp_correctly_signed_is_outside_the_tolerance(client, agency):
    response = signed_post(client, agency, b"[]", timestamp=99_999_999_999)

    assert response.status_code == 401
    assert "timestamp" in response.json()["detail"]


@pytest.mark.parametrize("signature", ["", "sha256=", "sha256=zz", "sha256=" + "a" * 63, "\x00"])
def test_a_malformed_signature_is_refused(client, agency, signature):
    response = _post(
        client,
        agency.slug,
        b"[]",
        HTTP_X_TALENTDESK_TIMESTAMP=str(int(time.time())),
        HTTP_X_TALENTDESK_SIGNATURE=signature,
    )

    assert response.status_code == 401


def test_an_unknown_slug_gets_the_same_answer_as_a_bad_signature(client, agency):
    body = json.dumps([payload()]).encode()
    ts = str(int(time.time()))
    headers = {
        "HTTP_X_TALENTDESK_TIMESTAMP": ts,
        "HTTP_X_TALENTDESK_SIGNATURE": "sha256=" + webhook_signature("guess", ts, body),
    }

    known = _post(client, agency.slug, body, **headers)
    unknown = _post(client, "no-such-agency", body, **headers)
    unknown_unsigned = _post(client, "no-such-agency", body)
    known_unsigned = _post(client, agency.slug, body)

    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 401 and known.json()["detail"] == "invalid signature"
    assert (known_unsigned.status_code, known_unsigned.content) == (
        unknown_unsigned.status_code,
        unknown_unsigned.content,
    )


def test_a_signed_in_stranger_gets_404_for_known_and_unknown_slugs_alike(agency, other_agency):
    stranger = client_for(member(other_agency))
    body = json.dumps([payload()]).encode()

    assert _post(stranger, agency.slug, body).status_code == 404
    assert _post(stranger, "no-such-agency", body).status_code == 404


@pytest.mark.parametrize(
    "body, message",
    [
        (b"[" * 100_000, "nested deeper than 64 levels"),
        (b'{"messages": [' * 40_000, "nested deeper than 64 levels"),
        (json.dumps([payload(text="a\x00b")]).encode(), "control character"),
        (b'[{"text": "\\ud800"}]', "Not valid JSON"),
        (b"\xff\xfe[]", "Not valid JSON"),
        (b"NaN", "Not valid JSON"),
    ],
)
def test_a_signed_body_the_json_reader_refuses_is_a_400(client, agency, body, message):
    response = signed_post(client, agency, body)

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not InboundMessage.objects.exists()


def test_a_form_body_is_read_by_the_webhook_itself_not_as_a_form(client, agency):
    # The control-character check must not parse the webhook's body as a form first: the
    # webhook signs the raw bytes (that was a RawPostDataException, a 500).
    url = reverse("api:moderation-webhook", kwargs={"agency_slug": agency.slug})

    response = client.post(
        url,
        {"messages": "x\x00"},
        HTTP_X_TALENTDESK_TIMESTAMP=str(int(time.time())),
        HTTP_X_TALENTDESK_SIGNATURE="sha256=" + "0" * 64,
    )

    assert response.status_code == 401
    assert response.json()["detail"] == "invalid signature"

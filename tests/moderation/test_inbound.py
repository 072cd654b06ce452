"""Inbound messages through the real entry points: signed webhook, API batch, CSV import."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from moderation.inbound import webhook_signature
from moderation.models import InboundMessage, MessageSource, OutboxMessage
from moderation.policies import moderation_settings_get
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def payload(**changes) -> dict:
    item = {
        "platform": "tiktok",
        "id": "c-1",
        "kind": "comment",
        "account": "acmecreator",
        "author": "fan",
        "text": "Wat is de prijs?",
        "sent_at": "2025-03-04T10:00:00+01:00",
    }
    item.update(changes)
    return item


def signed_post(client, agency, body: bytes, *, timestamp: int | None = None, secret=None):
    ts = str(timestamp if timestamp is not None else int(time.time()))
    secret = secret or moderation_settings_get(agency=agency).webhook_secret
    return client.post(
        reverse("api:moderation-webhook", kwargs={"agency_slug": agency.slug}),
        body,
        content_type="application/json",
        HTTP_X_TALENTDESK_TIMESTAMP=ts,
        HTTP_X_TALENTDESK_SIGNATURE="sha256=" + webhook_signature(secret, ts, body),
    )


def test_a_signed_webhook_delivery_is_stored_and_triaged(
    client, agency, django_capture_on_commit_callbacks
):
    body = json.dumps({"messages": [payload()]}).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, agency, body)
    assert response.status_code == 202, response.content
    message = InboundMessage.objects.get(agency=agency)
    assert message.source == MessageSource.WEBHOOK and message.language == "nl"
    assert message.intent == "price" and message.policy_version is not None


def test_a_bad_signature_is_rejected(client, agency):
    body = json.dumps([payload()]).encode()
    response = signed_post(client, agency, body, secret="not-the-secret")
    assert response.status_code == 401 and response.json()["detail"] == "invalid signature"
    assert not InboundMessage.objects.exists()


def test_an_old_timestamp_is_rejected(client, agency):
    body = json.dumps([payload()]).encode()
    old = int(time.time()) - 6 * 60
    response = signed_post(client, agency, body, timestamp=old)
    assert response.status_code == 401 and "timestamp" in response.json()["detail"]
    assert not InboundMessage.objects.exists()


def test_a_replayed_delivery_is_rejected(client, agency):
    body = json.dumps([payload()]).encode()
    now = int(time.time())
    assert signed_post(client, agency, body, timestamp=now).status_code == 202
    replay = signed_post(client, agency, body, timestamp=now)
    assert replay.status_code == 401 and replay.json()["detail"] == "replayed delivery"
    assert InboundMessage.objects.count() == 1


def test_another_agencys_secret_does_not_open_our_webhook(client, agency, other_agency):
    body = json.dumps([payload()]).encode()
    secret = moderation_settings_get(agency=other_agency).webhook_secret
    assert signed_post(client, agency, body, secret=secret).status_code == 401


def test_a_malformed_webhook_payload_is_rejected_and_nothing_stored(client, agency):
    body = json.dumps([payload(), payload(id="c-2", sent_at="yesterday")]).encode()
    response = signed_post(client, agency, body)
    assert response.status_code == 400
    assert "item 2: sent_at must be an ISO 8601" in response.json()["detail"]
    assert not InboundMessage.objects.exists()


def test_a_webhook_body_that_is_not_json_is_rejected(client, agency):
    response = signed_post(client, agency, b"{nope")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


def test_the_api_batch_is_idempotent_by_platform_message_id(agency, community_manager):
    client = client_for(community_manager)
    url = reverse("api:moderation-message-list", kwargs={"agency_slug": agency.slug})
    batch = [payload(), payload(id="c-2", text="how much?"), payload()]
    first = client.post(url, batch, content_type="application/json")
    assert first.status_code == 201 and first.json()["duplicates"] == 1
    again = client.post(url, batch, content_type="application/json")
    assert again.json() == {"created": [], "duplicates": 3}
    assert InboundMessage.objects.filter(agency=agency).count() == 2
    assert AuditLog.objects.filter(agency=agency, action="message.ingest").count() == 2


@pytest.mark.parametrize(
    ("batch", "error"),
    [
        ([], "non-empty list"),
        ({"text": "x"}, "non-empty list"),
        ([payload(platform="myspace")], "platform must be one of"),
        ([payload(kind="post")], "kind must be comment or dm"),
        ([payload(text="")], "text is required"),
        ([payload(text="x" * 5001)], "longer than 5000"),
        ([payload(sent_at="2025-03-04T10:00:00")], "with a timezone"),
        ([payload(opt_in="yes")], "opt_in must be true or false"),
        ([payload(), "not an object"], "item 2: must be an object"),
    ],
)
def test_malformed_api_batches_are_refused_whole(agency, community_manager, batch, error):
    client = client_for(community_manager)
    url = reverse("api:moderation-message-list", kwargs={"agency_slug": agency.slug})
    response = client.post(url, batch, content_type="application/json")
    assert response.status_code == 400
    assert error in response.json()["detail"]
    assert not InboundMessage.objects.exists()


def test_a_manager_may_read_but_not_ingest_messages(agency, manager):
    url = reverse("api:moderation-message-list", kwargs={"agency_slug": agency.slug})
    client = client_for(manager)
    assert client.get(url).status_code == 200
    assert client.post(url, [payload()], content_type="application/json").status_code == 403


def test_csv_import_stores_messages_and_skips_known_ones(agency, owner):
    client = client_for(owner)
    url = reverse("moderation:import", kwargs={"agency_slug": agency.slug})
    data = (
        b"platform,id,kind,account,author,text,sent_at,campaign_code\n"
        b"tiktok,x1,comment,acme,fan,Love it,2025-03-04T10:00:00+00:00,SUMMER\n"
        b"tiktok,x2,dm,acme,fan2,info?,2025-03-04T10:05:00+00:00,\n"
    )
    response = client.post(url, {"file": SimpleUploadedFile("m.csv", data, "text/csv")})
    assert response.status_code == 302
    again = client.post(url, {"file": SimpleUploadedFile("m.csv", data, "text/csv")}, follow=True)
    assert "0 messages imported, 2 already known" in again.content.decode()
    assert InboundMessage.objects.filter(agency=agency, source=MessageSource.CSV).count() == 2


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"platform,id\ntiktok,1\n", "missing columns"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (
            b"platform,id,kind,account,author,text,sent_at\ntiktok,1,comment,a,b,,2025-03-04T10:00:00Z\n",
            "text is required",
        ),
    ],
)
def test_a_bad_csv_is_refused_with_a_clear_error(agency, owner, content, error):
    client = client_for(owner)
    url = reverse("moderation:import", kwargs={"agency_slug": agency.slug})
    response = client.post(url, {"file": SimpleUploadedFile("m.csv", content, "text/csv")})
    assert response.status_code == 200 and error in response.content.decode()
    assert not InboundMessage.objects.exists()


def test_the_outbox_page_lists_what_was_sent(agency, owner, message_factory):
    from moderation.outbox import send_due_actions
    from moderation.triage import message_triage

    [action] = message_triage(message_id=message_factory(agency, "price?").pk)
    send_due_actions(now=action.due_at + timedelta(seconds=1))
    client = client_for(owner)
    response = client.get(reverse("moderation:outbox", kwargs={"agency_slug": agency.slug}))
    assert OutboxMessage.objects.count() == 1
    assert "Send us a DM" in response.content.decode()

"""TikTok's webhook: DMs signed as TikTok signs them go into the inbox once; bad, stale,
malformed and replayed deliveries are refused and store nothing."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import InboundMessage, MessageKind, MessageSource

from ..fakes.tiktok import link_fake_account

pytestmark = pytest.mark.django_db

URL = "platforms_webhooks:tiktok"


def _post(body: bytes, headers: dict):
    return Client().post(
        reverse(URL),
        data=body,
        content_type="application/json",
        headers={"TikTok-Signature": headers.get("TikTok-Signature", "")},
    )


def _dm(fake, account, text="Hi, can we work together?"):
    message = fake.add_dm(
        account.external_id, conversation_id="conv-1", from_user="brandfan", text=text
    )
    return fake.webhook_delivery(fake.dm_event(account.external_id, message))


def test_a_signed_dm_is_ingested_once(agency, tiktok):
    account, _remote = link_fake_account(agency, tiktok)
    body, headers = _dm(tiktok, account)
    response = _post(body, headers)
    assert response.status_code == 200 and response.json() == {"status": "ingested"}
    message = InboundMessage.objects.get(agency=agency)
    assert message.kind == MessageKind.DM and message.source == MessageSource.WEBHOOK
    assert message.platform_message_id.startswith("conv-1:") and message.account == "mila"
    assert message.contact.handle == "brandfan"
    # the same message delivered again (TikTok retries with a new signature) is a duplicate
    again_body, again_headers = tiktok.webhook_delivery(
        json.loads(body), timestamp=tiktok.now() + 1
    )
    assert _post(again_body, again_headers).json() == {"status": "duplicate"}
    assert InboundMessage.objects.count() == 1


def test_a_bad_signature_is_refused_and_nothing_stored(agency, tiktok):
    account, _remote = link_fake_account(agency, tiktok)
    body, headers = _dm(tiktok, account)
    forged_body, forged = tiktok.webhook_delivery(json.loads(body), secret="not-the-secret")
    response = _post(forged_body, forged)
    assert response.status_code == 401 and response.json()["error"] == "invalid signature"
    tampered = body.replace(b"work together", b"send money")
    assert _post(tampered, headers).status_code == 401
    assert not InboundMessage.objects.exists()


def test_a_replayed_delivery_is_refused(agency, tiktok):
    account, _remote = link_fake_account(agency, tiktok)
    body, headers = _dm(tiktok, account)
    assert _post(body, headers).status_code == 200
    response = _post(body, headers)
    assert response.status_code == 409 and response.json()["error"] == "replayed delivery"


def test_a_stale_timestamp_is_refused(agency, tiktok):
    account, _remote = link_fake_account(agency, tiktok)
    message = tiktok.add_dm(account.external_id, conversation_id="c", from_user="x", text="hi")
    body, headers = tiktok.webhook_delivery(
        tiktok.dm_event(account.external_id, message), timestamp=tiktok.now() - 600
    )
    response = _post(body, headers)
    assert response.status_code == 401 and "tolerance" in response.json()["error"]
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize(
    "header", ["", "t=abc,s=00", "s=" + "0" * 64, "t=1700000000", "t=99999999999999999999,s=1"]
)
def test_a_malformed_signature_header_is_refused(agency, tiktok, header):
    account, _remote = link_fake_account(agency, tiktok)
    body, _headers = _dm(tiktok, account)
    response = _post(body, {"TikTok-Signature": header})
    assert response.status_code in (400, 401)
    assert not InboundMessage.objects.exists()


def test_an_account_no_agency_linked_is_ignored(agency, tiktok):
    remote = tiktok.add_account(open_id="stranger")
    message = tiktok.add_dm(remote.open_id, conversation_id="c", from_user="x", text="hi")
    body, headers = tiktok.webhook_delivery(tiktok.dm_event(remote.open_id, message))
    response = _post(body, headers)
    assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert not InboundMessage.objects.exists()


def test_a_dm_reaches_only_the_agency_that_linked_the_account(agency, other_agency, tiktok):
    _mine, _remote = link_fake_account(agency, tiktok)
    theirs, _their_remote = link_fake_account(other_agency, tiktok, handle="theirs")
    body, headers = _dm(tiktok, theirs)
    assert _post(body, headers).status_code == 200
    assert not InboundMessage.objects.filter(agency=agency).exists()
    assert InboundMessage.objects.filter(agency=other_agency, account="theirs").count() == 1


def test_only_post_is_accepted(tiktok):
    assert Client().get(reverse(URL)).status_code == 405

"""The fake TikTok answers like TikTok's documented API (its own tests: the sync and delivery
tests rely on every shape and error checked here)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

from platforms.fake_tiktok import FakeTikTok, FakeTikTokServer

API = "https://business-api.tiktok.com/open_api/v1.3/"
REDIRECT = "https://talentdesk.example/platforms/tiktok/callback/"


@pytest.fixture
def fake():
    return FakeTikTok(client_key="ck", client_secret="cs")


@pytest.fixture
def http(fake):
    with httpx.Client(transport=httpx.MockTransport(fake.handle), base_url=API) as client:
        yield client


def _link(fake, http, open_id="acct-1", **grant):
    code = fake.authorize(open_id=open_id, redirect_uri=REDIRECT, **grant)
    answer = http.post(
        "tt_user/oauth2/token/",
        json={
            "client_id": "ck",
            "client_secret": "cs",
            "grant_type": "authorization_code",
            "auth_code": code,
            "redirect_uri": REDIRECT,
        },
    ).json()
    assert answer["code"] == 0, answer
    return answer["data"]


def test_the_token_exchange_answers_tiktoks_envelope_and_the_code_works_once(fake, http):
    fake.add_account(open_id="acct-1")
    code = fake.authorize(open_id="acct-1", redirect_uri=REDIRECT)
    body = {
        "client_id": "ck",
        "client_secret": "cs",
        "grant_type": "authorization_code",
        "auth_code": code,
        "redirect_uri": REDIRECT,
    }
    first = http.post("tt_user/oauth2/token/", json=body).json()
    assert first["code"] == 0 and first["message"] == "OK" and first["request_id"]
    assert first["data"]["open_id"] == "acct-1"
    assert first["data"]["expires_in"] == 86400
    again = http.post("tt_user/oauth2/token/", json=body)
    assert again.status_code == 400 and again.json()["code"] == 40002


def test_pkce_verifier_must_match_the_challenge(fake, http):
    fake.add_account(open_id="acct-1")
    verifier = "a" * 50
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    body = {
        "client_id": "ck",
        "client_secret": "cs",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
    }
    code = fake.authorize(open_id="acct-1", redirect_uri=REDIRECT, code_challenge=challenge)
    wrong = http.post(
        "tt_user/oauth2/token/", json={**body, "auth_code": code, "code_verifier": "b"}
    )
    assert wrong.json()["code"] == 40002
    code = fake.authorize(open_id="acct-1", redirect_uri=REDIRECT, code_challenge=challenge)
    right = http.post(
        "tt_user/oauth2/token/", json={**body, "auth_code": code, "code_verifier": verifier}
    )
    assert right.json()["code"] == 0


def test_an_expired_access_token_is_refused_until_refreshed_and_a_refresh_token_works_once(
    fake, http
):
    fake.add_account(open_id="acct-1")
    tokens = _link(fake, http)
    fake.advance(86400 + 1)
    expired = http.get(
        "business/get/",
        params={"business_id": "acct-1"},
        headers={"Access-Token": tokens["access_token"]},
    )
    assert expired.status_code == 401 and expired.json()["code"] == 40102
    refresh = {
        "client_id": "ck",
        "client_secret": "cs",
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
    }
    fresh = http.post("tt_user/oauth2/refresh_token/", json=refresh).json()["data"]
    ok = http.get(
        "business/get/",
        params={"business_id": "acct-1"},
        headers={"Access-Token": fresh["access_token"]},
    )
    assert ok.json()["data"]["followers_count"] == 12_000
    assert http.post("tt_user/oauth2/refresh_token/", json=refresh).json()["code"] == 40103


def test_a_revoked_account_refuses_every_token(fake, http):
    fake.add_account(open_id="acct-1")
    tokens = _link(fake, http)
    fake.revoke("acct-1")
    answer = http.get(
        "business/get/",
        params={"business_id": "acct-1"},
        headers={"Access-Token": tokens["access_token"]},
    )
    assert answer.status_code == 401 and answer.json()["code"] == 40105


def test_a_token_only_reaches_its_own_account(fake, http):
    fake.add_account(open_id="acct-1")
    fake.add_account(open_id="acct-2")
    tokens = _link(fake, http)
    answer = http.get(
        "business/video/list/",
        params={"business_id": "acct-2"},
        headers={"Access-Token": tokens["access_token"]},
    )
    assert answer.status_code == 403 and answer.json()["code"] == 40001


def test_videos_page_newest_first_with_a_cursor(fake, http):
    fake.seed(accounts=1, videos_per_account=45, prefix="p")
    token = fake.issue_tokens("p-open-0000")["access_token"]
    seen, cursor, more = [], 0, True
    while more:
        data = http.get(
            "business/video/list/",
            params={"business_id": "p-open-0000", "cursor": cursor, "max_count": 20},
            headers={"Access-Token": token},
        ).json()["data"]
        seen += [v["item_id"] for v in data["videos"]]
        cursor, more = data["cursor"], data["has_more"]
    assert len(seen) == len(set(seen)) == 45
    created = [fake.videos[i].create_time for i in seen]
    assert created == sorted(created, reverse=True)


def test_a_stored_ascending_comment_cursor_returns_only_the_comments_written_since(fake, http):
    account = fake.add_account(open_id="acct-1")
    video = fake.add_video(account.open_id)
    for n in range(35):
        fake.add_comment(video.item_id, text=f"c{n}")
    token = fake.issue_tokens("acct-1")["access_token"]
    params = {"business_id": "acct-1", "video_id": video.item_id, "sort_order": "asc"}
    headers = {"Access-Token": token}
    first = http.get("business/comment/list/", params=params, headers=headers).json()["data"]
    assert len(first["comments"]) == 30 and first["has_more"]
    second = http.get(
        "business/comment/list/", params={**params, "cursor": first["cursor"]}, headers=headers
    ).json()["data"]
    assert [c["text"] for c in second["comments"]] == [f"c{n}" for n in range(30, 35)]
    fake.comments[first["comments"][0]["comment_id"]].status = "DELETED"
    fake.add_comment(video.item_id, text="late")
    third = http.get(
        "business/comment/list/", params={**params, "cursor": second["cursor"]}, headers=headers
    ).json()["data"]
    assert [c["text"] for c in third["comments"]] == ["late"]


def test_replies_hides_deletes_and_dms_are_posted_and_listed(fake, http):
    account = fake.add_account(open_id="acct-1", username="creator")
    video = fake.add_video(account.open_id)
    comment = fake.add_comment(video.item_id, text="price?")
    fake.add_dm("acct-1", conversation_id="conv-1", from_user="fan", text="hi")
    headers = {"Access-Token": fake.issue_tokens("acct-1")["access_token"]}
    ids = {"business_id": "acct-1", "video_id": video.item_id, "comment_id": comment.comment_id}
    reply = http.post(
        "business/comment/reply/create/", json={**ids, "text": "It is 12 euro"}, headers=headers
    ).json()["data"]
    assert reply["owner"] and reply["parent_comment_id"] == comment.comment_id
    listed = http.get("business/comment/reply/list/", params=ids, headers=headers).json()["data"]
    assert [c["text"] for c in listed["comments"]] == ["It is 12 euro"]
    http.post("business/comment/hide/", json={**ids, "action": "HIDE"}, headers=headers)
    http.post("business/comment/delete/", json=ids, headers=headers)
    gone = http.post("business/comment/delete/", json=ids, headers=headers)
    assert gone.json()["code"] == 40007
    sent = http.post(
        "business/message/send/",
        json={
            "business_id": "acct-1",
            "recipient_type": "CONVERSATION",
            "recipient": "conv-1",
            "message_type": "TEXT",
            "text": {"body": "Thanks!"},
        },
        headers=headers,
    ).json()["data"]
    assert sent["message"]["message_id"]
    assert [p["kind"] for p in fake.posted] == ["reply", "hide", "delete", "dm"]
    assert fake.posted[0]["text"] == "It is 12 euro" and fake.posted[3]["text"] == "Thanks!"


def test_injected_rate_limits_carry_retry_after_then_the_request_succeeds(fake, http):
    fake.add_account(open_id="acct-1")
    headers = {"Access-Token": fake.issue_tokens("acct-1")["access_token"]}
    fake.fail_next(2, status=429, path="business/get", retry_after=3)
    fake.fail_next(1, status=503, path="business/get")
    answers = [
        http.get("business/get/", params={"business_id": "acct-1"}, headers=headers)
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [429, 429, 503, 200]
    assert answers[0].headers["Retry-After"] == "3" and answers[0].json()["code"] == 40100
    assert answers[2].json()["code"] == 50000


def test_webhook_deliveries_are_signed_as_tiktok_documents(fake):
    fake.add_account(open_id="acct-1")
    message = fake.add_dm("acct-1", conversation_id="conv-1", from_user="fan", text="hello")
    body, headers = fake.webhook_delivery(fake.dm_event("acct-1", message), timestamp=1700000000)
    t, s = (part.split("=", 1)[1] for part in headers["TikTok-Signature"].split(","))
    expected = hmac.new(b"cs", t.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert t == "1700000000" and hmac.compare_digest(s, expected)
    event = json.loads(body)
    assert event["event"] == "im_receive_msg"
    assert json.loads(event["content"])["text"]["body"] == "hello"


def test_the_consent_page_redirects_back_with_code_and_state_over_real_http(fake):
    fake.add_account(open_id="acct-1", username="creator")
    with FakeTikTokServer(fake) as server, httpx.Client(base_url=server.base_url) as client:
        query = {"client_key": "ck", "redirect_uri": REDIRECT, "state": "s1", "scope": "video.list"}
        page = client.get("/v2/auth/authorize/", params=query)
        assert page.status_code == 200 and "@creator" in page.text
        answer = client.post(
            "/v2/auth/authorize/", data={**query, "open_id": "acct-1", "decision": "allow"}
        )
        assert answer.status_code == 302
        location = httpx.URL(answer.headers["Location"])
        assert location.params["state"] == "s1" and location.params["code"]
        denied = client.post("/v2/auth/authorize/", data={**query, "decision": "deny"})
        assert httpx.URL(denied.headers["Location"]).params["error"] == "access_denied"

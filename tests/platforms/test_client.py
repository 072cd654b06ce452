"""The TikTok client maps every answer of TikTok's API to records or to one precise error."""

from __future__ import annotations

import httpx
import pytest

from platforms.connectors.base import (
    PermanentError,
    RateLimited,
    ReauthorizationRequired,
    ScopeMissing,
    TokenExpired,
    TransientError,
)
from platforms.connectors.tiktok import TikTokApi, http_client


@pytest.fixture
def fake(tiktok):
    return tiktok


@pytest.fixture
def api(tiktok_api):
    return tiktok_api


@pytest.fixture
def linked(fake):
    fake.add_account(open_id="acct-1", username="lena", display_name="Lena", followers=4321)
    return fake.issue_tokens("acct-1")["access_token"]


def _api_answering(handler) -> TikTokApi:
    client = httpx.Client(
        base_url="https://business-api.tiktok.com/open_api/v1.3/",
        transport=httpx.MockTransport(handler),
    )
    return TikTokApi(client)


def test_the_profile_is_read_from_business_get(api, linked):
    profile = api.profile(token=linked, business_id="acct-1")
    assert (profile.external_id, profile.handle, profile.display_name) == ("acct-1", "lena", "Lena")
    assert profile.followers == 4321


def test_videos_are_paged_with_tiktoks_cursor_until_has_more_is_false(api, fake, linked):
    for n in range(45):
        fake.add_video("acct-1", item_id=f"v{n:02d}", create_time=1_700_000_000 + n, views=n)
    seen, cursor, pages = [], "", 0
    while True:
        page = api.list_videos(token=linked, business_id="acct-1", cursor=cursor)
        pages += 1
        seen += page.items
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert [v.video_id for v in seen] == [f"v{n:02d}" for n in reversed(range(45))]
    newest = seen[0]
    assert newest.posted_at.timestamp() == 1_700_000_044
    assert newest.metrics.views == 44


def test_metrics_of_many_videos_are_asked_twenty_at_a_time(api, fake, linked):
    for n in range(25):
        fake.add_video("acct-1", item_id=f"m{n}", views=100 + n)
    fake.requests.clear()
    metrics = api.video_metrics(
        token=linked, business_id="acct-1", video_ids=[f"m{n}" for n in range(25)]
    )
    assert sorted(m.views for m in metrics) == [100 + n for n in range(25)]
    assert fake.requests == [("GET", "business/video/list/")] * 2


def test_comments_are_read_oldest_first_and_a_stored_cursor_returns_only_new_ones(
    api, fake, linked
):
    video = fake.add_video("acct-1", item_id="v1")
    for n in range(3):
        fake.add_comment(video.item_id, text=f"first {n}", username="ann")
    page = api.list_comments(token=linked, business_id="acct-1", video_id="v1")
    assert [c.text for c in page.items] == ["first 0", "first 1", "first 2"]
    assert page.items[0].author_handle == "ann" and not page.has_more
    fake.add_comment(video.item_id, text="later", username="bob")
    again = api.list_comments(
        token=linked, business_id="acct-1", video_id="v1", cursor=page.next_cursor
    )
    assert [c.text for c in again.items] == ["later"]


def test_reply_hide_delete_and_dm_answer_the_platform_ids_and_reach_the_fake(api, fake, linked):
    video = fake.add_video("acct-1", item_id="v1")
    comment = fake.add_comment(video.item_id, text="price?")
    fake.add_dm("acct-1", conversation_id="conv-1", from_user="ann", text="hi")

    reply = api.reply(
        token=linked,
        business_id="acct-1",
        video_id="v1",
        comment_id=comment.comment_id,
        text="DM us",
    )
    api.hide(token=linked, business_id="acct-1", video_id="v1", comment_id=comment.comment_id)
    api.delete(token=linked, business_id="acct-1", comment_id=comment.comment_id)
    dm = api.send_dm(token=linked, business_id="acct-1", conversation_id="conv-1", text="Hello")

    kinds = [(p["kind"], p.get("id")) for p in fake.posted]
    assert kinds == [
        ("reply", reply.platform_id),
        ("hide", None),
        ("delete", None),
        ("dm", dm.platform_id),
    ]
    assert reply.platform_id and dm.platform_id


def test_a_rate_limit_carries_tiktoks_retry_after(api, fake, linked):
    fake.fail_next(status=429, retry_after=7)
    with pytest.raises(RateLimited) as caught:
        api.profile(token=linked, business_id="acct-1")
    assert caught.value.retry_after == 7
    assert api.profile(token=linked, business_id="acct-1").handle == "lena"


def test_a_rate_limit_in_the_envelope_without_a_header_waits_a_minute():
    api = _api_answering(lambda r: httpx.Response(200, json={"code": 40100, "message": "slow"}))
    with pytest.raises(RateLimited) as caught:
        api.profile(token="t", business_id="b")
    assert caught.value.retry_after == 60 and caught.value.message == "slow"


def test_server_errors_timeouts_and_connection_failures_are_transient(api, fake, linked):
    fake.fail_next(status=503)
    with pytest.raises(TransientError):
        api.profile(token=linked, business_id="acct-1")

    def timeout(request):
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TransientError):
        _api_answering(timeout).profile(token="t", business_id="b")

    def refused(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransientError):
        _api_answering(refused).profile(token="t", business_id="b")


def test_an_expired_access_token_is_told_apart_from_a_revoked_one(api, fake, linked):
    fake.expire_access_tokens()
    with pytest.raises(TokenExpired):
        api.profile(token=linked, business_id="acct-1")
    fresh = fake.issue_tokens("acct-1")["access_token"]
    fake.revoke("acct-1")
    with pytest.raises(ReauthorizationRequired):
        api.profile(token=fresh, business_id="acct-1")


def test_a_scope_the_creator_did_not_grant_is_reported_as_missing(api, fake):
    fake.add_account(open_id="acct-2")
    token = fake.issue_tokens("acct-2", "user.info.basic,video.list")["access_token"]
    with pytest.raises(ScopeMissing):
        api.list_comments(token=token, business_id="acct-2", video_id="x")


def test_a_refusal_keeps_tiktoks_message(api, fake, linked):
    fake.add_video("acct-1", item_id="v1")
    with pytest.raises(PermanentError) as caught:
        api.reply(token=linked, business_id="acct-1", video_id="v1", comment_id="nope", text="x")
    assert caught.value.message == "No such comment"
    assert caught.value.code == 40007


def test_an_answer_that_is_not_tiktoks_envelope_is_a_permanent_error():
    api = _api_answering(lambda r: httpx.Response(200, text="<html>proxy login</html>"))
    with pytest.raises(PermanentError):
        api.profile(token="t", business_id="b")


def test_a_used_or_revoked_refresh_token_means_reauthorization(api, fake, linked):
    grant = fake.issue_tokens("acct-1")
    renewed = api.refresh(refresh_token=grant["refresh_token"])
    assert renewed.open_id == "acct-1" and renewed.access_token != grant["access_token"]
    assert renewed.access_expires_at is not None and renewed.refresh_expires_at is not None
    with pytest.raises(ReauthorizationRequired):
        api.refresh(refresh_token=grant["refresh_token"])  # TikTok rotates it: used up


def test_the_code_exchange_reads_tiktoks_grant(api, fake, settings):
    fake.add_account(open_id="acct-9")
    code = fake.authorize(
        open_id="acct-9",
        redirect_uri=settings.TIKTOK_REDIRECT_URI,
        scopes="video.list,comment.list",
    )
    grant = api.exchange_code(code=code, code_verifier="")
    assert grant.open_id == "acct-9"
    assert grant.scopes == ["video.list", "comment.list"]
    with pytest.raises(PermanentError):
        api.exchange_code(code=code, code_verifier="")  # a code works once


def test_tests_never_reach_tiktok_without_the_fake(settings):
    settings.PLATFORMS_HTTP_TRANSPORT = ""
    with pytest.raises(RuntimeError):
        http_client()


def test_a_wrong_client_secret_is_a_configuration_error_not_a_dead_grant(fake, linked, settings):
    grant = fake.issue_tokens("acct-1")
    settings.TIKTOK_CLIENT_SECRET = "not-the-secret"
    api = TikTokApi()
    with pytest.raises(ScopeMissing):
        api.refresh(refresh_token=grant["refresh_token"])
    with pytest.raises(ScopeMissing):
        api.revoke(access_token=grant["access_token"])

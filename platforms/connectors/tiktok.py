"""TikTok, through the TikTok API for Business (Accounts API, v1.3) and its OAuth 2.0 flow.

`TikTokApi` is the HTTP client and nothing else: it takes tokens as arguments, maps every
answer to the records and errors of connectors/base.py, and never touches the database (the
token lifecycle is platforms/services.py; the account-bound connector connectors/linked.py).

Endpoints used (paths relative to settings.TIKTOK_API_BASE, by default
https://business-api.tiktok.com/open_api/v1.3/). Every answer is the envelope
``{"code": 0, "message": "OK", "request_id": "...", "data": {...}}``; calls with a user's
grant carry the header ``Access-Token: <access token>``. Bodies are JSON.

Authorisation (browser): GET settings.TIKTOK_AUTH_URL (https://www.tiktok.com/v2/auth/authorize/)
    ?client_key, scope (comma-separated), response_type=code, redirect_uri, state,
    code_challenge, code_challenge_method=S256. The platform redirects to redirect_uri with
    ?code=...&state=...&scopes=... or ?error=...&error_description=...

POST tt_user/oauth2/token/
    body: client_id, client_secret, grant_type="authorization_code", auth_code, redirect_uri,
          code_verifier
    data read: open_id, scope (comma-separated), access_token, expires_in (s),
               refresh_token, refresh_token_expires_in (s)
POST tt_user/oauth2/refresh_token/
    body: client_id, client_secret, grant_type="refresh_token", refresh_token
    data read: as for the token call (TikTok may rotate the refresh token)
POST tt_user/oauth2/revoke/
    body: client_id, client_secret, access_token          data read: nothing
GET business/get/
    query: business_id, fields='["username","display_name","profile_image","followers_count"]'
    data read: username, display_name, profile_image, followers_count
GET business/video/list/
    query: business_id, fields=<JSON list of VIDEO_FIELDS>, cursor (int, optional),
           max_count (<= 20), filters='{"video_ids": [...]}' (optional, for metrics of given
           videos; up to 20 ids)
    data read: videos[] {item_id, create_time (unix s), caption, share_url, video_duration,
               video_views, likes, comments, shares, reach, average_time_watched,
               full_video_watched_rate}, cursor, has_more
GET business/comment/list/
    query: business_id, video_id, cursor (int, optional), max_count (<= 30),
           sort_field=create_time, sort_order=asc (oldest first, so a stored cursor returns
           exactly the comments written since)
    data read: comments[] {comment_id, video_id, user_id, username, text, create_time,
               likes, status ("PUBLIC" | "HIDDEN"), owner (bool), parent_comment_id},
               cursor, has_more
GET business/comment/reply/list/
    query: business_id, video_id, comment_id, cursor (optional), max_count (<= 30)
    data read: as for comment/list (the replies under that comment)
POST business/comment/reply/create/
    body: business_id, video_id, comment_id, text          data read: comment_id
POST business/comment/hide/
    body: business_id, video_id, comment_id, action ("HIDE" | "UNHIDE")   data read: nothing
POST business/comment/delete/
    body: business_id, comment_id                          data read: nothing
POST business/message/send/                (Business Messaging API)
    body: business_id, recipient_type="CONVERSATION", recipient=<conversation id>,
          message_type="TEXT", text={"body": ...}
    data read: message.message_id

Errors (envelope `code`, or the HTTP status):
    HTTP 429 or code 40100 (request frequency over the limit) -> RateLimited, retry_after from
        the Retry-After header (seconds), else 60
    code 40102 (access token expired), HTTP 401 -> TokenExpired
    code 40104 / 40105 (access token missing / invalid or revoked), and any error from the
        refresh call -> ReauthorizationRequired
    code 40001 (scope not authorised / no permission, or a wrong client key or secret)
        -> ScopeMissing, checked first
    HTTP 5xx, code >= 50000, timeouts, connection errors -> TransientError
    any other non-zero code or 4xx -> PermanentError with the platform's message
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from .base import (
    Comment,
    Page,
    PermanentError,
    PostedAction,
    Profile,
    RateLimited,
    ReauthorizationRequired,
    ScopeMissing,
    TokenExpired,
    TransientError,
    Video,
    VideoMetrics,
)

PROFILE_FIELDS = ["username", "display_name", "profile_image", "followers_count"]
VIDEO_FIELDS = [
    "item_id",
    "create_time",
    "caption",
    "share_url",
    "video_duration",
    "video_views",
    "likes",
    "comments",
    "shares",
    "reach",
    "average_time_watched",
    "full_video_watched_rate",
]
VIDEO_PAGE_SIZE = 20
COMMENT_PAGE_SIZE = 30

RATE_LIMIT_CODES = {40100}
EXPIRED_CODES = {40102}
REVOKED_CODES = {40104, 40105}
SCOPE_CODES = {40001}
DEFAULT_RETRY_AFTER = 60.0


def http_client() -> httpx.Client:
    """The HTTP client for TikTok. PLATFORMS_HTTP_TRANSPORT (a dotted path to a callable that
    returns an httpx transport) is set only by tests and the demo, to the fake TikTok."""
    path = settings.PLATFORMS_HTTP_TRANSPORT
    if not path and getattr(settings, "TESTING", False):
        # The suite runs offline: a test that forgot to plug in the fake fails here, loudly.
        raise RuntimeError("Tests must set PLATFORMS_HTTP_TRANSPORT (the fake TikTok).")
    transport = import_string(path)() if path else None
    return httpx.Client(
        base_url=settings.TIKTOK_API_BASE,
        transport=transport,
        timeout=settings.PLATFORMS_HTTP_TIMEOUT,
        headers={"Accept": "application/json"},
    )


def authorize_url(*, state: str, code_challenge: str, scopes: list[str]) -> str:
    query = urlencode(
        {
            "client_key": settings.TIKTOK_CLIENT_KEY,
            "scope": ",".join(scopes),
            "response_type": "code",
            "redirect_uri": settings.TIKTOK_REDIRECT_URI,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in settings.TIKTOK_AUTH_URL else "?"
    return f"{settings.TIKTOK_AUTH_URL}{separator}{query}"


@dataclass(frozen=True)
class TokenGrant:
    open_id: str
    scopes: list[str]
    access_token: str
    refresh_token: str
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None


def _retry_after(response: httpx.Response | None) -> float:
    if response is None:
        return DEFAULT_RETRY_AFTER
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return DEFAULT_RETRY_AFTER


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


class TikTokApi:
    """One TikTok app (client key and secret); every call names the grant it acts under."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self.client = client or http_client()

    def close(self) -> None:
        self.client.close()

    # --- transport and error mapping -----------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        token: str = "",
        params: dict | None = None,
        body: dict | None = None,
    ) -> dict:
        headers = {"Access-Token": token} if token else {}
        try:
            response = self.client.request(method, path, params=params, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientError(f"TikTok did not answer in time ({exc}).") from exc
        except httpx.TransportError as exc:
            raise TransientError(f"Could not reach TikTok ({exc}).") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            payload = {}
        code = payload.get("code")
        message = str(payload.get("message") or "")
        if response.status_code == 429 or code in RATE_LIMIT_CODES:
            raise RateLimited(
                message or "Rate limited", retry_after=_retry_after(response), code=code or 429
            )
        if response.status_code >= 500 or (isinstance(code, int) and code >= 50000):
            raise TransientError(
                message or f"TikTok answered HTTP {response.status_code}.",
                code=code or response.status_code,
            )
        if code in SCOPE_CODES:
            # Also the answer to a wrong client key or secret (HTTP 401): never a token problem.
            raise ScopeMissing(message or "Permission not granted", code=code)
        if code in EXPIRED_CODES or (response.status_code == 401 and code not in REVOKED_CODES):
            raise TokenExpired(message or "Access token expired", code=code or 401)
        if code in REVOKED_CODES:
            raise ReauthorizationRequired(message or "Access token invalid", code=code)
        if response.status_code >= 400 or code not in (0, None) or "code" not in payload:
            raise PermanentError(
                message or f"TikTok answered HTTP {response.status_code}.",
                code=code if code is not None else response.status_code,
            )
        data = payload.get("data")
        return data if isinstance(data, dict) else {}

    # --- OAuth ---------------------------------------------------------------------------

    def _grant(self, data: dict) -> TokenGrant:
        now = timezone.now()
        if not data.get("access_token") or not data.get("open_id"):
            raise PermanentError("TikTok's token answer has no access token or account id.")
        expires_in = _int(data.get("expires_in"))
        refresh_in = _int(data.get("refresh_token_expires_in"))
        return TokenGrant(
            open_id=str(data["open_id"]),
            scopes=[s.strip() for s in str(data.get("scope") or "").split(",") if s.strip()],
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or ""),
            access_expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
            refresh_expires_at=now + timedelta(seconds=refresh_in) if refresh_in else None,
        )

    def exchange_code(self, *, code: str, code_verifier: str) -> TokenGrant:
        data = self._call(
            "POST",
            "tt_user/oauth2/token/",
            body={
                "client_id": settings.TIKTOK_CLIENT_KEY,
                "client_secret": settings.TIKTOK_CLIENT_SECRET,
                "grant_type": "authorization_code",
                "auth_code": code,
                "redirect_uri": settings.TIKTOK_REDIRECT_URI,
                "code_verifier": code_verifier,
            },
        )
        return self._grant(data)

    def refresh(self, *, refresh_token: str) -> TokenGrant:
        """A new grant; any refusal (other than a rate limit or an outage) means the refresh
        token is dead and the account needs reconnecting."""
        try:
            data = self._call(
                "POST",
                "tt_user/oauth2/refresh_token/",
                body={
                    "client_id": settings.TIKTOK_CLIENT_KEY,
                    "client_secret": settings.TIKTOK_CLIENT_SECRET,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
            )
        except ScopeMissing:
            raise  # our app's credentials were refused: a configuration error, not the grant
        except (TokenExpired, PermanentError) as exc:
            raise ReauthorizationRequired(exc.message, code=exc.code) from exc
        return self._grant(data)

    def revoke(self, *, access_token: str) -> None:
        self._call(
            "POST",
            "tt_user/oauth2/revoke/",
            body={
                "client_id": settings.TIKTOK_CLIENT_KEY,
                "client_secret": settings.TIKTOK_CLIENT_SECRET,
                "access_token": access_token,
            },
        )

    # --- account data --------------------------------------------------------------------

    def profile(self, *, token: str, business_id: str) -> Profile:
        data = self._call(
            "GET",
            "business/get/",
            token=token,
            params={"business_id": business_id, "fields": json.dumps(PROFILE_FIELDS)},
        )
        return Profile(
            external_id=business_id,
            handle=str(data.get("username") or ""),
            display_name=str(data.get("display_name") or ""),
            followers=_int(data.get("followers_count")) if "followers_count" in data else None,
            avatar_url=str(data.get("profile_image") or ""),
        )

    @staticmethod
    def _metrics(item: dict) -> VideoMetrics:
        watched = _float(item.get("full_video_watched_rate"))
        return VideoMetrics(
            video_id=str(item.get("item_id") or ""),
            views=_int(item.get("video_views")),
            likes=_int(item.get("likes")),
            comments=_int(item.get("comments")),
            shares=_int(item.get("shares")),
            reach=_int(item.get("reach")) if item.get("reach") is not None else None,
            average_watch_seconds=_float(item.get("average_time_watched")),
            full_watch_rate=watched,
        )

    def list_videos(self, *, token: str, business_id: str, cursor: str = "") -> Page[Video]:
        params: dict[str, Any] = {
            "business_id": business_id,
            "fields": json.dumps(VIDEO_FIELDS),
            "max_count": VIDEO_PAGE_SIZE,
        }
        if cursor:
            params["cursor"] = cursor
        data = self._call("GET", "business/video/list/", token=token, params=params)
        videos = [
            Video(
                video_id=str(item["item_id"]),
                posted_at=_timestamp(item.get("create_time")),
                caption=str(item.get("caption") or ""),
                url=str(item.get("share_url") or ""),
                duration_seconds=_int(item.get("video_duration")) or None,
                metrics=self._metrics(item),
            )
            for item in data.get("videos") or []
            if item.get("item_id")
        ]
        return Page(
            items=videos,
            next_cursor=str(data.get("cursor") or ""),
            has_more=bool(data.get("has_more")),
        )

    def video_metrics(
        self, *, token: str, business_id: str, video_ids: list[str]
    ) -> list[VideoMetrics]:
        found: list[VideoMetrics] = []
        for start in range(0, len(video_ids), VIDEO_PAGE_SIZE):
            chunk = video_ids[start : start + VIDEO_PAGE_SIZE]
            data = self._call(
                "GET",
                "business/video/list/",
                token=token,
                params={
                    "business_id": business_id,
                    "fields": json.dumps(VIDEO_FIELDS),
                    "max_count": VIDEO_PAGE_SIZE,
                    "filters": json.dumps({"video_ids": chunk}),
                },
            )
            found += [self._metrics(i) for i in data.get("videos") or [] if i.get("item_id")]
        return found

    def list_comments(
        self, *, token: str, business_id: str, video_id: str, cursor: str = ""
    ) -> Page[Comment]:
        params: dict[str, Any] = {
            "business_id": business_id,
            "video_id": video_id,
            "max_count": COMMENT_PAGE_SIZE,
            "sort_field": "create_time",
            "sort_order": "asc",
        }
        if cursor:
            params["cursor"] = cursor
        data = self._call("GET", "business/comment/list/", token=token, params=params)
        comments = [
            Comment(
                comment_id=str(item["comment_id"]),
                video_id=str(item.get("video_id") or video_id),
                author_id=str(item.get("user_id") or ""),
                author_handle=str(item.get("username") or ""),
                text=str(item.get("text") or ""),
                created_at=_timestamp(item.get("create_time")),
                parent_id=str(item.get("parent_comment_id") or ""),
                likes=_int(item.get("likes")),
                hidden=str(item.get("status") or "").upper() == "HIDDEN",
                is_owner=bool(item.get("owner")),
            )
            for item in data.get("comments") or []
            if item.get("comment_id")
        ]
        return Page(
            items=comments,
            next_cursor=str(data.get("cursor") or ""),
            has_more=bool(data.get("has_more")),
        )

    def list_replies(
        self, *, token: str, business_id: str, video_id: str, comment_id: str, cursor: str = ""
    ) -> Page[Comment]:
        """The replies under one comment (delivery looks for its own reply there before
        posting one again after an attempt whose outcome is unknown)."""
        params: dict[str, Any] = {
            "business_id": business_id,
            "video_id": video_id,
            "comment_id": comment_id,
            "max_count": COMMENT_PAGE_SIZE,
        }
        if cursor:
            params["cursor"] = cursor
        data = self._call("GET", "business/comment/reply/list/", token=token, params=params)
        replies = [
            Comment(
                comment_id=str(item["comment_id"]),
                video_id=str(item.get("video_id") or video_id),
                author_id=str(item.get("user_id") or ""),
                author_handle=str(item.get("username") or ""),
                text=str(item.get("text") or ""),
                created_at=_timestamp(item.get("create_time")),
                parent_id=str(item.get("parent_comment_id") or comment_id),
                likes=_int(item.get("likes")),
                hidden=str(item.get("status") or "").upper() == "HIDDEN",
                is_owner=bool(item.get("owner")),
            )
            for item in data.get("comments") or []
            if item.get("comment_id")
        ]
        return Page(
            items=replies,
            next_cursor=str(data.get("cursor") or ""),
            has_more=bool(data.get("has_more")),
        )

    def reply(
        self, *, token: str, business_id: str, video_id: str, comment_id: str, text: str
    ) -> PostedAction:
        data = self._call(
            "POST",
            "business/comment/reply/create/",
            token=token,
            body={
                "business_id": business_id,
                "video_id": video_id,
                "comment_id": comment_id,
                "text": text,
            },
        )
        if not data.get("comment_id"):
            raise PermanentError("TikTok accepted the reply but returned no comment id.")
        return PostedAction(platform_id=str(data["comment_id"]), raw=data)

    def hide(
        self, *, token: str, business_id: str, video_id: str, comment_id: str, hidden: bool = True
    ) -> PostedAction:
        data = self._call(
            "POST",
            "business/comment/hide/",
            token=token,
            body={
                "business_id": business_id,
                "video_id": video_id,
                "comment_id": comment_id,
                "action": "HIDE" if hidden else "UNHIDE",
            },
        )
        return PostedAction(platform_id=comment_id, raw=data)

    def delete(self, *, token: str, business_id: str, comment_id: str) -> PostedAction:
        data = self._call(
            "POST",
            "business/comment/delete/",
            token=token,
            body={"business_id": business_id, "comment_id": comment_id},
        )
        return PostedAction(platform_id=comment_id, raw=data)

    def send_dm(
        self, *, token: str, business_id: str, conversation_id: str, text: str
    ) -> PostedAction:
        data = self._call(
            "POST",
            "business/message/send/",
            token=token,
            body={
                "business_id": business_id,
                "recipient_type": "CONVERSATION",
                "recipient": conversation_id,
                "message_type": "TEXT",
                "text": {"body": text},
            },
        )
        message = data.get("message") if isinstance(data.get("message"), dict) else {}
        message_id = message.get("message_id") or data.get("message_id")
        if not message_id:
            raise PermanentError("TikTok accepted the message but returned no message id.")
        return PostedAction(platform_id=str(message_id), raw=data)

"""A fake TikTok for the tests, the demo and the benchmark: nothing here reaches the internet.

It answers the requests Talentdesk's TikTok connector makes, in the shapes TikTok documents for
the API for Business (accounts, videos, comments, Business Messaging) and the Login Kit OAuth
flow. Every JSON answer is TikTok's envelope::

    {"code": 0, "message": "OK", "request_id": "…", "data": {…}}

with a non-zero `code` (and the HTTP status of TikTok's v2 error table) on failure:

==========  ======  ==========================================================================
code        HTTP    meaning
==========  ======  ==========================================================================
40001       403     the token lacks the scope the endpoint needs
40002       400     a parameter is missing or wrong
40007       404     no such account, video, comment or conversation
40100       429     rate limited; the `Retry-After` header says how many seconds to wait
40102       401     the access token expired (refresh it)
40103       401     the refresh token expired or was used up
40105       401     the access token is invalid or was revoked (link the account again)
50000       500     TikTok had an internal error (retry later)
==========  ======  ==========================================================================

Endpoints (paths below the API base `…/open_api/v1.3/`; the host is not looked at, so the
same handler serves `TIKTOK_API_BASE` and `TIKTOK_AUTH_URL`):

- `GET  /v2/auth/authorize/` — the consent page (client_key, scope, response_type=code,
  redirect_uri, state, optional code_challenge + code_challenge_method=S256); the form posts
  back and is redirected to `redirect_uri?code=…&scopes=…&state=…` (`error=access_denied`
  when refused).
- `POST tt_user/oauth2/token/` — {client_id, client_secret, grant_type=authorization_code,
  auth_code, redirect_uri, code_verifier?} → {open_id, scope, access_token, expires_in,
  refresh_token, refresh_token_expires_in, token_type}.
- `POST tt_user/oauth2/refresh_token/` — {client_id, client_secret, grant_type=refresh_token,
  refresh_token} → a new pair (the old refresh token stops working).
- `POST tt_user/oauth2/revoke/` — {client_id, client_secret, access_token}.
- `GET  business/get/` — business_id, fields (JSON list), start_date, end_date →
  {username, display_name, profile_image, followers_count, metrics: [{date, video_views,
  followers_count, profile_views, likes, comments, shares}]}.
- `GET  business/video/list/` — business_id, fields, cursor, max_count (≤ 20), newest first →
  {videos: [{item_id, create_time, caption, video_duration, video_views, likes, comments,
  shares, reach, average_time_watched, full_video_watched_rate, share_url}], cursor, has_more}.
- `GET  business/comment/list/` — business_id, video_id, cursor, max_count (≤ 30),
  sort_field=create_time, sort_order=asc|desc, status=ALL|PUBLIC, include_replies=true|false
  (replies listed among the comments, in time order) → {comments: [{comment_id,
  video_id, user_id, username, display_name, create_time, text, likes, replies, owner,
  status, parent_comment_id}], cursor, has_more}. With sort_order=asc the cursor is a
  position that stays valid as comments are hidden or deleted, so a stored cursor returns
  exactly the comments written since.
- `GET  business/comment/reply/list/` — business_id, video_id, comment_id → {comments: […]}.
- `POST business/comment/reply/create/` — {business_id, video_id, comment_id, text} →
  the reply comment.
- `POST business/comment/hide/` — {business_id, video_id, comment_id, action=HIDE|UNHIDE}.
- `POST business/comment/delete/` — {business_id, comment_id}.
- `POST business/message/send/` — {business_id, recipient_type=CONVERSATION, recipient,
  message_type=TEXT, text: {body}} → {message: {message_id, conversation_id, create_time}}.
- `GET  business/message/content/list/` — business_id, conversation_id → {messages: […]}.

Authenticated endpoints take the token in the `Access-Token` header (a `Bearer` authorization
header is accepted too). Tokens are signed rather than stored, so a token issued by one
process's fake is good in another's built with the same client secret (the demo seeds in one
process and syncs in the next); revocations and rotations are remembered in the process.

Webhooks (`webhook_delivery`) are signed as TikTok documents: header
`TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256 of "<t>.<body>" keyed with the client
secret>`, body {client_key, event, create_time, user_openid, content (a JSON string)}.

Use it in-process as `httpx.MockTransport(fake.handle)` (`transport()` does that for the
process-wide fake named by the `PLATFORMS_HTTP_TRANSPORT` setting), or over real HTTP on
127.0.0.1 with `FakeTikTokServer` (the browser journey through the consent page).

Inspection and error injection: `fake.posted` lists every reply, DM, hide, unhide and delete
in order; `fail_next()` answers the next N matching requests with a rate limit or a 5xx;
`expire_access_tokens()`, `revoke()` and `advance()` age or cancel what was issued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

ACCESS_TOKEN_SECONDS = 24 * 60 * 60
REFRESH_TOKEN_SECONDS = 365 * 24 * 60 * 60
ALL_SCOPES = (
    "user.info.basic",
    "user.insights",
    "video.list",
    "video.insights",
    "comment.list",
    "comment.list.manage",
)
# What each endpoint needs (TikTok answers 40001 when the user did not grant it).
SCOPE_OF = {
    "business/get/": "user.insights",
    "business/video/list/": "video.list",
    "business/comment/list/": "comment.list",
    "business/comment/reply/list/": "comment.list",
    "business/comment/reply/create/": "comment.list.manage",
    "business/comment/hide/": "comment.list.manage",
    "business/comment/delete/": "comment.list.manage",
    "business/message/send/": "",
    "business/message/content/list/": "",
}
MAX_VIDEOS_PER_PAGE = 20
# Not a secret: the fake's default app secret, used only in tests and the demo.
FAKE_CLIENT_SECRET = "fake-client-secret"  # noqa: S105
MAX_COMMENTS_PER_PAGE = 30


@dataclass
class FakeComment:
    comment_id: str
    video_id: str
    user_id: str
    username: str
    text: str
    create_time: int
    seq: int
    parent_comment_id: str = ""
    owner: bool = False
    status: str = "PUBLIC"
    likes: int = 0

    def as_json(self, replies: int = 0) -> dict[str, Any]:
        return {
            "comment_id": self.comment_id,
            "video_id": self.video_id,
            "user_id": self.user_id,
            "username": self.username,
            "display_name": self.username,
            "create_time": str(self.create_time),
            "text": self.text,
            "likes": self.likes,
            "replies": replies,
            "owner": self.owner,
            "liked": False,
            "pinned": False,
            "status": self.status,
            "parent_comment_id": self.parent_comment_id or None,
        }


@dataclass
class FakeVideo:
    item_id: str
    open_id: str
    create_time: int
    caption: str
    duration: int
    views: int
    likes: int
    shares: int
    average_time_watched: float
    comments: list[FakeComment] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        public = [c for c in self.comments if not c.parent_comment_id]
        return {
            "item_id": self.item_id,
            "create_time": self.create_time,
            "caption": self.caption,
            "video_duration": float(self.duration),
            "video_views": self.views,
            "likes": self.likes,
            "comments": len(public),
            "shares": self.shares,
            "reach": int(self.views * 0.8),
            "average_time_watched": self.average_time_watched,
            "full_video_watched_rate": 0.31,
            "share_url": f"https://www.tiktok.com/@fake/video/{self.item_id}",
            "thumbnail_url": "",
        }


@dataclass
class FakeAccount:
    open_id: str
    username: str
    display_name: str
    followers: int
    videos: list[FakeVideo] = field(default_factory=list)  # oldest first
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


@dataclass
class _Failure:
    status: int
    code: int
    times: int
    path: str
    retry_after: int | None


class FakeTikTok:
    """TikTok's accounts, videos, comments, conversations and tokens, in memory."""

    def __init__(
        self,
        *,
        client_key: str = "fake-client-key",
        client_secret: str = FAKE_CLIENT_SECRET,
        clock=time.time,
    ):
        self.client_key = client_key
        self.client_secret = client_secret
        self._clock = clock
        self._offset = 0.0
        self._lock = threading.RLock()
        self.accounts: dict[str, FakeAccount] = {}
        self.videos: dict[str, FakeVideo] = {}
        self.comments: dict[str, FakeComment] = {}
        self.posted: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []  # (method, path) of every API request
        self._codes: dict[str, dict[str, Any]] = {}
        self._revoked: set[str] = set()  # revoked open_ids (every token of theirs)
        self._used_refresh: set[str] = set()
        # Access tokens of an older generation count as expired (`expire_access_tokens`).
        self._generation = 0
        self._failures: list[_Failure] = []
        self._seq = 0
        self._ids = 7_300_000_000_000_000_000

    # --- time and ids ---------------------------------------------------------------------

    def now(self) -> int:
        return int(self._clock() + self._offset)

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on (tokens age with it)."""
        self._offset += seconds

    def _next_id(self) -> str:
        self._ids += 1
        return str(self._ids)

    # --- building the world ---------------------------------------------------------------

    def add_account(
        self,
        *,
        open_id: str | None = None,
        username: str = "fakecreator",
        display_name: str = "",
        followers: int = 12_000,
    ) -> FakeAccount:
        with self._lock:
            account = FakeAccount(
                open_id=open_id or f"open-{uuid.uuid4().hex[:16]}",
                username=username,
                display_name=display_name or username,
                followers=followers,
            )
            self.accounts[account.open_id] = account
            return account

    def add_video(
        self,
        open_id: str,
        *,
        item_id: str | None = None,
        create_time: int | None = None,
        caption: str = "",
        duration: int = 45,
        views: int = 1000,
        likes: int = 100,
        shares: int = 10,
        average_time_watched: float = 12.5,
    ) -> FakeVideo:
        with self._lock:
            video = FakeVideo(
                item_id=item_id or self._next_id(),
                open_id=open_id,
                create_time=create_time if create_time is not None else self.now(),
                caption=caption,
                duration=duration,
                views=views,
                likes=likes,
                shares=shares,
                average_time_watched=average_time_watched,
            )
            account = self.accounts[open_id]
            account.videos.append(video)
            account.videos.sort(key=lambda v: (v.create_time, v.item_id))
            self.videos[video.item_id] = video
            return video

    def add_comment(
        self,
        video_id: str,
        *,
        text: str,
        username: str = "viewer",
        comment_id: str | None = None,
        create_time: int | None = None,
        parent_comment_id: str = "",
        owner: bool = False,
    ) -> FakeComment:
        with self._lock:
            self._seq += 1
            comment = FakeComment(
                comment_id=comment_id or self._next_id(),
                video_id=video_id,
                user_id=f"user-{username}",
                username=username,
                text=text,
                create_time=create_time if create_time is not None else self.now(),
                seq=self._seq,
                parent_comment_id=parent_comment_id,
                owner=owner,
            )
            self.videos[video_id].comments.append(comment)
            self.comments[comment.comment_id] = comment
            return comment

    def add_dm(
        self, open_id: str, *, conversation_id: str, from_user: str, text: str
    ) -> dict[str, Any]:
        """A user writes to the account: stored in the conversation; returns the message
        (send it to Talentdesk with `webhook_delivery(dm_event(...))`)."""
        with self._lock:
            message = {
                "message_id": self._next_id(),
                "conversation_id": conversation_id,
                "create_time": self.now(),
                "type": "text",
                "text": {"body": text},
                "from": from_user,
                "from_user": {"id": f"user-{from_user}", "role": "personal_account"},
                "to": open_id,
            }
            self.accounts[open_id].conversations.setdefault(conversation_id, []).append(message)
            return message

    def seed(
        self,
        *,
        accounts: int,
        videos_per_account: int,
        comments_per_video: int = 0,
        seed: int = 17,
        prefix: str = "fake",
    ) -> list[FakeAccount]:
        """A deterministic world (same ids and figures for the same arguments): videos one
        day apart ending now-ish, comments spread over each video's first days."""
        rng = random.Random(seed)
        base = self.now() - self.now() % 3600
        made = []
        texts = [
            "What is the price?",
            "Love this!",
            "Where can I buy it? link please",
            "Wat kost dit? prijs?",
            "So good 😍",
            "Meer info graag",
        ]
        for a in range(accounts):
            account = self.add_account(
                open_id=f"{prefix}-open-{a:04d}",
                username=f"{prefix}_creator_{a:04d}",
                followers=rng.randint(5_000, 900_000),
            )
            for v in range(videos_per_account):
                age_days = videos_per_account - v
                views = rng.randint(500, 400_000)
                video = self.add_video(
                    account.open_id,
                    item_id=f"{7_100_000_000_000_000_000 + a * 100_000 + v}",
                    create_time=base - age_days * 86_400,
                    caption=f"Video {v + 1} of @{account.username}",
                    duration=rng.choice([15, 30, 45, 62, 75, 120]),
                    views=views,
                    likes=views // rng.randint(8, 30),
                    shares=views // rng.randint(80, 300),
                    average_time_watched=round(rng.uniform(4, 40), 2),
                )
                for c in range(comments_per_video):
                    self.add_comment(
                        video.item_id,
                        comment_id=f"{video.item_id}-{c:03d}",
                        text=rng.choice(texts),
                        username=f"viewer{rng.randint(1, 5000)}",
                        create_time=video.create_time + (c + 1) * 1800,
                    )
            made.append(account)
        return made

    # --- tokens ---------------------------------------------------------------------------

    def _sign(self, text: str) -> str:
        digest = hmac.new(self.client_secret.encode(), text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def _token(self, kind: str, open_id: str, scopes: str, lifetime: int) -> str:
        issued = self.now()
        nonce = f"g{self._generation}n{uuid.uuid4().hex[:8]}"
        scope = scopes.replace(",", "+")
        body = f"{kind}~{open_id}~{issued}~{issued + lifetime}~{scope}~{nonce}"
        return f"{body}~{self._sign(body)}"

    def _read_token(self, token: str, kind: str) -> dict[str, Any] | None:
        parts = token.split("~")
        if len(parts) != 7 or parts[0] != kind:
            return None
        body = "~".join(parts[:6])
        if not hmac.compare_digest(self._sign(body), parts[6]):
            return None
        generation = parts[5][1:].split("n", 1)[0]
        return {
            "open_id": parts[1],
            "generation": int(generation) if generation.isdigit() else 0,
            "issued": int(parts[2]),
            "expires": int(parts[3]),
            "scopes": parts[4].split("+"),
        }

    def issue_tokens(self, open_id: str, scopes: str = ",".join(ALL_SCOPES)) -> dict[str, Any]:
        """The token answer for `open_id` (what the token endpoint returns after consent)."""
        self._revoked.discard(open_id)
        return {
            "open_id": open_id,
            "scope": scopes,
            "access_token": self._token("act", open_id, scopes, ACCESS_TOKEN_SECONDS),
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_token": self._token("rft", open_id, scopes, REFRESH_TOKEN_SECONDS),
            "refresh_token_expires_in": REFRESH_TOKEN_SECONDS,
            "token_type": "Bearer",
        }

    def authorize(
        self,
        *,
        open_id: str,
        redirect_uri: str,
        scopes: str = ",".join(ALL_SCOPES),
        code_challenge: str = "",
    ) -> str:
        """The user consents for `open_id`: returns the authorization code."""
        code = uuid.uuid4().hex
        self._codes[code] = {
            "open_id": open_id,
            "redirect_uri": redirect_uri,
            "scopes": scopes,
            "code_challenge": code_challenge,
            "expires": self.now() + 600,
        }
        return code

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is expired from now on (refresh tokens stay)."""
        self._generation += 1

    def revoke(self, open_id: str) -> None:
        """The user removed the app in TikTok: every token of theirs stops working."""
        self._revoked.add(open_id)

    # --- error injection ------------------------------------------------------------------

    def fail_next(
        self,
        times: int = 1,
        *,
        status: int = 429,
        path: str = "",
        retry_after: int | None = 1,
    ) -> None:
        """Answer the next `times` API requests whose path contains `path` with a rate
        limit (429, code 40100, `Retry-After`) or a server error (5xx, code 50000)."""
        code = 40100 if status == 429 else 50000
        self._failures.append(_Failure(status, code, times, path, retry_after))

    # --- the HTTP handler -----------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request (the `httpx.MockTransport` handler)."""
        with self._lock:
            path = request.url.path
            if path.rstrip("/").endswith("/v2/auth/authorize"):
                return self._authorize_page(request)
            route = path.split("/open_api/v1.3/", 1)[-1].lstrip("/")
            if not route.endswith("/"):
                route += "/"
            self.requests.append((request.method, route))
            failure = next((f for f in self._failures if f.path in route and f.times > 0), None)
            if failure is not None:
                failure.times -= 1
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                message = "Too many requests" if failure.status == 429 else "Internal error"
                return self._error(failure.status, failure.code, message, headers)
            handler = ROUTES.get((request.method, route))
            if handler is None:
                return self._error(404, 40007, f"Unknown endpoint {request.method} {route}")
            try:
                params = self._params(request)
            except ValueError:
                return self._error(400, 40002, "The request body is not valid JSON")
            if route.startswith("tt_user/"):
                return handler(self, params)
            token = request.headers.get("Access-Token") or ""
            if not token and request.headers.get("Authorization", "").startswith("Bearer "):
                token = request.headers["Authorization"][7:]
            claims = self._read_token(token, "act")
            if claims is None or claims["open_id"] in self._revoked:
                return self._error(401, 40105, "The access token is invalid or was revoked")
            if claims["expires"] <= self.now() or claims["generation"] < self._generation:
                return self._error(401, 40102, "The access token has expired")
            needed = SCOPE_OF.get(route, "")
            if needed and needed not in claims["scopes"]:
                return self._error(403, 40001, f"The scope {needed} was not granted")
            business_id = params.get("business_id", "")
            if business_id != claims["open_id"]:
                return self._error(403, 40001, "The token does not belong to this business_id")
            account = self.accounts.get(business_id)
            if account is None:
                return self._error(404, 40007, "No such account")
            return handler(self, params, account)

    @staticmethod
    def _params(request: httpx.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.url.params)
        body = request.content
        if body:
            if request.headers.get("content-type", "").startswith("application/json"):
                params.update(json.loads(body))
            else:
                params.update(dict(parse_qsl(body.decode())))
        return params

    def _ok(self, data: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.Response(
            200,
            json={"code": 0, "message": "OK", "request_id": uuid.uuid4().hex, "data": data or {}},
        )

    def _error(
        self, status: int, code: int, message: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return httpx.Response(
            status,
            headers=headers,
            json={"code": code, "message": message, "request_id": uuid.uuid4().hex, "data": {}},
        )

    # --- OAuth ----------------------------------------------------------------------------

    def _authorize_page(self, request: httpx.Request) -> httpx.Response:
        params = self._params(request)
        redirect_uri = params.get("redirect_uri", "")
        if params.get("client_key") != self.client_key or not redirect_uri:
            return httpx.Response(400, text="Unknown client_key or missing redirect_uri")
        if request.method == "POST":
            if params.get("decision") != "allow" or params.get("open_id") not in self.accounts:
                query = {"error": "access_denied", "state": params.get("state", "")}
            else:
                code = self.authorize(
                    open_id=params["open_id"],
                    redirect_uri=redirect_uri,
                    scopes=params.get("scope", ""),
                    code_challenge=params.get("code_challenge", ""),
                )
                query = {"code": code, "scopes": params.get("scope", ""), "state": params["state"]}
            separator = "&" if "?" in redirect_uri else "?"
            return httpx.Response(
                302, headers={"Location": redirect_uri + separator + urlencode(query)}
            )
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
            for k, v in params.items()
        )
        choices = "".join(
            f'<label><input type="radio" name="open_id" value="{html.escape(a.open_id)}"'
            f"{' checked' if i == 0 else ''}> @{html.escape(a.username)}</label><br>"
            for i, a in enumerate(self.accounts.values())
        )
        page = (
            "<!doctype html><html><head><title>Fake TikTok: authorize</title></head><body>"
            f"<h1>Authorize this app</h1><p>Scopes: {html.escape(params.get('scope', ''))}</p>"
            f'<form method="post">{hidden}{choices}'
            '<button name="decision" value="allow">Authorize</button> '
            '<button name="decision" value="deny">Cancel</button></form></body></html>'
        )
        return httpx.Response(200, text=page, headers={"Content-Type": "text/html; charset=utf-8"})

    def _check_client(self, params: dict[str, Any]) -> httpx.Response | None:
        if params.get("client_id") != self.client_key or not hmac.compare_digest(
            str(params.get("client_secret", "")), self.client_secret
        ):
            return self._error(401, 40001, "Unknown client_id or wrong client_secret")
        return None

    def _token_exchange(self, params: dict[str, Any]) -> httpx.Response:
        if (refused := self._check_client(params)) is not None:
            return refused
        if params.get("grant_type") != "authorization_code":
            return self._error(400, 40002, "grant_type must be authorization_code")
        grant = self._codes.pop(str(params.get("auth_code", "")), None)
        if grant is None or grant["expires"] < self.now():
            return self._error(400, 40002, "The authorization code is invalid or expired")
        if grant["redirect_uri"] != params.get("redirect_uri"):
            return self._error(400, 40002, "redirect_uri does not match the authorization")
        if grant["code_challenge"]:
            verifier = str(params.get("code_verifier", "")).encode()
            digest = hashlib.sha256(verifier).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if not hmac.compare_digest(challenge, grant["code_challenge"]):
                return self._error(400, 40002, "code_verifier does not match the code_challenge")
        return self._ok(self.issue_tokens(grant["open_id"], grant["scopes"]))

    def _token_refresh(self, params: dict[str, Any]) -> httpx.Response:
        if (refused := self._check_client(params)) is not None:
            return refused
        token = str(params.get("refresh_token", ""))
        claims = self._read_token(token, "rft")
        if claims is None or claims["open_id"] in self._revoked:
            return self._error(401, 40105, "The refresh token is invalid or was revoked")
        if claims["expires"] <= self.now() or token in self._used_refresh:
            return self._error(401, 40103, "The refresh token has expired")
        self._used_refresh.add(token)
        return self._ok(self.issue_tokens(claims["open_id"], ",".join(claims["scopes"])))

    def _token_revoke(self, params: dict[str, Any]) -> httpx.Response:
        if (refused := self._check_client(params)) is not None:
            return refused
        claims = self._read_token(str(params.get("access_token", "")), "act")
        if claims is None:
            return self._error(401, 40105, "The access token is invalid")
        self._revoked.add(claims["open_id"])
        return self._ok()

    # --- accounts and videos --------------------------------------------------------------

    def _business_get(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        today = datetime.fromtimestamp(self.now(), UTC).date()
        total_views = sum(v.views for v in account.videos)
        metrics = []
        for days_ago in range(6, -1, -1):
            day = today - timedelta(days=days_ago)
            metrics.append(
                {
                    "date": day.isoformat(),
                    "followers_count": account.followers,
                    "video_views": total_views // 30,
                    "profile_views": total_views // 300,
                    "likes": sum(v.likes for v in account.videos) // 30,
                    "comments": 0,
                    "shares": sum(v.shares for v in account.videos) // 30,
                }
            )
        return self._ok(
            {
                "username": account.username,
                "display_name": account.display_name,
                "profile_image": "",
                "followers_count": account.followers,
                "is_business_account": True,
                "metrics": metrics,
            }
        )

    @staticmethod
    def _count(value: Any, default: int, maximum: int) -> int:
        try:
            number = int(value) if value not in (None, "") else default
        except (TypeError, ValueError):
            return default
        return max(1, min(number, maximum))

    def _video_list(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        newest_first = list(reversed(account.videos))
        wanted = None
        if params.get("filters"):
            filters = params["filters"]
            filters = json.loads(filters) if isinstance(filters, str) else filters
            wanted = set(filters.get("video_ids") or [])
        if wanted is not None:
            newest_first = [v for v in newest_first if v.item_id in wanted]
        start = int(params.get("cursor") or 0)
        size = self._count(params.get("max_count"), MAX_VIDEOS_PER_PAGE, MAX_VIDEOS_PER_PAGE)
        page = newest_first[start : start + size]
        end = start + len(page)
        return self._ok(
            {
                "videos": [v.as_json() for v in page],
                "cursor": end,
                "has_more": end < len(newest_first),
            }
        )

    # --- comments -------------------------------------------------------------------------

    def _video_of(self, params: dict[str, Any], account: FakeAccount) -> FakeVideo | None:
        video = self.videos.get(str(params.get("video_id", "")))
        return video if video is not None and video.open_id == account.open_id else None

    def _comment_list(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        video = self._video_of(params, account)
        if video is None:
            return self._error(404, 40007, "No such video")
        public_only = params.get("status", "PUBLIC") == "PUBLIC"
        replies_too = str(params.get("include_replies", "")).lower() == "true"
        top = [
            c
            for c in video.comments
            if (replies_too or not c.parent_comment_id)
            and c.status != "DELETED"
            and not (public_only and c.status == "HIDDEN")
        ]
        size = self._count(params.get("max_count"), MAX_COMMENTS_PER_PAGE, MAX_COMMENTS_PER_PAGE)
        after = int(params.get("cursor") or 0)
        if params.get("sort_order", "desc") == "asc":
            # The cursor is the position of the last comment returned.
            rest = [c for c in top if c.seq > after]
            page = rest[:size]
            cursor = page[-1].seq if page else after
            has_more = len(rest) > len(page)
        else:
            newest = list(reversed(top))
            page = newest[after : after + size]
            cursor = after + len(page)
            has_more = cursor < len(newest)
        replies = {}
        for c in video.comments:
            if c.parent_comment_id:
                replies[c.parent_comment_id] = replies.get(c.parent_comment_id, 0) + 1
        return self._ok(
            {
                "comments": [c.as_json(replies.get(c.comment_id, 0)) for c in page],
                "cursor": cursor,
                "has_more": has_more,
            }
        )

    def _reply_list(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        video = self._video_of(params, account)
        parent = str(params.get("comment_id", ""))
        if video is None or parent not in self.comments:
            return self._error(404, 40007, "No such comment")
        replies = [c.as_json() for c in video.comments if c.parent_comment_id == parent]
        return self._ok({"comments": replies, "cursor": len(replies), "has_more": False})

    def _reply_create(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        video = self._video_of(params, account)
        parent = self.comments.get(str(params.get("comment_id", "")))
        text = str(params.get("text", "")).strip()
        if video is None or parent is None or parent.status == "DELETED":
            return self._error(404, 40007, "No such comment")
        if not text or len(text) > 150:
            return self._error(400, 40002, "text must be 1 to 150 characters")
        reply = self.add_comment(
            video.item_id,
            text=text,
            username=account.username,
            parent_comment_id=parent.comment_id,
            owner=True,
        )
        self._post(
            "reply",
            account,
            id=reply.comment_id,
            video_id=video.item_id,
            comment_id=parent.comment_id,
            text=text,
        )
        return self._ok(reply.as_json())

    def _comment_hide(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        video = self._video_of(params, account)
        comment = self.comments.get(str(params.get("comment_id", "")))
        action = params.get("action", "")
        if action not in ("HIDE", "UNHIDE"):
            return self._error(400, 40002, "action must be HIDE or UNHIDE")
        if video is None or comment is None or comment.status == "DELETED":
            return self._error(404, 40007, "No such comment")
        comment.status = "HIDDEN" if action == "HIDE" else "PUBLIC"
        self._post(action.lower(), account, video_id=video.item_id, comment_id=comment.comment_id)
        return self._ok()

    def _comment_delete(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        comment = self.comments.get(str(params.get("comment_id", "")))
        if comment is None or comment.status == "DELETED":
            return self._error(404, 40007, "No such comment")
        if self.videos[comment.video_id].open_id != account.open_id:
            return self._error(404, 40007, "No such comment")
        comment.status = "DELETED"
        self._post("delete", account, video_id=comment.video_id, comment_id=comment.comment_id)
        return self._ok()

    # --- Business Messaging ---------------------------------------------------------------

    def _message_send(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        conversation = account.conversations.get(str(params.get("recipient", "")))
        body = (
            (params.get("text") or {}).get("body", "")
            if isinstance(params.get("text"), dict)
            else ""
        )
        if params.get("recipient_type") != "CONVERSATION" or params.get("message_type") != "TEXT":
            return self._error(400, 40002, "Only TEXT messages to a CONVERSATION are supported")
        if conversation is None:
            return self._error(404, 40007, "No such conversation")
        if not body.strip():
            return self._error(400, 40002, "text.body is required")
        message = {
            "message_id": self._next_id(),
            "conversation_id": params["recipient"],
            "create_time": self.now(),
            "type": "text",
            "text": {"body": body},
            "from": account.open_id,
            "from_user": {"id": account.open_id, "role": "business_account"},
        }
        conversation.append(message)
        self._post(
            "dm", account, id=message["message_id"], conversation_id=params["recipient"], text=body
        )
        return self._ok({"message": message})

    def _message_list(self, params: dict[str, Any], account: FakeAccount) -> httpx.Response:
        conversation = account.conversations.get(str(params.get("conversation_id", "")))
        if conversation is None:
            return self._error(404, 40007, "No such conversation")
        return self._ok({"messages": list(conversation), "has_more": False})

    def _post(self, kind: str, account: FakeAccount, **details: Any) -> None:
        self.posted.append({"kind": kind, "open_id": account.open_id, "at": self.now(), **details})

    # --- webhooks -------------------------------------------------------------------------

    def dm_event(self, open_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """The Business Messaging webhook event for a message `add_dm` stored."""
        return {
            "client_key": self.client_key,
            "event": "im_receive_msg",
            "create_time": message["create_time"],
            "user_openid": open_id,
            "content": json.dumps(message),
        }

    def webhook_delivery(
        self, event: dict[str, Any], *, timestamp: int | None = None, secret: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers TikTok would POST for `event`, signed as TikTok documents."""
        body = json.dumps(event, separators=(",", ":")).encode()
        moment = str(timestamp if timestamp is not None else self.now())
        key = (secret if secret is not None else self.client_secret).encode()
        signature = hmac.new(key, moment.encode() + b"." + body, hashlib.sha256).hexdigest()
        return body, {
            "Content-Type": "application/json",
            "TikTok-Signature": f"t={moment},s={signature}",
        }


ROUTES = {
    ("POST", "tt_user/oauth2/token/"): FakeTikTok._token_exchange,
    ("POST", "tt_user/oauth2/refresh_token/"): FakeTikTok._token_refresh,
    ("POST", "tt_user/oauth2/revoke/"): FakeTikTok._token_revoke,
    ("GET", "business/get/"): FakeTikTok._business_get,
    ("GET", "business/video/list/"): FakeTikTok._video_list,
    ("GET", "business/comment/list/"): FakeTikTok._comment_list,
    ("GET", "business/comment/reply/list/"): FakeTikTok._reply_list,
    ("POST", "business/comment/reply/create/"): FakeTikTok._reply_create,
    ("POST", "business/comment/hide/"): FakeTikTok._comment_hide,
    ("POST", "business/comment/delete/"): FakeTikTok._comment_delete,
    ("POST", "business/message/send/"): FakeTikTok._message_send,
    ("GET", "business/message/content/list/"): FakeTikTok._message_list,
}


# --- the process-wide fake (demo and tests) ---------------------------------------------------

_shared: FakeTikTok | None = None
_shared_lock = threading.Lock()

# The demo's world: the same in every process (seed_demo links it, platform_sync reads it).
DEMO_OPEN_ID = "demo-open-0000"


def demo_world(fake: FakeTikTok) -> None:
    """One demo account with a month of videos and a few comments on the recent ones; the
    ids are the same in every process (seed_demo links it, platform_sync reads it later)."""
    fake.seed(accounts=1, videos_per_account=30, comments_per_video=0, prefix="demo")
    account = fake.accounts[DEMO_OPEN_ID]
    texts = [
        ("lisa_b", "What is the price of this serum?"),
        ("tom.k", "Love this look!"),
        ("sanne", "Wat kost dit? prijs graag"),
        ("mo_123", "link please, where can I buy it?"),
        ("jules", "This is so helpful, thanks"),
        ("troll_77", "you are an idiot, unfollow"),
    ]
    for offset, video in enumerate(account.videos[-3:]):
        for n, (user, text) in enumerate(texts):
            fake.add_comment(
                video.item_id,
                comment_id=f"{video.item_id}-demo-{n}",
                text=text,
                username=user,
                create_time=video.create_time + (n + 1) * 900 + offset,
            )


def shared() -> FakeTikTok:
    """The process's fake TikTok (built on first use with the settings' client key and
    secret and the demo's world), or the one `install()` put in place."""
    global _shared
    with _shared_lock:
        if _shared is None:
            # The fake's one Django import: everything else in it is plain Python.
            from django.conf import settings

            # The app's own key and secret, whatever they are (empty in the demo), so the
            # connector's token calls are accepted as TikTok would accept them.
            fake = FakeTikTok(
                client_key=settings.TIKTOK_CLIENT_KEY,
                client_secret=settings.TIKTOK_CLIENT_SECRET,
            )
            demo_world(fake)
            _shared = fake
        return _shared


def install(fake: FakeTikTok | None) -> None:
    """Make `fake` the process's fake TikTok (None: build the demo one again on next use)."""
    global _shared
    with _shared_lock:
        _shared = fake


def transport() -> httpx.MockTransport:
    """The in-process transport (`PLATFORMS_HTTP_TRANSPORT = "platforms.fake_tiktok.transport"`)."""
    return httpx.MockTransport(lambda request: shared().handle(request))


# --- over real HTTP, for a browser ------------------------------------------------------------


class FakeTikTokServer:
    """`fake` served on 127.0.0.1 and a free port in a thread; `base_url` is its root."""

    def __init__(self, fake: FakeTikTok):
        self.fake = fake
        handler = self._handler_class(fake)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeTikTokServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeTikTokServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def _handler_class(fake: FakeTikTok):
        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = httpx.Request(
                    self.command,
                    f"http://{self.headers.get('Host', '127.0.0.1')}{self.path}",
                    headers=dict(self.headers.items()),
                    content=self.rfile.read(length) if length else b"",
                )
                response = fake.handle(request)
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:  # quiet in test output
                return

        return Handler

"""The connector for a linked TikTok account: the HTTP client plus the grant's lifecycle.

Before each call the access token is refreshed if it is about to expire; a "token expired"
answer triggers one forced refresh and one retry; a revoked grant (or a refused refresh) puts
the account in "reconnect" and raises ReauthorizationRequired, so nothing more is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from platforms.crypto import TokenUnreadable
from platforms.models import PlatformAccount
from platforms.services import account_mark_reconnect, account_refresh_token, ensure_fresh_token

from .base import (
    Comment,
    Page,
    PostedAction,
    Profile,
    ReauthorizationRequired,
    TokenExpired,
    Video,
    VideoMetrics,
)
from .tiktok import TikTokApi

R = TypeVar("R")


class TikTokLinkedConnector:
    manual = False

    def __init__(self, account: PlatformAccount, *, api: TikTokApi | None = None) -> None:
        self.account = account
        self.api = api or TikTokApi()

    def close(self) -> None:
        self.api.close()

    def _call(self, fn: Callable[[str], R]) -> R:
        account = self.account
        try:
            token = ensure_fresh_token(account=account, api=self.api)
        except TokenUnreadable as exc:
            # The key that encrypted the token was dropped before a rotation reached it.
            account_mark_reconnect(account=account, reason="stored token unreadable")
            raise ReauthorizationRequired(str(exc)) from exc
        try:
            try:
                return fn(token)
            except TokenExpired:
                account_refresh_token(account=account, api=self.api, force=True)
                return fn(account.access_token)
        except TokenExpired as exc:
            # Expired again right after a refresh: the grant is not usable.
            account_mark_reconnect(account=account, reason=exc.message or "token expired")
            raise ReauthorizationRequired(exc.message, code=exc.code) from exc
        except ReauthorizationRequired as exc:
            account_mark_reconnect(account=account, reason=exc.message or "access revoked")
            raise

    @property
    def _business_id(self) -> str:
        return self.account.external_id

    def profile(self) -> Profile:
        return self._call(lambda t: self.api.profile(token=t, business_id=self._business_id))

    def list_videos(self, cursor: str = "") -> Page[Video]:
        return self._call(
            lambda t: self.api.list_videos(token=t, business_id=self._business_id, cursor=cursor)
        )

    def video_metrics(self, video_ids: list[str]) -> list[VideoMetrics]:
        return self._call(
            lambda t: self.api.video_metrics(
                token=t, business_id=self._business_id, video_ids=video_ids
            )
        )

    def list_comments(self, video_id: str, cursor: str = "") -> Page[Comment]:
        return self._call(
            lambda t: self.api.list_comments(
                token=t, business_id=self._business_id, video_id=video_id, cursor=cursor
            )
        )

    def list_replies(self, video_id: str, comment_id: str, cursor: str = "") -> Page[Comment]:
        return self._call(
            lambda t: self.api.list_replies(
                token=t,
                business_id=self._business_id,
                video_id=video_id,
                comment_id=comment_id,
                cursor=cursor,
            )
        )

    def reply(self, video_id: str, comment_id: str, text: str) -> PostedAction:
        return self._call(
            lambda t: self.api.reply(
                token=t,
                business_id=self._business_id,
                video_id=video_id,
                comment_id=comment_id,
                text=text,
            )
        )

    def hide(self, video_id: str, comment_id: str, hidden: bool = True) -> PostedAction:
        return self._call(
            lambda t: self.api.hide(
                token=t,
                business_id=self._business_id,
                video_id=video_id,
                comment_id=comment_id,
                hidden=hidden,
            )
        )

    def delete(self, comment_id: str) -> PostedAction:
        return self._call(
            lambda t: self.api.delete(token=t, business_id=self._business_id, comment_id=comment_id)
        )

    def send_dm(self, conversation_id: str, text: str) -> PostedAction:
        return self._call(
            lambda t: self.api.send_dm(
                token=t, business_id=self._business_id, conversation_id=conversation_id, text=text
            )
        )

"""What every platform connector offers, one Protocol per capability, and the errors they raise.

Connectors return plain dataclasses (never the platform's JSON) so sync and delivery code is the
same for every platform. An implementation raises only the errors below; callers decide what
each one means: retry later (RateLimited, TransientError), refresh and retry once (TokenExpired,
handled inside the connector), ask the creator to reconnect (ReauthorizationRequired), or show
the platform's message to a person (PermanentError).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    external_id: str  # the platform's account id (TikTok: open_id / business_id)
    handle: str
    display_name: str
    followers: int | None = None
    avatar_url: str = ""


@dataclass(frozen=True)
class VideoMetrics:
    video_id: str
    views: int = 0
    likes: int = 0
    comments: int = 0
    shares: int = 0
    reach: int | None = None
    average_watch_seconds: float | None = None
    full_watch_rate: float | None = None  # 0..1


@dataclass(frozen=True)
class Video:
    video_id: str
    posted_at: datetime
    caption: str = ""
    url: str = ""
    duration_seconds: int | None = None
    metrics: VideoMetrics | None = None


@dataclass(frozen=True)
class Comment:
    comment_id: str
    video_id: str
    author_id: str
    author_handle: str
    text: str
    created_at: datetime
    parent_id: str = ""  # set on a reply to another comment
    likes: int = 0
    hidden: bool = False
    is_owner: bool = False  # written by the linked account itself (our own replies)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str = ""
    has_more: bool = False


@dataclass(frozen=True)
class PostedAction:
    """What the platform answered to a write: its id for the new object (a reply, a message)
    or, for hide/delete, the id acted on. Stored so a retried delivery never posts twice."""

    platform_id: str
    raw: dict = field(default_factory=dict, compare=False)


# --- capabilities ----------------------------------------------------------------------------


@runtime_checkable
class ProfileConnector(Protocol):
    def profile(self) -> Profile: ...


@runtime_checkable
class VideoConnector(Protocol):
    def list_videos(self, cursor: str = "") -> Page[Video]: ...

    def video_metrics(self, video_ids: list[str]) -> list[VideoMetrics]: ...


@runtime_checkable
class CommentConnector(Protocol):
    def list_comments(self, video_id: str, cursor: str = "") -> Page[Comment]: ...

    def reply(self, video_id: str, comment_id: str, text: str) -> PostedAction: ...

    def hide(self, video_id: str, comment_id: str, hidden: bool = True) -> PostedAction: ...

    def delete(self, comment_id: str) -> PostedAction: ...


@runtime_checkable
class MessageConnector(Protocol):
    def send_dm(self, conversation_id: str, text: str) -> PostedAction: ...


# --- errors ----------------------------------------------------------------------------------


class PlatformError(Exception):
    """Base of every connector error. `message` is the platform's own words when it gave any."""

    def __init__(self, message: str = "", *, code: str | int | None = None) -> None:
        super().__init__(message or type(self).__name__)
        self.message = message
        self.code = code


class RateLimited(PlatformError):
    """Too many requests: try again after `retry_after` seconds."""

    def __init__(self, message: str = "", *, retry_after: float = 60.0, code=None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class TransientError(PlatformError):
    """A 5xx, a timeout or a connection failure: safe to retry with backoff."""


class PermanentError(PlatformError):
    """The platform refused the request (4xx): retrying will not help; show the message."""


class ScopeMissing(PermanentError):
    """The grant lacks a scope this call needs: the creator must reconnect and allow it."""


class TokenExpired(PlatformError):
    """The access token expired: refresh it and retry once (the connector does this)."""


class ReauthorizationRequired(PlatformError):
    """The grant is gone (revoked, refresh token expired or invalid): the account needs
    reconnecting by a person; nothing else can be done with it."""


# The name the brief and TikTok's docs use for the same situation.
TokenRevoked = ReauthorizationRequired


class NotLinked(PlatformError):
    """The account has no live connection (the manual connector has no platform to ask)."""

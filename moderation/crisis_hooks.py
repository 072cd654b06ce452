"""What moderation needs from the crisis app, through functions crisis registers.

crisis sits above moderation (.importlinter), yet turning crisis mode on freezes its
scheduled deliverables, and a case answered during a crisis may use its library of
pre-written replies. crisis registers both in `CrisisConfig.ready()`; moderation calls
them here and never imports crisis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CrisisReplyChoice:
    """One pre-written reply offered on a case's reply form."""

    id: int
    language: str
    title: str
    text: str


# (agency=, actor=, enabled=, now=): called by crisis_mode_set inside its transaction when
# crisis mode actually changes; an exception rolls the switch back.
CrisisListener = Callable[..., None]
# (agency=) -> the agency's crisis replies, in the order they are offered.
CrisisReplyProvider = Callable[..., list[CrisisReplyChoice]]

_listeners: list[CrisisListener] = []
_reply_provider: CrisisReplyProvider | None = None


def crisis_listener_register(listener: CrisisListener) -> None:
    """Add a listener (once: registering the same one again changes nothing)."""
    if listener not in _listeners:
        _listeners.append(listener)


def crisis_listeners_notify(*, agency: Any, actor: Any, enabled: bool, now: datetime) -> None:
    for listener in _listeners:
        listener(agency=agency, actor=actor, enabled=enabled, now=now)


def crisis_replies_register(provider: CrisisReplyProvider) -> None:
    global _reply_provider
    _reply_provider = provider


def crisis_replies(*, agency: Any) -> list[CrisisReplyChoice]:
    """The agency's pre-written crisis replies; none when no app provides them."""
    return _reply_provider(agency=agency) if _reply_provider is not None else []

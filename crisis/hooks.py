"""What crisis registers with the lower apps (CrisisConfig.ready): the crisis-mode listener
and the reply library for moderation, the frozen-deliverable holds for campaigns."""

from __future__ import annotations

from agencies.models import Agency
from moderation.crisis_hooks import CrisisReplyChoice

from .selectors import reply_list
from .services import (
    crisis_mode_changed,
    crisis_replies_ensure,
    deliverable_scheduled_in_crisis,
    frozen_holds,
)

__all__ = [
    "crisis_mode_changed",
    "deliverable_scheduled_in_crisis",
    "frozen_holds",
    "reply_choices",
]


def reply_choices(*, agency: Agency) -> list[CrisisReplyChoice]:
    """The library offered on a case's reply form (the defaults made on first use)."""
    crisis_replies_ensure(agency=agency)
    return [
        CrisisReplyChoice(id=pk, language=language, title=title, text=text)
        for pk, language, title, text in reply_list(agency).values_list(
            "pk", "language", "title", "text"
        )
    ]

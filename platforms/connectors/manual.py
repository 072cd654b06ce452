"""The manual connector: accounts with no live connection keep today's behaviour, every reply,
DM, hide and remove written to moderation's outbox for a person to carry out by hand."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from moderation.models import AutomatedAction
from moderation.outbox import OutboxConnector

from .base import NotLinked

if TYPE_CHECKING:
    from platforms.models import PlatformAccount


class ManualConnector:
    manual = True

    def __init__(self, account: PlatformAccount | None = None) -> None:
        self.account = account
        self.outbox = OutboxConnector()

    # moderation's Connector interface: an outbox row per action.
    def deliver(self, action: AutomatedAction, *, now: datetime) -> None:
        self.outbox.deliver(action, now=now)

    def deliver_many(self, actions: list[AutomatedAction], *, now: datetime) -> None:
        self.outbox.deliver_many(actions, now=now)

    def _not_linked(self):
        raise NotLinked("This account is not linked: actions go to the outbox.")

    def profile(self):
        self._not_linked()

    def list_videos(self, cursor: str = ""):
        self._not_linked()

    def video_metrics(self, video_ids: list[str]):
        self._not_linked()

    def list_comments(self, video_id: str, cursor: str = ""):
        self._not_linked()

    def reply(self, video_id: str, comment_id: str, text: str):
        self._not_linked()

    def hide(self, video_id: str, comment_id: str, hidden: bool = True):
        self._not_linked()

    def delete(self, comment_id: str):
        self._not_linked()

    def send_dm(self, conversation_id: str, text: str):
        self._not_linked()

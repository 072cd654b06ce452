"""What agencies needs to know of a higher app's rows, through functions that app registers.

agencies sits below creators (.importlinter), yet a creator's login is a membership: accepting
a creator invitation links the roster entry, removing the member unlinks it, the team page
names each creator's roster entry and the invitation form offers entries without a login.
creators registers those four in `CreatorsConfig.ready()` (creators/logins.py); agencies
calls them here and never imports creators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CreatorLogins:
    # (invitation, user): link the invited creator's roster entry to the new login.
    link: Callable[..., None]
    # (membership, actor): unlink the member's roster entries, audited, before the membership goes.
    unlink: Callable[..., None]
    # (agency) -> an expression for Membership: the display name of the member's roster entry.
    name_of_member: Callable[..., Any]
    # (agency) -> the roster entries a creator invitation may link (no login yet).
    invitable: Callable[..., Any]


_creator_logins: CreatorLogins | None = None


def creator_logins_register(hooks: CreatorLogins) -> None:
    global _creator_logins
    _creator_logins = hooks


def creator_logins() -> CreatorLogins:
    if _creator_logins is None:
        raise LookupError(
            "The creators app registers CreatorLogins in its ready(); is it installed?"
        )
    return _creator_logins

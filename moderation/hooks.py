"""What moderation tells higher apps, through functions those apps register.

A lead is born inside triage: the DM sequence captures an e-mail address given with consent
(moderation/triage.py). The leads app, one layer up (.importlinter), turns each capture into
a `Lead` and a campaign conversion. Triage runs in moderation's own Celery task, so no
higher-layer caller stands between the message and the capture that could call leads
instead; a registry is the one clean direction: leads registers its handler in
`LeadsConfig.ready()` and moderation calls it here, inside the triage transaction (a capture
and its lead are stored together or not at all), and never imports leads.

Handlers take the whole batch's captures at once, so triage's query count does not grow
with the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .models import Contact, InboundMessage


@dataclass(frozen=True)
class LeadCapture:
    """A contact who gave a valid e-mail address after consenting to be e-mailed."""

    agency_id: int
    contact: Contact
    # The DM that carried the address.
    message: InboundMessage
    captured_at: datetime


LeadHandler = Callable[[list[LeadCapture]], None]
_lead_handlers: dict[str, LeadHandler] = {}


def lead_handler_register(name: str, handler: LeadHandler) -> None:
    """Register (or replace) the handler called `name`; called from an AppConfig.ready()."""
    _lead_handlers[name] = handler


def leads_captured(captures: list[LeadCapture]) -> None:
    """Hand the captures of one triage batch to every registered handler."""
    if not captures:
        return
    for handler in _lead_handlers.values():
        handler(captures)

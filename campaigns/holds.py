"""Holds on deliverables placed by apps above campaigns, through a hook: campaigns never
imports them. crisis registers a provider in its AppConfig.ready(): a deliverable frozen by
crisis mode may not be marked posted until a person releases it, and its page says why.

A provider takes the agency id and deliverable ids and returns, for each held deliverable,
the reason in the reader's language. A scheduled-deliverable listener hears of every
deliverable created or rescheduled (inside the service's transaction), so that a hold can be
placed on one scheduled while the reason for holds lasts (crisis mode).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

HoldProvider = Callable[..., dict[int, str]]
_providers: list[HoldProvider] = []


def register_hold_provider(provider: HoldProvider) -> None:
    """Add a provider (once: registering the same one again changes nothing)."""
    if provider not in _providers:
        _providers.append(provider)


def deliverable_holds(*, agency_id: int, deliverable_ids: Iterable[int]) -> dict[int, str]:
    """The held deliverables among `deliverable_ids`, each with the reason it is held."""
    ids = list(deliverable_ids)
    holds: dict[int, str] = {}
    for provider in _providers:
        for pk, reason in provider(agency_id=agency_id, deliverable_ids=ids).items():
            holds.setdefault(pk, reason)
    return holds


ScheduledListener = Callable[..., None]
_scheduled_listeners: list[ScheduledListener] = []


def register_scheduled_listener(listener: ScheduledListener) -> None:
    """Add a listener `listener(*, deliverable, actor)` (once)."""
    if listener not in _scheduled_listeners:
        _scheduled_listeners.append(listener)


def deliverable_scheduled(*, deliverable, actor) -> None:
    """Tell the listeners `deliverable` was created or its date changed."""
    for listener in _scheduled_listeners:
        listener(deliverable=deliverable, actor=actor)

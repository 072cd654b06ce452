"""The background's sign of life for /readyz (config/health.py)."""

from __future__ import annotations

from agencies.tasking import system_task
from config.health import background_heartbeat


@system_task(name="ops.heartbeat")
def heartbeat() -> None:
    """Beat queues this every 30 s; the worker that runs it proves both are alive."""
    background_heartbeat()

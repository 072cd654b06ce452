from __future__ import annotations

from django import template

from moderation.models import Level

from ..models import Drill

register = template.Library()


@register.filter
def drill_levels(drill: Drill) -> list[tuple[str, int]]:
    """(level label, minutes) of a drill, in escalation order."""
    rows = []
    for level in Level:
        minutes = drill.level_minutes.get(str(int(level)))
        if minutes is not None:
            rows.append((str(level.label), minutes))
    return rows

"""A sparkline: a small inline SVG line of a few values, drawn on the server (no script, no
inline style) with a text alternative that reads the values out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString

WIDTH = 120
HEIGHT = 32
PAD = 3


def sparkline(values: Sequence[Decimal | int | float], *, label: str) -> SafeString:
    """An SVG polyline of `values` (oldest first) scaled to their own range, the last point
    marked; `label` is its accessible name (say what the values are, e.g. "Received per
    month, May to October: …")."""
    numbers = [float(v) for v in values]
    if not numbers:
        return format_html("")
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(numbers) - 1, 1)
    points = [
        (PAD + index * step, HEIGHT - PAD - (value - low) / span * (HEIGHT - 2 * PAD))
        for index, value in enumerate(numbers)
    ]
    if len(points) == 1 or high == low:
        points = [(x, HEIGHT / 2) for x, _y in points]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return format_html(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}" focusable="false"><title>{label}</title>'
        '<polyline fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" '
        'points="{path}"/><circle cx="{cx}" cy="{cy}" r="2.5" fill="currentColor"/></svg>',
        w=WIDTH,
        h=HEIGHT,
        label=label,
        path=path,
        cx=f"{last_x:.1f}",
        cy=f"{last_y:.1f}",
    )

"""The creator page's history charts: server-side SVG from `core.charts` (one chart
function for the web page and the PDF reports), fed with the main account's snapshots.
Followers are drawn around their own range (a padded min and max): from zero, a year of
growth from 120,000 to 126,000 would be a flat line at the top."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.charts import line_chart

CHART_POINTS = 60


def _label(day) -> str:
    return date_format(day, "j M")  # localised month names


def _thinned(points: list, limit: int = CHART_POINTS) -> list:
    """At most `limit` points, evenly spaced, always keeping the last."""
    if len(points) <= limit:
        return points
    step = len(points) / (limit - 1)
    kept = [points[int(i * step)] for i in range(limit - 1)]
    return [*kept, points[-1]]


def history_charts(history) -> dict[str, str]:
    """Followers and 30-day views of the main account as server-side SVG line charts."""
    points = _thinned(history)
    return {
        "followers": line_chart(
            [(_label(snap.date), float(snap.followers)) for snap in points],
            title=_("Followers"),
            chart_id="chart-followers",
            x_label=_("Date"),
            y_label=_("Followers"),
            zero_based=False,
            empty_message=_("No snapshots yet"),
        ),
        "views": line_chart(
            [(_label(snap.date), float(snap.views_last_30_days)) for snap in points],
            title=_("Views in the last 30 days"),
            chart_id="chart-views",
            x_label=_("Date"),
            y_label=_("Views (30 days)"),
            empty_message=_("No snapshots yet"),
        ),
    }

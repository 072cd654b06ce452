"""The campaign dashboard's (and the sponsor report's) charts, drawn by `core.charts`."""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.charts import bar_chart, line_chart, percent


def campaign_charts(dashboard, series, *, labels: dict[str, str]) -> dict[str, str]:
    """The dashboard's (and the sponsor report's) charts from `selectors.campaign_dashboard`
    and `selectors.engagement_series`. `labels` carries the translated titles; axis and
    legend names are translated here, in the language active for the caller."""
    creators = dashboard.creators
    funnel = dashboard.total.funnel
    return {
        "views": bar_chart(
            [(c.creator_name, c.figures.views) for c in creators],
            title=labels["views"],
            chart_id="chart-views",
            value_label=_("Views"),
            empty_message=labels["empty"],
        ),
        "engagement": bar_chart(
            [
                (c.creator_name, float(c.figures.engagement_rate * 100))
                for c in creators
                if c.figures.engagement_rate is not None
            ],
            title=labels["engagement"],
            chart_id="chart-engagement",
            value_format=percent,
            value_label=_("Engagement rate (%)"),
            empty_message=labels["empty"],
        ),
        "funnel": bar_chart(
            [(f"{step}%", float(value)) for step, value in funnel.items() if value is not None],
            title=labels["funnel"],
            chart_id="chart-funnel",
            value_format=percent,
            value_label=_("Viewers still watching (%)"),
            series_label=_("Share of viewers"),
            empty_message=labels["empty"],
        ),
        "series": line_chart(
            [
                (date_format(day, "d M"), float(rate * 100))
                for day, rate in series
                if rate is not None
            ],
            title=labels["series"],
            chart_id="chart-series",
            value_format=percent,
            x_label=_("Day"),
            y_label=_("Engagement rate (%)"),
            empty_message=labels["empty"],
        ),
    }

"""Server-side SVG charts: small pure functions returning accessible SVG strings.

The same markup serves the web dashboard (inlined, so no request and no script, which the
CSP would refuse anyway) and the PDF report (WeasyPrint renders inline SVG). No external
fonts: text uses the generic sans-serif family. Every chart has a <title> and <desc> named
by aria-labelledby, and each bar or point carries its own <title> with label and value.
Numbers and dates in labels follow the active language (Django's localisation), so a Dutch
report reads "81,00%" and "15.321" where an English one reads "81.00%" and "15,321".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from django.utils.formats import date_format, number_format

Formatter = Callable[[float], str]

INK = "#111827"
MUTED = "#6b7280"
GRID = "#e5e7eb"
BAR = "#4f46e5"
FONT = 'font-family="sans-serif"'


def _localized(value: float, decimals: int) -> str:
    return number_format(value, decimals, use_l10n=True, force_grouping=True)


def _default_format(value: float) -> str:
    if float(value).is_integer():
        return _localized(int(value), 0)
    return _localized(value, 2)


def _num(value: float) -> str:
    """Coordinates with at most one decimal, so the markup is stable and small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id, quote=True)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]


def _empty(parts: list[str], width: int, height: int, message: str) -> str:
    parts.append(
        f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" {FONT} '
        f'font-size="13" fill="{MUTED}">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = _default_format,
    empty_message: str = "No data yet",
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 170,
) -> str:
    """Horizontal bars, one per (label, value); values below zero are drawn as zero."""
    gap = 8
    height = max(60, 16 + len(items) * (bar_height + gap) + 8)
    description = "; ".join(f"{label}: {value_format(value)}" for label, value in items)
    parts = _open(chart_id, title, description or empty_message, width, height)
    if not items:
        return _empty(parts, width, height, empty_message)
    top = max((max(value, 0) for _, value in items), default=0) or 1
    plot = width - label_width - 90
    for index, (label, value) in enumerate(items):
        y = 12 + index * (bar_height + gap)
        length = plot * max(value, 0) / top
        text = value_format(value)
        parts.append("<g>")
        parts.append(f"<title>{escape(label)}: {escape(text)}</title>")
        parts.append(
            f'<text x="{label_width - 8}" y="{_num(y + bar_height * 0.7)}" text-anchor="end" '
            f'{FONT} font-size="12" fill="{INK}">{escape(label[:28])}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{_num(length)}" height="{bar_height}" '
            f'rx="3" fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{_num(label_width + length + 6)}" y="{_num(y + bar_height * 0.7)}" '
            f'{FONT} font-size="12" fill="{INK}">{escape(text)}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = _default_format,
    empty_message: str = "No data yet",
    width: int = 640,
    height: int = 240,
) -> str:
    """One series over ordered (label, value) points, the y axis from zero to the maximum."""
    description = "; ".join(f"{label}: {value_format(value)}" for label, value in points)
    parts = _open(chart_id, title, description or empty_message, width, height)
    if not points:
        return _empty(parts, width, height, empty_message)
    left, right, top_pad, bottom = 64, 16, 16, 36
    plot_w = width - left - right
    plot_h = height - top_pad - bottom
    top = max((max(v, 0) for _, v in points), default=0) or 1

    def x_at(i: int) -> float:
        return left + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top_pad + plot_h * (1 - max(v, 0) / top)

    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" {FONT} font-size="11" '
            f'fill="{MUTED}">{escape(value_format(top * fraction))}</text>'
        )
    coords = " ".join(f"{_num(x_at(i))},{_num(y_at(v))}" for i, (_, v) in enumerate(points))
    parts.append(f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    step = max(1, len(points) // 6)
    for i, (label, value) in enumerate(points):
        parts.append(
            f'<circle cx="{_num(x_at(i))}" cy="{_num(y_at(value))}" r="3" fill="{BAR}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></circle>"
        )
        if i % step == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{_num(x_at(i))}" y="{height - 12}" text-anchor="middle" {FONT} '
                f'font-size="11" fill="{MUTED}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _percent(value: float) -> str:
    return f"{_localized(value, 2)}%"


def campaign_charts(dashboard, series, *, labels: dict[str, str]) -> dict[str, str]:
    """The dashboard's (and the sponsor report's) charts from `selectors.campaign_dashboard`
    and `selectors.engagement_series`. `labels` carries the translated titles."""
    creators = dashboard.creators
    funnel = dashboard.total.funnel
    return {
        "views": bar_chart(
            [(c.creator_name, c.figures.views) for c in creators],
            title=labels["views"],
            chart_id="chart-views",
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
            value_format=_percent,
            empty_message=labels["empty"],
        ),
        "funnel": bar_chart(
            [(f"{step}%", float(value)) for step, value in funnel.items() if value is not None],
            title=labels["funnel"],
            chart_id="chart-funnel",
            value_format=_percent,
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
            value_format=_percent,
            empty_message=labels["empty"],
        ),
    }

"""Server-side SVG charts: small pure functions returning accessible SVG strings.

The same markup serves the web dashboard (inlined, so no request and no script, which the
CSP would refuse anyway) and the PDF report (WeasyPrint renders inline SVG). No external
fonts: text uses the generic sans-serif family.

What every chart carries, so it reads alone (a screenshot, a page of the PDF):
- a visible title, a legend naming the series, and axis labels when the caller gives them;
- a <title> and a <desc> named by aria-labelledby (the desc says the range and lists every
  value), and a <title> on each bar or point, for screen readers and tooltips;
- axis ranges that show the change: a line chart's y axis runs over "nice" round ticks
  around the data (from zero only when asked: rates and counts that start at nothing), and
  the x labels are thinned to what fits the width, so they never overlap.
Numbers follow the active language through Babel ("15.321" and "81,00%" in Dutch, "15,321"
and "81.00%" in English); axis ticks are compact ("1,2 mln." / "1.2M").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from babel.numbers import format_compact_decimal, format_decimal
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

Formatter = Callable[[float], str]

INK = "#111827"
MUTED = "#4b5563"  # 7:1 on white: axis text stays readable when the chart is scaled down
GRID = "#e5e7eb"
BAR = "#4f46e5"
FONT = 'font-family="sans-serif"'
# The average advance of a digit or letter at 12 px sans-serif, for fitting labels.
CHAR_WIDTH = 7.0
_LOCALES = {"nl": "nl_NL", "en": "en"}


def _locale() -> str:
    language = (get_language() or "en").lower()
    return _LOCALES.get(language.split("-")[0], to_locale(language))


def _localized(value: float, decimals: int) -> str:
    places = "." + "0" * decimals if decimals else ""
    return format_decimal(
        Decimal(str(round(value, decimals))), format=f"#,##0{places}", locale=_locale()
    )


def _default_format(value: float) -> str:
    if float(value).is_integer():
        return _localized(int(value), 0)
    return _localized(value, 2)


def compact(value: float) -> str:
    """Axis ticks: 1,250,000 -> "1.2M" (en) / "1,2 mln." (nl); below 10,000 in full."""
    if abs(value) < 10_000:
        return _default_format(value)
    return format_compact_decimal(value, locale=_locale(), fraction_digits=1)


def percent(value: float) -> str:
    return f"{_localized(value, 2)}%"


def _num(value: float) -> str:
    """Coordinates with at most one decimal, so the markup is stable and small."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def nice_ticks(low: float, high: float, *, target: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering low..high,
    about `target` of them."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / max(1, target - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    count = round((last - first) / step)
    return [first + i * step for i in range(count + 1)]


def value_range(values: Sequence[float], *, zero_based: bool) -> list[float]:
    """The y ticks of a line chart. From zero when `zero_based`; otherwise the data's own
    range padded by a tenth on each side (never below zero for data that is not), so growth
    from 120,000 to 126,000 fills the chart instead of lying flat at its top."""
    low, high = min(values), max(values)
    if zero_based:
        return nice_ticks(min(0.0, low), max(high, 0.0) or 1)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1
    padded_low = low - pad
    if low >= 0:
        padded_low = max(0.0, padded_low)
    return nice_ticks(padded_low, high + pad)


def thinned_labels(labels: Sequence[str], plot_width: float) -> list[int]:
    """The indexes of the x labels to draw: as many as fit side by side in `plot_width`,
    spread evenly, first and last always. The first and last labels are aligned to the
    plot's edges (start and end), so neighbours sit one and a half label widths apart."""
    count = len(labels)
    if count <= 1:
        return list(range(count))
    widest = max(len(label) for label in labels) * CHAR_WIDTH + 10
    step = plot_width / (count - 1)
    stride = max(1, math.ceil(1.5 * widest / step))
    shown = list(range(0, count, stride))
    if shown[-1] != count - 1:
        if len(shown) > 1 and count - 1 - shown[-1] < stride:
            shown.pop()  # too close to the last label, which is always drawn
        shown.append(count - 1)
    return shown


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    cid = escape(chart_id, quote=True)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
        f'<text x="0" y="15" {FONT} font-size="15" font-weight="bold" fill="{INK}" '
        f'class="chart-title">{escape(title)}</text>',
    ]


def _legend(parts: list[str], width: int, series: str) -> None:
    """One swatch and the series' name, top right (the series every mark belongs to)."""
    if not series:
        return
    x = width - len(series) * CHAR_WIDTH - 22
    parts.append(
        f'<g class="chart-legend"><rect x="{_num(x)}" y="23" width="12" height="12" rx="2" '
        f'fill="{BAR}"/><text x="{_num(x + 17)}" y="33" {FONT} font-size="12" '
        f'fill="{INK}">{escape(series)}</text></g>'
    )


def _empty(parts: list[str], width: int, height: int, message: str) -> str:
    parts.append(
        f'<text x="{width // 2}" y="{height // 2}" text-anchor="middle" {FONT} '
        f'font-size="14" fill="{MUTED}">{escape(message)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = _default_format,
    value_label: str = "",
    series_label: str = "",
    empty_message: str = "No data yet",
    width: int = 480,
    bar_height: int = 20,
    label_width: int = 140,
) -> str:
    """Horizontal bars, one per (label, value); values below zero are drawn as zero.
    `value_label` names the bars' axis (under the bars), `series_label` the legend."""
    gap, top_pad = 6, 44
    height = max(100, top_pad + len(items) * (bar_height + gap) + 24)
    description = "; ".join(f"{label}: {value_format(value)}" for label, value in items)
    parts = _open(chart_id, title, description or empty_message, width, height)
    if not items:
        return _empty(parts, width, height, empty_message)
    _legend(parts, width, series_label or value_label)
    top = max((max(value, 0) for _, value in items), default=0) or 1
    plot = width - label_width - 80
    for index, (label, value) in enumerate(items):
        y = top_pad + index * (bar_height + gap)
        length = plot * max(value, 0) / top
        text = value_format(value)
        short = label if len(label) <= 20 else label[:19] + "…"
        parts.append("<g>")
        parts.append(f"<title>{escape(label)}: {escape(text)}</title>")
        parts.append(
            f'<text x="{label_width - 8}" y="{_num(y + bar_height * 0.72)}" text-anchor="end" '
            f'{FONT} font-size="12" fill="{INK}">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{_num(length)}" height="{bar_height}" '
            f'rx="3" fill="{BAR}"/>'
        )
        parts.append(
            f'<text x="{_num(label_width + length + 6)}" y="{_num(y + bar_height * 0.72)}" '
            f'{FONT} font-size="12" fill="{INK}">{escape(text)}</text>'
        )
        parts.append("</g>")
    base = top_pad + len(items) * (bar_height + gap) - gap / 2
    parts.append(
        f'<line x1="{label_width}" x2="{label_width}" y1="{top_pad - 4}" y2="{_num(base)}" '
        f'stroke="{MUTED}"/>'
    )
    if value_label:
        parts.append(
            f'<text x="{_num(label_width + plot / 2)}" y="{height - 8}" text-anchor="middle" '
            f'{FONT} font-size="12" fill="{MUTED}" class="axis-label">{escape(value_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    points: Sequence[tuple[str, float]],
    *,
    title: str,
    chart_id: str,
    value_format: Formatter = _default_format,
    tick_format: Formatter | None = None,
    x_label: str = "",
    y_label: str = "",
    series_label: str = "",
    zero_based: bool = True,
    empty_message: str = "No data yet",
    width: int = 480,
    height: int = 250,
) -> str:
    """One series over ordered (label, value) points. The y axis runs over round ticks from
    zero (`zero_based`) or around the data (`zero_based=False`: followers, where the change
    is the story); x labels are thinned to what fits."""
    ticks_format = tick_format or (compact if value_format is _default_format else value_format)
    if points:
        values = [v for _, v in points]
        low_i, high_i = values.index(min(values)), values.index(max(values))
        summary = _(
            "From %(first)s (%(first_value)s) to %(last)s (%(last_value)s); lowest "
            "%(low)s on %(low_at)s, highest %(high)s on %(high_at)s."
        ) % {
            "first": points[0][0],
            "first_value": value_format(points[0][1]),
            "last": points[-1][0],
            "last_value": value_format(points[-1][1]),
            "low": value_format(values[low_i]),
            "low_at": points[low_i][0],
            "high": value_format(values[high_i]),
            "high_at": points[high_i][0],
        }
        listed = "; ".join(f"{label}: {value_format(value)}" for label, value in points)
        description = f"{summary} {listed}"
    else:
        description = empty_message
    parts = _open(chart_id, title, description, width, height)
    if not points:
        return _empty(parts, width, height, empty_message)
    _legend(parts, width, series_label or y_label)
    ticks = value_range([v for _, v in points], zero_based=zero_based)
    tick_texts = [ticks_format(t) for t in ticks]
    left = 22 + max(len(t) for t in tick_texts) * CHAR_WIDTH + 6
    right, top_pad, bottom = 12, 46, 48
    plot_w = width - left - right
    plot_h = height - top_pad - bottom
    low, high = ticks[0], ticks[-1]

    def x_at(i: int) -> float:
        return left + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top_pad + plot_h * (1 - (v - low) / (high - low))

    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_at(tick)
        parts.append(
            f'<line x1="{_num(left)}" x2="{width - right}" y1="{_num(y)}" y2="{_num(y)}" '
            f'stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{_num(left - 6)}" y="{_num(y + 4)}" text-anchor="end" {FONT} '
            f'font-size="12" fill="{MUTED}" class="y-tick">{escape(text)}</text>'
        )
    coords = " ".join(f"{_num(x_at(i))},{_num(y_at(v))}" for i, (_, v) in enumerate(points))
    parts.append(f'<polyline points="{coords}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    shown = set(thinned_labels([label for label, _ in points], plot_w))
    for i, (label, value) in enumerate(points):
        parts.append(
            f'<circle cx="{_num(x_at(i))}" cy="{_num(y_at(value))}" r="2.5" fill="{BAR}">'
            f"<title>{escape(label)}: {escape(value_format(value))}</title></circle>"
        )
        if i in shown:
            anchor = "start" if i == 0 and len(points) > 1 else "middle"
            anchor = "end" if i == len(points) - 1 and len(points) > 1 else anchor
            parts.append(
                f'<text x="{_num(x_at(i))}" y="{top_pad + plot_h + 18}" text-anchor="{anchor}" '
                f'{FONT} font-size="12" fill="{MUTED}" class="x-tick">{escape(label)}</text>'
            )
    if y_label:
        middle = top_pad + plot_h / 2
        parts.append(
            f'<text x="12" y="{_num(middle)}" text-anchor="middle" {FONT} font-size="12" '
            f'fill="{MUTED}" transform="rotate(-90 12 {_num(middle)})" class="axis-label">'
            f"{escape(y_label)}</text>"
        )
    if x_label:
        parts.append(
            f'<text x="{_num(left + plot_w / 2)}" y="{height - 6}" text-anchor="middle" '
            f'{FONT} font-size="12" fill="{MUTED}" class="axis-label">{escape(x_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)

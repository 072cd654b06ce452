"""Charts people can read (issue 16): a visible title, axis labels and a legend, round y
ticks around the data (followers not from zero), x labels that never overlap, numbers in
the reader's language, and a text alternative for screen readers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.utils import translation

from core.charts import CHAR_WIDTH, bar_chart, line_chart, nice_ticks, value_range
from creators.insights.charts import history_charts

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str, cls: str | None = None) -> list[ET.Element]:
    root = ET.fromstring(svg)  # noqa: S314 - our own markup
    return [t for t in root.iter(f"{SVG}text") if cls is None or t.get("class") == cls]


def plain(element: ET.Element) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", element.text or "")


def history(days: int = 90, start: int = 120_000, per_day: int = 70):
    first = date(2026, 9, 1)
    return [
        SimpleNamespace(
            date=first + timedelta(days=i),
            followers=start + i * per_day,
            views_last_30_days=308_282 + (i % 7) * 9_000,
        )
        for i in range(days)
    ]


def y_ticks(svg: str) -> list[str]:
    return [plain(t) for t in texts(svg, "y-tick")]


def test_the_followers_chart_runs_around_the_data_not_from_zero():
    with translation.override("en"):
        svg = history_charts(history())["followers"]

    ticks = y_ticks(svg)
    # 120,000 .. 126,230 padded by a tenth: round ticks from 118K to 128K, never 0
    assert ticks[0] == "118K" and ticks[-1] == "128K"
    assert "0" not in ticks
    assert 3 <= len(ticks) <= 8


def test_the_views_chart_starts_at_zero_with_round_ticks():
    with translation.override("en"):
        svg = history_charts(history())["views"]

    ticks = y_ticks(svg)
    assert ticks[0] == "0" and ticks[-1] == "400K"
    assert 3 <= len(ticks) <= 8


def test_a_chart_carries_its_title_axis_labels_and_legend():
    with translation.override("en"):
        svg = history_charts(history())["followers"]

    root = ET.fromstring(svg)  # noqa: S314
    assert root.find(f"{SVG}title").text == "Followers"
    assert [plain(t) for t in texts(svg, "chart-title")] == ["Followers"]
    assert sorted(plain(t) for t in texts(svg, "axis-label")) == ["Date", "Followers"]
    legend = root.find(f"{SVG}g[@class='chart-legend']")
    assert legend is not None and legend.find(f"{SVG}rect") is not None
    assert legend.find(f"{SVG}text").text == "Followers"


def test_the_text_alternative_says_the_range_and_every_value():
    with translation.override("en"):
        svg = history_charts(history(days=5))["followers"]

    root = ET.fromstring(svg)  # noqa: S314
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-followers-title chart-followers-desc"
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("From 1 Sep (120,000) to 5 Sep (120,280); lowest 120,000")
    assert "3 Sep: 120,140" in desc


@pytest.mark.parametrize("days", [2, 14, 30, 60, 90])
@pytest.mark.parametrize("width", [320, 480, 900])
def test_x_labels_never_overlap(days, width):
    points = [(f"{(date(2026, 1, 1) + timedelta(days=i)):%d %b}", float(i)) for i in range(days)]

    svg = line_chart(points, title="T", chart_id="c", width=width)

    spans = []
    for t in texts(svg, "x-tick"):
        x, w = float(t.get("x")), len(t.text) * CHAR_WIDTH
        left = {"start": x, "end": x - w}.get(t.get("text-anchor"), x - w / 2)
        spans.append((left, left + w))
    assert len(spans) >= 2 and spans[0][0] >= 0 and spans[-1][1] <= width
    for (_, right), (left, _) in pairwise(spans):
        assert right < left, (right, left)
    # and the first and last day are always named
    labels = [t.text for t in texts(svg, "x-tick")]
    assert labels[0] == points[0][0] and labels[-1] == points[-1][0]


def test_numbers_follow_the_language():
    items = [("Mila", 308_282.0), ("Noah", 12_000.0)]
    with translation.override("nl"):
        dutch = [plain(t) for t in texts(bar_chart(items, title="Weergaven", chart_id="b"))]
        dutch_ticks = y_ticks(history_charts(history(start=1_200_000, per_day=900))["followers"])
    with translation.override("en"):
        english = [plain(t) for t in texts(bar_chart(items, title="Views", chart_id="b"))]

    assert "308.282" in dutch and "308,282" not in dutch
    assert "308,282" in english
    assert any(re.fullmatch(r"\d,\d mln\.", tick) for tick in dutch_ticks), dutch_ticks


def test_nice_ticks_and_ranges():
    assert nice_ticks(0, 97) == [0, 25, 50, 75, 100]
    assert nice_ticks(120_000, 126_230) == [120_000, 122_000, 124_000, 126_000, 128_000]
    # a flat series still gets a range, and data that is never negative no axis below zero
    assert value_range([5.0, 5.0], zero_based=False)[0] >= 0
    assert value_range([0.0, 3.0], zero_based=False)[0] == 0
    assert value_range([10_000.0, 10_000.0], zero_based=False)[-1] > 10_000


def test_a_bar_chart_names_its_value_axis_and_legend():
    svg = bar_chart([("A", 1.0)], title="Views per creator", chart_id="v", value_label="Views")

    assert [plain(t) for t in texts(svg, "axis-label")] == ["Views"]
    assert [plain(t) for t in texts(svg, "chart-title")] == ["Views per creator"]
    root = ET.fromstring(svg)  # noqa: S314
    assert root.find(f"{SVG}g[@class='chart-legend']/{SVG}text").text == "Views"

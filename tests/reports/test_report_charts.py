"""The report's charts write numbers and dates in the report's language."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from reports.pdf import render_report_pdf
from reports.selectors import sponsor_report_data

from .test_sponsor_report import build_campaign, pdf_text

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def chart_texts(svg: str) -> list[str]:
    """The visible labels of one chart (its <text> elements), spaces made plain."""
    root = ET.fromstring(svg)  # noqa: S314 - our own markup
    return [re.sub(r"[\s\u00a0\u202f]+", " ", t.text or "") for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("language", "percent", "views", "wrong_percent", "wrong_views"),
    [
        ("en", "81.00%", "15,321", "81,00%", "15.321"),
        ("nl", "81,00%", "15.321", "81.00%", "15,321"),
    ],
)
def test_chart_labels_follow_the_reports_language(
    agency, manager, language, percent, views, wrong_percent, wrong_views
):
    campaign = build_campaign(agency, manager)
    data = sponsor_report_data(campaign=campaign, language=language)

    funnel = chart_texts(data.charts["funnel"])
    views_chart = chart_texts(data.charts["views"])
    # the funnel's first step is 81 % (every snapshot says so); Anna's latest views 15,321
    assert percent in funnel and wrong_percent not in funnel
    assert views in views_chart and wrong_views not in views_chart
    assert any(label.endswith("%") for label in chart_texts(data.charts["engagement"]))

    text = pdf_text(render_report_pdf(data, language=language))
    assert percent in text
    # nothing in the PDF, charts included, uses the other language's separators
    assert wrong_percent not in text and wrong_views not in text


def test_the_engagement_series_names_its_days_in_the_reports_language(agency, manager):
    campaign = build_campaign(agency, manager)
    dutch = chart_texts(sponsor_report_data(campaign=campaign, language="nl").charts["series"])
    english = chart_texts(sponsor_report_data(campaign=campaign, language="en").charts["series"])

    assert any(label.endswith("Mrt") for label in dutch), dutch
    assert any(label.endswith("Mar") for label in english), english
    # the axis values use the language's decimal comma or point
    assert any(re.fullmatch(r"\d+,\d\d%", label) for label in dutch), dutch
    assert any(re.fullmatch(r"\d+\.\d\d%", label) for label in english), english

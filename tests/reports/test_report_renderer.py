"""The renderer in a long-lived worker: one font configuration, the collector restored."""

from __future__ import annotations

import gc

import pytest

from reports import pdf as report_pdf
from reports.selectors import sponsor_report_data
from tests.campaigns.factories import CampaignFactory

pytestmark = pytest.mark.django_db


def test_renders_share_one_font_configuration_and_leave_the_collector_on(agency, monkeypatch):
    seen = []
    write_pdf = report_pdf.HTML.write_pdf

    def spy(self, *args, **kwargs):
        seen.append((kwargs.get("font_config"), gc.isenabled()))
        return write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(report_pdf.HTML, "write_pdf", spy)
    data = sponsor_report_data(campaign=CampaignFactory(agency=agency))

    for language in ("en", "nl"):
        assert report_pdf.render_report_pdf(data, language=language).startswith(b"%PDF")

    (first, paused), (second, _) = seen
    assert first is second is not None
    assert not paused  # the collector waits while WeasyPrint builds its boxes
    assert gc.isenabled()


def test_a_failed_render_turns_the_collector_back_on(agency, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("layout failed")

    monkeypatch.setattr(report_pdf.HTML, "write_pdf", broken)
    data = sponsor_report_data(campaign=CampaignFactory(agency=agency))

    with pytest.raises(RuntimeError, match="layout failed"):
        report_pdf.render_report_pdf(data, language="en")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off(agency):
    data = sponsor_report_data(campaign=CampaignFactory(agency=agency))
    gc.disable()
    try:
        report_pdf.render_report_pdf(data, language="en")
        assert not gc.isenabled()
    finally:
        gc.enable()

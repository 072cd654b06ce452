"""Sponsor reports: the PDF's figures are the dashboard's, in English and Dutch."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from campaigns import services
from campaigns.selectors import campaign_dashboard
from campaigns.templatetags.campaign_tags import money, number, pct, percent
from reports.pdf import RefusedURL, render_report_pdf, resolve_report_url
from reports.selectors import sponsor_report_data
from tests.campaigns.factories import CampaignFactory, DeliverableFactory, SnapshotFactory
from tests.factories import CreatorFactory

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def pdftotext(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it; a form feed ends each page."""
    assert pdf.startswith(b"%PDF")
    return subprocess.run(  # noqa: S603 - a fixed tool on bytes we made
        [shutil.which("pdftotext") or "pdftotext", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, with every run of spaces made one space."""
    return flat(pdftotext(pdf))


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, spaces folded as in pdf_text."""
    return [flat(page).strip() for page in pdftotext(pdf).split("\f")[:-1]]


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def build_campaign(agency, manager):
    campaign = CampaignFactory(
        agency=agency,
        sponsor__brand="Fizzy Cola",
        code="FIZZ-24",
        checklist={"disclosure_text": "Paid partnership", "required_hashtags": ["#ad"]},
    )
    for name, fee, views in (("Anna Jansen", "1234.50", 15_321), ("Bram de Vries", "800", 9_870)):
        creator = CreatorFactory(agency=agency, display_name=name)
        deliverable = DeliverableFactory(
            campaign=campaign,
            creator=creator,
            fee=Decimal(fee),
            status="posted",
            posted_at=dt.datetime(2024, 3, 5, tzinfo=UTC),
            post_url="https://x.test/p",
            caption="Paid partnership #ad" if name.startswith("Anna") else "So good",
        )
        for i, share in enumerate((2, 1)):
            SnapshotFactory(
                deliverable=deliverable,
                captured_at=dt.datetime(2024, 3, 10 + i, tzinfo=UTC),
                views=views // share,
                likes=(views // share) // 19,
                comments=37,
                shares=11,
                unique_reach=(views // share) * 4 // 5,
                completion_25=81,
                completion_50=63,
                completion_75=42,
                completion_100=23,
            )
    for kind in ("lead", "signup", "purchase"):
        services.conversion_record(
            campaign=campaign,
            actor=manager,
            fields={"kind": kind, "occurred_at": dt.datetime(2024, 3, 12, tzinfo=UTC)},
        )
    return campaign


def expected_figures(campaign, language: str, *, total_cost: bool = True) -> list[str]:
    """The dashboard's figures for the campaign's period, formatted as the dashboard does."""
    data = sponsor_report_data(campaign=campaign, language=language)
    dashboard = campaign_dashboard(campaign=campaign, since=data.since, until=data.until)
    with translation.override(language):
        t = dashboard.total
        figures = [
            number(t.views),
            percent(t.engagement_rate),
            number(t.reach),
            pct(t.funnel[100]),
            number(t.conversions),
            money(t.cost_per_result, "EUR"),
        ]
        if total_cost:  # the dashboard page shows the cost per result only
            figures.append(money(t.cost, "EUR"))
        for row in dashboard.creators:
            f = row.figures
            figures += [number(f.views), percent(f.engagement_rate), number(f.reach)]
            figures.append(money(f.cost_per_result, "EUR"))
        return [flat(f) for f in figures]


@pytest.mark.parametrize(
    ("language", "rate", "cost"),
    [("en", "5.64%", "€2,034.50"), ("nl", "5,64%", "€ 2.034,50")],
)
def test_the_pdf_figures_equal_the_dashboards(agency, manager, language, rate, cost):
    campaign = build_campaign(agency, manager)
    data = sponsor_report_data(campaign=campaign, language=language)
    text = pdf_text(render_report_pdf(data, language=language))

    for figure in expected_figures(campaign, language):
        assert figure in text, figure
    # the locale shows in the separators and the currency format
    assert rate in text and cost in text
    for section in ("Fizzy Cola", "FIZZ-24", "Anna Jansen", "Bram de Vries", agency.name):
        assert section in text
    # one of two captions lacks the disclosure
    assert "1 of 2 deliverables carry the full disclosure." in text or language == "nl"
    assert "Missing: Paid partnership, #ad" in text or language == "nl"


def test_the_figures_match_the_dashboard_page(agency, manager, manager_client):
    campaign = build_campaign(agency, manager)
    page = manager_client.get(
        reverse("campaigns:detail", kwargs={"agency_slug": agency.slug, "pk": campaign.pk})
    )
    html = flat(page.content.decode())
    for figure in expected_figures(campaign, "en", total_cost=False):
        assert figure in html, figure


def test_the_report_has_its_sections_in_order_and_numbered_pages(agency, manager):
    campaign = build_campaign(agency, manager)
    pdf = render_report_pdf(sponsor_report_data(campaign=campaign), language="en")
    text = pdf_text(pdf)
    headings = [
        "Campaign report",
        "Summary",
        "Results per creator and deliverable",
        "Engagement quality",
        "Disclosure compliance",
        "Moderation incidents and response times",
        "Experiments",
        "Definitions and methodology",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    # page numbers "n / total" in the footer of every page after the cover; the short
    # sections (moderation, experiments) share a page with the section before them
    pages = pdf_pages(pdf)
    assert len(pages) == 5
    assert not re.search(r"\d ?/ ?5$", pages[0])
    for page_number, page in enumerate(pages[1:], start=2):
        assert re.search(rf"\b{page_number} ?/ ?5$", page), page[-40:]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_campaign_with_no_data_renders_no_data_sections(agency, language):
    campaign = CampaignFactory(agency=agency, sponsor__brand="Quiet Brand")
    text = pdf_text(render_report_pdf(sponsor_report_data(campaign=campaign), language=language))
    assert "Quiet Brand" in text
    if language == "en":
        assert text.count("No data yet") >= 3
        assert "No moderation data yet" in text
        assert "No experiments were run" in text
    else:
        assert "Nog geen moderatiegegevens" in text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "static:../../../../etc/passwd",
        "media:agency-logos/../../../etc/passwd",
        "media:contracts/url-matrix-signed.pdf",
        "ftp://example.com/a",
    ],
)
def test_the_url_fetcher_refuses_anything_but_own_static_files_and_logos(url):
    with pytest.raises(RefusedURL):
        resolve_report_url(url)


def test_the_url_fetcher_serves_the_apps_static_files():
    assert resolve_report_url("static:css/app.css").name == "app.css"


def test_the_agency_logo_is_on_the_cover(agency, settings, tmp_path):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#ff0000").save(buffer, "PNG")
    agency.logo.save("logo.png", ContentFile(buffer.getvalue()), save=True)
    assert agency.logo.name.startswith("agency-logos/")
    campaign = CampaignFactory(agency=agency)
    pdf = render_report_pdf(sponsor_report_data(campaign=campaign), language="en")
    images = subprocess.run(  # noqa: S603 - a fixed tool on bytes we made
        [shutil.which("pdfimages") or "pdfimages", "-list", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    # one 40 x 20 image: the logo, fetched through the report's own URL fetcher
    assert re.search(r"image\s+40\s+20\b", images), images


def test_moderation_incidents_and_sla_are_the_moderation_selectors(agency, manager):
    from moderation.models import Case, CaseStint
    from moderation.selectors import moderation_metrics

    campaign = build_campaign(agency, manager)
    anna = campaign.deliverables.get(creator__display_name="Anna Jansen").creator
    opened = dt.datetime(2024, 3, 12, 10, tzinfo=UTC)
    for code, handled_after in (("FIZZ-24", 30), ("FIZZ-24", 120), ("OTHER-1", 10)):
        case = Case.objects.create(
            agency=agency,
            creator=anna,
            campaign_code=code,
            title="Abusive comment",
            level=2,
            opened_at=opened,
            due_at=opened + dt.timedelta(hours=1),
            first_response_at=opened + dt.timedelta(minutes=handled_after),
        )
        CaseStint.objects.create(
            agency=agency,
            case=case,
            level=2,
            started_at=opened,
            due_at=opened + dt.timedelta(hours=1),
            ended_at=opened + dt.timedelta(minutes=handled_after),
        )
    data = sponsor_report_data(campaign=campaign, language="en")
    expected = moderation_metrics(
        agency=agency, start=data.since, end=data.until, campaign_code="FIZZ-24", creators=[anna]
    )
    assert data.moderation == expected and expected.incidents == 2
    text = pdf_text(render_report_pdf(data, language="en"))
    section = text[text.index("Moderation incidents and response times") :]
    # the KPI values come before their labels: 0 messages, 2 incidents, 75 minutes
    assert section.startswith("Moderation incidents and response times 0 2 75 min")
    assert "Human review 2 1 50.00%" in section
    assert "Incidents per creator" in section and "Anna Jansen" in section


def test_experiments_and_their_verdicts_are_in_the_report(agency, manager):
    from campaigns.models import Deliverable
    from tests.campaigns.factories import ExperimentFactory

    campaign = build_campaign(agency, manager)
    experiment = ExperimentFactory(campaign=campaign, name="Hook test")
    for deliverable, variant in zip(campaign.deliverables.order_by("id"), "ab", strict=True):
        Deliverable.objects.filter(pk=deliverable.pk).update(experiment=experiment, variant=variant)
    text = pdf_text(render_report_pdf(sponsor_report_data(campaign=campaign), language="en"))
    section = text[text.index("Experiments") :]
    assert "Hook test" in section
    # 15,321 vs 9,870 views is enough for a verdict; the verdict is the dashboard's
    from campaigns.selectors import experiment_summaries

    (summary,) = experiment_summaries(
        campaign=campaign, dashboard=sponsor_report_data(campaign=campaign).dashboard
    )
    verdicts = {
        "not_enough_data": "Not enough data",
        "no_difference": "No significant difference",
        "a_wins": "Variant A wins.",
        "b_wins": "Variant B wins.",
    }
    assert verdicts[summary.result.verdict] in section


def test_one_table_carries_each_deliverables_results_and_disclosure(agency, manager):
    campaign = build_campaign(agency, manager)
    data = sponsor_report_data(campaign=campaign, language="en")

    groups = data.deliverable_groups

    # grouped by creator in the dashboard's order, each result paired with its own checklist row
    assert [name for name, _rows in groups] == [c.creator_name for c in data.dashboard.creators]
    pairs = [(row, disc) for _name, rows in groups for row, disc in rows]
    assert [row.id for row, _disc in pairs] == [row.id for row in data.dashboard.deliverables]
    assert all(disc.deliverable_id == row.id for row, disc in pairs)
    assert sorted(disc.compliant for _row, disc in pairs) == [False, True]
    # the disclosure section lists only what is missing
    assert [d.compliant for d in data.disclosure_missing] == [False]
    text = pdf_text(render_report_pdf(data, language="en"))
    # status, approver and approval date share a cell; the posting date follows it
    assert "Complete · " in text and "Incomplete · not approved" in text


def test_a_deliverable_row_names_its_approver_and_the_agencys_dates(agency, manager):
    # given an agency in Auckland (UTC+13 in March) and a deliverable approved and posted
    # late on 4 March in UTC, which is 5 March there
    agency.timezone = "Pacific/Auckland"
    agency.save(update_fields=["timezone"])
    campaign = CampaignFactory(agency=agency, checklist={"disclosure_text": "Paid partnership"})
    manager.first_name, manager.last_name = "Mara", "Visser"
    manager.save(update_fields=["first_name", "last_name"])
    late = dt.datetime(2024, 3, 4, 20, tzinfo=UTC)
    DeliverableFactory(
        campaign=campaign,
        kind="live",
        platform="youtube",
        due_date=dt.date(2024, 3, 6),
        status="posted",
        caption="Paid partnership",
        approved_by=manager,
        approved_at=late,
        posted_at=late,
        post_url="https://x.test/p",
    )

    # when its report is rendered
    text = pdf_text(render_report_pdf(sponsor_report_data(campaign=campaign), language="en"))

    # then the row reads kind, platform and due date, then status, approver and approval
    # date in one cell and the posting date, both on the agency's calendar
    assert "Live stream · YouTube · 6 Mar" in text
    assert "Complete · Mara Visser, 5 Mar 2024 5 Mar 2024" in text
    assert "4 Mar" not in text

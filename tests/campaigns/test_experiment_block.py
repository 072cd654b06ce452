"""The experiment block of the campaign page and the sponsor report (issue 16): no "A (A) vs
B (B)", no "p = 0.0000", view counts grouped in the reader's language."""

from __future__ import annotations

import re
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from campaigns.demo import CODE
from campaigns.models import Campaign
from campaigns.templatetags.experiment_tags import p_value, variant_name
from creators.demo import DEMO_PASSWORD


def test_p_values_read_as_people_write_them():
    with translation.override("en"):
        assert p_value(0.0) == "p < 0.001"
        assert p_value(0.00002) == "p < 0.001"
        assert p_value(0.0312) == "p = 0.031"
    with translation.override("nl"):
        assert p_value(0.0312) == "p = 0,031"
        assert p_value(0.0000) == "p < 0,001"
    assert p_value(None) == ""


def test_variants_are_named_once():
    unnamed = SimpleNamespace(variant_a_label="A", variant_b_label="b")
    named = SimpleNamespace(variant_a_label="Bowl first", variant_b_label="B")
    with translation.override("en"):
        assert variant_name(unnamed, "a") == "Variant A"
        assert variant_name(unnamed, "b") == "Variant B"
        assert variant_name(named, "a") == "Bowl first (A)"


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "grouped"), [("en", r"\d,\d{3}"), ("nl", r"\d\.\d{3}")])
def test_the_demo_campaigns_experiment_block_reads_well(language, grouped):
    call_command("seed_demo", stdout=StringIO())
    campaign = Campaign.objects.get(agency__slug="northstar", code=CODE)
    client = Client(headers={"accept-language": language})
    assert client.login(username="manager@northstar.test", password=DEMO_PASSWORD)

    html = client.get(reverse("campaigns:detail", args=["northstar", campaign.pk])).content
    (block,) = re.findall(r'data-testid="experiment">(.*?)</section>', html.decode(), re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block))

    assert "(A)" not in text and "(B)" not in text
    assert "0.0000" not in text and "0,0000" not in text
    views = re.search(r"(?:Views|Weergaven): A ([\d.,]+), B ([\d.,]+)", text)
    assert views, text
    assert re.search(grouped, views.group(1) + views.group(2)), views.groups()

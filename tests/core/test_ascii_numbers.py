"""Numbers are written with the digits 0 to 9: Python's int() and Decimal() read any script's
digits, so an Arabic-Indic "50" (U+0665 U+0660) passed forms, the API and imports as 50."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.numbers import NOT_ASCII, ascii_int
from creators.models import RpmRate, SocialAccount
from creators.roster_csv import parse_roster_csv
from payouts.parsers import StatementParseError, parse_statement
from payouts.statement_import import parse_money

from ..factories import SocialAccountFactory
from ..payouts.parsers.test_camt053 import camt, entry
from ..payouts.parsers.test_csv_statement import ING, ING_MAPPING
from ..payouts.parsers.test_ofx import OFX1
from .conftest import token_client

FIFTY = "\u0665\u0660"  # Arabic-Indic 5 and 0
FULL_WIDTH_FIFTY = "\uff15\uff10"


@pytest.mark.django_db
@pytest.mark.parametrize("value", [FIFTY, f"0.{FIFTY}", FULL_WIDTH_FIFTY])
def test_a_form_refuses_other_digits_in_an_amount(owner_client, agency, value):
    response = owner_client.post(
        reverse("creators:rpm", args=[agency.slug]),
        {"program": "creator_fund", "rpm_low": value, "rpm_high": "2"},
    )

    assert response.status_code == 200
    assert response.context["rpm_form"].errors["rpm_low"] == [str(NOT_ASCII)]
    assert not RpmRate.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_other_digits_in_a_number(owner, agency):
    account = SocialAccountFactory(creator__agency=agency, followers=10)
    url = reverse(
        "api:creator-socialaccount-detail", args=[agency.slug, account.creator_id, account.pk]
    )

    response = token_client(owner, agency).patch(
        url, {"followers": FIFTY}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"followers": [str(NOT_ASCII)]}
    assert SocialAccount.objects.get(pk=account.pk).followers == 10


@pytest.mark.django_db
def test_a_number_filter_refuses_other_digits(owner, agency):
    url = reverse("api:payout-match-list", args=[agency.slug])

    response = token_client(owner, agency).get(url, {"statement": FIFTY})

    assert response.status_code == 400
    assert response.json() == {"statement": [str(NOT_ASCII)]}


def test_a_roster_csv_refuses_other_digits_in_followers():
    data = (
        f"display_name,email,tiktok_handle,tiktok_followers\nMila,mila@example.com,mila,{FIFTY}\n"
    )

    parsed = parse_roster_csv(data.encode(), max_bytes=10_000, max_rows=10)

    assert [(e.row, e.column) for e in parsed.errors] == [(2, "tiktok_followers")]


@pytest.mark.parametrize("text", [FIFTY, f"1{FIFTY}.00", f"{FULL_WIDTH_FIFTY},00"])
def test_a_statement_csv_amount_is_written_with_the_digits_0_to_9(text):
    with pytest.raises(ValueError, match="Not an amount"):
        parse_money(text, "EUR")


@pytest.mark.parametrize(
    "document, mapping",
    [
        (ING.replace("1.234,56", f"1.234,{FIFTY}").encode(), ING_MAPPING),
        (OFX1.replace(b"1234.56", FIFTY.encode()), None),
        (camt(entry(amount=f'<Amt Ccy="EUR">{FIFTY}.00</Amt>')), None),
    ],
    ids=["csv", "ofx", "camt053"],
)
def test_bank_files_refuse_other_digits_in_amounts(document, mapping):
    with pytest.raises(StatementParseError, match="amount"):
        parse_statement(document, csv_mapping=mapping)


@pytest.mark.parametrize(
    "text, number",
    [
        ("12", 12),
        ("007", 7),
        (FIFTY, None),
        ("²", None),
        ("9" * 19, None),
        ("", None),
        (None, None),
    ],
)
def test_an_id_in_a_query_parameter_is_read_from_ascii_digits_only(text, number):
    assert ascii_int(text) == number

"""Commission per contract: the contract's rate beats the creator's, which beats the agency
default; a statement's contract is the agency's and includes its creator."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import AuditLog
from creators.models import Creator
from payouts.commission import RateSource, breakdowns
from payouts.models import PayoutStatement
from payouts.reconciliation import match_manual
from payouts.services import commission_set, statement_update
from payouts.statement_import import StatementImportError, statement_import
from tests.agencies.support import scoping_queries
from tests.campaigns.factories import CampaignFactory, ContractFactory
from tests.factories import CreatorFactory, SocialAccountFactory

from .builders import credit, settings_row, statement

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def anna(agency):
    creator = CreatorFactory(agency=agency, display_name="Anna")
    SocialAccountFactory(creator=creator, agency=agency, handle="anna")
    return creator


def contract_for(agency, creators, rate=None, **kwargs):
    return ContractFactory(agency=agency, creators=creators, commission_rate=rate, **kwargs)


def with_contract(s: PayoutStatement, contract) -> PayoutStatement:
    return statement_update(statement=s, actor=None, changes={"contract": contract})


def paid_in_full(agency, s: PayoutStatement) -> PayoutStatement:
    """`s` after a deposit of its full amount, in its currency, was matched to it."""
    txn = credit(agency, s.settled_amount, currency=s.currency)
    match_manual(statement=s, transaction_=txn, actor=None)
    return PayoutStatement.objects.get(pk=s.pk)


# --- precedence and rounding ------------------------------------------------------------------


def test_the_contract_rate_beats_the_creator_rate_which_beats_the_default(agency, anna):
    settings_row(agency, default_commission_rate=D("0.2000"))
    statement(agency, "P-1", "100.00")
    statement(agency, "P-2", "100.00", creator=anna)
    by_contract = statement(agency, "P-3", "100.00", creator=anna)
    commission_set(creator=anna, actor=None, rate=D("0.1500"))
    with_contract(by_contract, contract_for(agency, [anna], D("0.1000")))

    rows = breakdowns(agency, list(PayoutStatement.objects.order_by("platform_reference")))

    # Nothing arrived yet: the commission is expected, on the settled amount.
    assert [(r.commission_rate, r.commission_source, r.expected.commission) for r in rows] == [
        (D("0.2000"), RateSource.AGENCY, D("20.00")),
        (D("0.1500"), RateSource.CREATOR, D("15.00")),
        (D("0.1000"), RateSource.CONTRACT, D("10.00")),
    ]


def test_a_contract_without_a_rate_falls_back_to_the_creators(agency, anna):
    commission_set(creator=anna, actor=None, rate=D("0.1500"))
    s = with_contract(
        statement(agency, "P-1", "100.00", creator=anna), contract_for(agency, [anna])
    )
    (row,) = breakdowns(agency, [s])
    assert (row.commission_rate, row.commission_source) == (D("0.1500"), RateSource.CREATOR)


def test_a_contract_rate_of_zero_is_a_rate_not_a_blank(agency, anna):
    commission_set(creator=anna, actor=None, rate=D("0.1500"))
    s = with_contract(
        statement(agency, "P-1", "80.00", creator=anna), contract_for(agency, [anna], D("0"))
    )
    (row,) = breakdowns(agency, [paid_in_full(agency, s)])
    assert (row.commission, row.due_to_creator, row.commission_source) == (
        D("0.00"),
        D("80.00"),
        RateSource.CONTRACT,
    )


@pytest.mark.parametrize(
    ("amount", "currency", "rate", "commission", "due"),
    [
        ("10.05", "EUR", "0.1250", "1.26", "8.79"),  # 1.25625 rounds half up
        ("0.03", "EUR", "0.5000", "0.02", "0.01"),  # 0.015 rounds half up
        ("999.99", "USD", "0.3333", "333.30", "666.69"),  # 333.296667 → 333.30
    ],
)
def test_the_contract_commission_is_rounded_half_up_in_the_currency_that_arrived(
    agency, anna, amount, currency, rate, commission, due
):
    s = with_contract(
        statement(agency, "P-1", amount, creator=anna, currency=currency),
        contract_for(agency, [anna], D(rate)),
    )
    (row,) = breakdowns(agency, [paid_in_full(agency, s)])
    assert (row.currency, row.commission, row.due_to_creator) == (
        currency,
        D(commission),
        D(due),
    )
    assert row.commission + row.due_to_creator == row.platform_amount


def test_the_contract_rate_is_read_without_a_query_per_statement(
    agency, anna, django_assert_num_queries
):
    contract = contract_for(agency, [anna], D("0.1000"))
    statements = [
        with_contract(statement(agency, f"P-{i}", "10.00", creator=anna), contract)
        for i in range(5)
    ]
    fresh = list(PayoutStatement.objects.filter(pk__in=[s.pk for s in statements]))
    # payout settings, rates per creator, the contracts' rates (one query for all), then
    # the confirmed matches and payments of each statement (not prefetched here).
    with django_assert_num_queries(3 + 2 * len(fresh)):
        rows = breakdowns(agency, fresh)
    assert {r.commission_source for r in rows} == {RateSource.CONTRACT}


# --- which contract a statement may name --------------------------------------------------------


def test_another_agencys_contract_is_refused(agency, other_agency, anna):
    theirs = ContractFactory(agency=other_agency)
    s = statement(agency, "P-1", "10.00", creator=anna)
    with pytest.raises(ValidationError) as error:
        with_contract(s, theirs)
    assert error.value.message_dict == {"contract": ["Choose a contract of this agency."]}
    s.refresh_from_db()
    assert s.contract_id is None


def test_a_contract_without_the_statements_creator_is_refused(agency, anna):
    bob = CreatorFactory(agency=agency, display_name="Bob")
    bobs = contract_for(agency, [bob], D("0.1000"), title="Bob's deal")
    s = statement(agency, "P-1", "10.00", creator=anna)
    with pytest.raises(ValidationError) as error:
        with_contract(s, bobs)
    assert error.value.message_dict == {
        "contract": ["The contract “Bob's deal” does not include Anna."]
    }


def test_changing_the_creator_away_from_the_contract_is_refused(agency, anna):
    bob = CreatorFactory(agency=agency)
    s = with_contract(statement(agency, "P-1", "10.00", creator=anna), contract_for(agency, [anna]))
    with pytest.raises(ValidationError) as error:
        statement_update(statement=s, actor=None, changes={"creator": bob})
    assert "contract" in error.value.message_dict


def test_setting_the_contract_is_audited(agency, anna, finance):
    contract = contract_for(agency, [anna])
    s = statement(agency, "P-1", "10.00", creator=anna)
    statement_update(statement=s, actor=finance, changes={"contract": contract})
    entry = AuditLog.objects.filter(action="payout_statement.update").latest("pk")
    assert (entry.before["contract"], entry.after["contract"]) == (None, contract.pk)


# --- the statement form ---------------------------------------------------------------------


def test_the_statement_form_offers_only_this_agencys_contracts(
    finance_client, agency, other_agency, anna
):
    ours = contract_for(agency, [anna], title="Ours")
    theirs = ContractFactory(agency=other_agency, title="Theirs")
    s = statement(agency, "P-1", "10.00", creator=anna)
    url = reverse("payouts:statement_edit", kwargs={"agency_slug": agency.slug, "pk": s.pk})
    choices = list(finance_client.get(url).context["form"].fields["contract"].queryset)
    assert choices == [ours]
    data = {
        "creator": anna.pk,
        "source": s.source,
        "platform_reference": s.platform_reference,
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "currency": "EUR",
        "estimated_amount": "10.00",
        "settled_amount": "10.00",
        "status": s.status,
        "settled_date": "2025-01-31",
    }
    refused = finance_client.post(url, {**data, "contract": theirs.pk})
    assert refused.status_code == 400
    assert "contract" in refused.context["form"].errors
    assert finance_client.post(url, {**data, "contract": ours.pk}).status_code == 302
    s.refresh_from_db()
    assert s.contract == ours


def test_the_statement_form_shows_the_contract_error_next_to_the_field(
    finance_client, agency, anna
):
    bob = CreatorFactory(agency=agency)
    bobs = contract_for(agency, [bob])
    url = reverse("payouts:statement_create", kwargs={"agency_slug": agency.slug})
    response = finance_client.post(
        url,
        {
            "creator": anna.pk,
            "source": "brand_deal",
            "platform_reference": "BD-1",
            "period_start": "2025-01-01",
            "period_end": "2025-01-31",
            "currency": "EUR",
            "estimated_amount": "10.00",
            "status": "estimated",
            "contract": bobs.pk,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["contract"] == [
        f"The contract “{bobs.title}” does not include Anna."
    ]
    assert not PayoutStatement.objects.exists()


def test_the_statement_page_shows_the_rate_and_where_it_came_from(finance_client, agency, anna):
    s = with_contract(
        statement(agency, "P-1", "100.00", creator=anna),
        contract_for(agency, [anna], D("0.1250"), title="Spring deal"),
    )
    url = reverse("payouts:statement", kwargs={"agency_slug": agency.slug, "pk": s.pk})
    page = finance_client.get(url).content.decode()
    assert "12.50% · contract “Spring deal”" in page
    other = statement(agency, "P-2", "100.00")
    url = reverse("payouts:statement", kwargs={"agency_slug": agency.slug, "pk": other.pk})
    assert "20% · Agency default" in finance_client.get(url).content.decode()


# --- the CSV import's contract column -----------------------------------------------------------

HEADER = (
    "platform_reference,creator_handle,source,period_start,period_end,currency,"
    "estimated_amount,settled_amount,status,settled_date,contract\n"
)


def line(ref: str, contract: str) -> str:
    return (
        f"{ref},@anna,brand_deal,2025-01-01,2025-01-31,EUR,100,100,settled,2025-02-01,{contract}\n"
    )


def test_the_contract_column_names_the_contract_by_a_campaign_code(agency, anna, finance):
    contract = contract_for(agency, [anna], D("0.1000"))
    CampaignFactory(agency=agency, contract=contract, code="SPRING-24")
    data = HEADER + line("BD-1", "spring-24") + line("BD-2", "")
    result = statement_import(agency=agency, actor=finance, data=data.encode())
    assert result.created == 2
    assert PayoutStatement.objects.get(platform_reference="BD-1").contract == contract
    assert PayoutStatement.objects.get(platform_reference="BD-2").contract is None
    # The same file again changes nothing; without the column the contract stays.
    again = statement_import(agency=agency, actor=finance, data=data.encode())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    without = HEADER.replace(",contract\n", "\n") + line("BD-1", "").replace(",\n", "\n")
    statement_import(agency=agency, actor=finance, data=without.encode())
    assert PayoutStatement.objects.get(platform_reference="BD-1").contract == contract


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NOPE-1", "No campaign of this agency with this code is linked to a contract."),
        ("LOOSE-1", "No campaign of this agency with this code is linked to a contract."),
        ("THEIRS-1", "No campaign of this agency with this code is linked to a contract."),
        ("BOBS-1", "does not include Anna"),
    ],
)
def test_a_bad_contract_cell_is_a_row_error_and_nothing_is_imported(
    agency, other_agency, anna, finance, code, message
):
    CampaignFactory(agency=agency, code="LOOSE-1")  # no contract
    theirs = ContractFactory(agency=other_agency)
    CampaignFactory(agency=other_agency, contract=theirs, code="THEIRS-1")
    bobs = contract_for(agency, [CreatorFactory(agency=agency)])
    CampaignFactory(agency=agency, contract=bobs, code="BOBS-1")
    data = HEADER + line("BD-0", "") + line("BD-1", code)
    with pytest.raises(StatementImportError) as error:
        statement_import(agency=agency, actor=finance, data=data.encode())
    (problem,) = error.value.errors
    assert (problem.row, problem.column) == (3, "contract")
    assert message in problem.message
    assert not PayoutStatement.objects.exists()


def test_the_import_page_documents_the_contract_column(finance_client, agency):
    url = reverse("payouts:statement_import", kwargs={"agency_slug": agency.slug})
    page = finance_client.get(url).content.decode()
    assert "<dt><code>contract</code></dt>" in page


def test_the_import_page_reports_a_bad_contract_cell(finance_client, agency, anna):
    url = reverse("payouts:statement_import", kwargs={"agency_slug": agency.slug})
    upload = SimpleUploadedFile("s.csv", (HEADER + line("BD-1", "NOPE-1")).encode())
    response = finance_client.post(url, {"file": upload})
    assert response.status_code == 400
    assert "Line 2, column contract" in response.content.decode()


# --- exports and the creator's view -------------------------------------------------------------


def export_rows(client, agency) -> list[dict]:
    response = client.get(reverse("payouts:export_csv", kwargs={"agency_slug": agency.slug}))
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_staff_export_shows_the_rate_and_its_source(finance_client, agency, anna):
    commission_set(creator=anna, actor=None, rate=D("0.1500"))
    with_contract(
        statement(agency, "P-1", "100.00", creator=anna), contract_for(agency, [anna], D("0.1"))
    )
    statement(agency, "P-2", "100.00", creator=anna)
    statement(agency, "P-3", "100.00")
    rows = {r["statement_reference"]: r for r in export_rows(finance_client, agency)}
    assert {k: (r["commission_percent"], r["commission_source"]) for k, r in rows.items()} == {
        "P-1": ("10.00", "contract"),
        "P-2": ("15.00", "creator"),
        "P-3": ("20.00", "agency"),
    }


def test_the_creator_never_sees_the_rate_source_or_the_contract(
    agency, creator_user, creator_client
):
    own = Creator.objects.get(user=creator_user)
    s = with_contract(
        statement(agency, "MINE-1", "100.00", creator=own),
        contract_for(agency, [own], D("0.1000"), title="Secret terms"),
    )
    page = creator_client.get(reverse("payouts:portal", kwargs={"agency_slug": agency.slug}))
    body = page.content.decode()
    assert "MINE-1" in body and "10.00" in body  # the commission amount itself is theirs to see
    assert "Secret terms" not in body and "Contract rate" not in body
    csv_page = creator_client.get(
        reverse("payouts:portal_csv", kwargs={"agency_slug": agency.slug})
    )
    text = b"".join(csv_page.streaming_content).decode()
    header = text.lstrip("\ufeff").splitlines()[0].split(",")
    assert "commission_source" not in header and "commission_percent" not in header
    assert "Secret terms" not in text and "contract" not in text
    assert s.contract_id is not None


@pytest.mark.parametrize("size", [4, 40])
def test_the_portal_costs_the_same_queries_with_contracts_for_4_or_40(
    agency, creator_user, creator_client, size, django_assert_num_queries
):
    own = Creator.objects.get(user=creator_user)
    contract = contract_for(agency, [own], D("0.1000"))
    commission_set(creator=own, actor=None, rate=D("0.1500"))
    for i in range(size):
        s = statement(agency, f"MINE-{i}", "10.00", creator=own)
        if i % 2:
            with_contract(s, contract)
    url = reverse("payouts:portal", kwargs={"agency_slug": agency.slug})
    creator_client.get(url)
    # session, user, memberships + agencies, savepoint + release; the
    # creator; payout settings, rates per creator; the statements with creators and
    # contracts, their confirmed and reversed matches with deposits and returns, their
    # payments.
    with django_assert_num_queries(11 + scoping_queries()):
        response = creator_client.get(url)
    assert len(response.context["trails"]) == size


# --- the API ----------------------------------------------------------------------------------


def test_the_api_sets_a_contract_and_refuses_another_agencys(
    finance_client, agency, other_agency, anna
):
    import json

    ours = contract_for(agency, [anna])
    theirs = ContractFactory(agency=other_agency)
    body = {
        "creator": anna.pk,
        "source": "brand_deal",
        "platform_reference": "API-1",
        "period_start": "2025-01-01",
        "period_end": "2025-01-31",
        "currency": "EUR",
        "estimated_amount": "100.00",
        "status": "estimated",
    }
    target = reverse("api:payout-statement-list", kwargs={"agency_slug": agency.slug})
    refused = finance_client.post(
        target, json.dumps({**body, "contract": theirs.pk}), content_type="application/json"
    )
    assert refused.status_code == 400 and "contract" in refused.json()
    assert not PayoutStatement.objects.exists()
    created = finance_client.post(
        target, json.dumps({**body, "contract": ours.pk}), content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["contract"] == ours.pk
    assert PayoutStatement.objects.get().contract == ours

"""Per-asset line items of a statement: entered through audited services, a form on the
statement page and the API; a line with a campaign code counts towards that campaign's
revenue."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import AuditLog
from campaigns.revenue import campaign_revenue
from payouts.models import PayoutLine
from payouts.services import payout_line_add, payout_line_delete, payout_line_update
from tests.agencies.support import scoping_queries
from tests.campaigns.factories import CampaignFactory

from .builders import statement

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def s(agency):
    return statement(agency, "TT-1", "100.00")


# --- services ---------------------------------------------------------------------------------


def test_a_line_is_added_tidied_and_audited(agency, finance, s):
    CampaignFactory(agency=agency, code="GLOW-26")

    line = payout_line_add(
        statement=s,
        actor=finance,
        asset_reference="  video/7301 ",
        campaign_code=" glow-26",
        description="Spring video",
        amount=D("12.50"),
    )

    line.refresh_from_db()
    assert (line.asset_reference, line.campaign_code, line.amount) == (
        "video/7301",
        "GLOW-26",
        D("12.50"),
    )
    entry = AuditLog.objects.get(action="payout_line.create")
    assert entry.after["campaign_code"] == "GLOW-26" and entry.actor == finance


def test_a_line_is_changed_and_deleted_with_the_before_and_after_kept(agency, finance, s):
    line = payout_line_add(statement=s, actor=finance, asset_reference="v1", amount=D("1.00"))

    payout_line_update(line=line, actor=finance, changes={"amount": D("2.00")})
    payout_line_delete(line=line, actor=finance)

    assert not PayoutLine.objects.exists()
    update = AuditLog.objects.get(action="payout_line.update")
    assert (update.before["amount"], update.after["amount"]) == ("1.00", "2.00")
    delete = AuditLog.objects.get(action="payout_line.delete")
    assert delete.before["asset_reference"] == "v1"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"asset_reference": "  "}, "asset_reference"),
        ({"amount": D("1.005")}, "amount"),
        ({"campaign_code": "NOPE-1"}, "campaign_code"),
        ({"asset_reference": "x" * 201}, "asset_reference"),
    ],
)
def test_a_bad_line_is_refused_and_nothing_is_written(agency, finance, s, changes, field):
    data = {"asset_reference": "v1", "amount": D("1.00"), **changes}

    with pytest.raises(ValidationError) as error:
        payout_line_add(statement=s, actor=finance, **data)

    assert field in error.value.message_dict
    assert not PayoutLine.objects.exists()
    assert not AuditLog.objects.filter(action__startswith="payout_line").exists()


def test_another_agencys_campaign_code_is_unknown(agency, other_agency, finance, s):
    CampaignFactory(agency=other_agency, code="THEIRS-1")
    with pytest.raises(ValidationError) as error:
        payout_line_add(
            statement=s, actor=finance, asset_reference="v", campaign_code="THEIRS-1", amount=1
        )
    assert error.value.message_dict == {
        "campaign_code": ["No campaign of this agency has the code “THEIRS-1”."]
    }


def test_an_update_cannot_touch_other_fields(finance, s):
    line = payout_line_add(statement=s, actor=finance, asset_reference="v1", amount=D("1.00"))
    with pytest.raises(ValueError, match="statement"):
        payout_line_update(line=line, actor=finance, changes={"statement": s})


# --- the statement page -----------------------------------------------------------------------


def url(agency, name: str, **kwargs) -> str:
    return reverse(f"payouts:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def test_lines_are_added_edited_and_removed_on_the_statement_page(agency, finance_client, s):
    CampaignFactory(agency=agency, code="GLOW-26")

    added = finance_client.post(
        url(agency, "line_add", pk=s.pk),
        {"asset_reference": "video/1", "campaign_code": "glow-26", "amount": "7.50"},
    )
    line = PayoutLine.objects.get()
    edited = finance_client.post(
        url(agency, "line_edit", pk=line.pk),
        {"asset_reference": "video/1", "campaign_code": "", "amount": "8.00"},
    )
    page = finance_client.get(url(agency, "statement", pk=s.pk)).content.decode()
    removed = finance_client.post(url(agency, "line_delete", pk=line.pk))

    assert added.status_code == edited.status_code == removed.status_code == 302
    assert "video/1" in page and "€8.00" in page
    assert not PayoutLine.objects.exists()
    assert [
        e.action for e in AuditLog.objects.filter(action__startswith="payout_line").order_by("pk")
    ] == [
        "payout_line.create",
        "payout_line.update",
        "payout_line.delete",
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"asset_reference": "", "amount": "1"}, "asset_reference"),
        ({"asset_reference": "v", "amount": "abc"}, "amount"),
        ({"asset_reference": "v", "amount": "1.001"}, "amount"),
        ({"asset_reference": "v", "amount": "1", "campaign_code": "NOPE"}, "campaign_code"),
    ],
)
def test_a_bad_line_on_the_page_is_shown_next_to_its_field(agency, finance_client, s, data, field):
    response = finance_client.post(url(agency, "line_add", pk=s.pk), data)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not PayoutLine.objects.exists()


def test_an_account_manager_sees_lines_but_cannot_change_them(agency, manager_client, finance, s):
    line = payout_line_add(statement=s, actor=finance, asset_reference="video/9", amount=1)
    page = manager_client.get(url(agency, "statement", pk=s.pk)).content.decode()
    assert "video/9" in page and url(agency, "line_edit", pk=line.pk) not in page
    assert manager_client.post(url(agency, "line_delete", pk=line.pk)).status_code == 403
    assert PayoutLine.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def api(agency, name: str, **kwargs) -> str:
    return reverse(f"api:{name}", kwargs={"agency_slug": agency.slug, **kwargs})


def test_the_api_lists_creates_changes_and_deletes_lines(agency, finance_client, s):
    CampaignFactory(agency=agency, code="GLOW-26")
    target = api(agency, "payout-line-list", pk=s.pk)

    created = finance_client.post(
        target,
        json.dumps({"asset_reference": "video/1", "campaign_code": "glow-26", "amount": "3.00"}),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["campaign_code"] == "GLOW-26"
    detail = api(agency, "payout-line-detail", statement_pk=s.pk, pk=created.json()["id"])
    patched = finance_client.patch(
        detail, json.dumps({"amount": "4.00"}), content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["amount"] == "4.00"
    assert [r["amount"] for r in finance_client.get(target).json()] == ["4.00"]
    assert finance_client.delete(detail).status_code == 204
    assert not PayoutLine.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1.00"}, "asset_reference"),
        ({"asset_reference": "v", "amount": "x"}, "amount"),
        ({"asset_reference": "v", "amount": "1.00", "campaign_code": "NOPE"}, "campaign_code"),
    ],
)
def test_the_api_refuses_a_bad_line_and_writes_nothing(agency, finance_client, s, body, field):
    response = finance_client.post(
        api(agency, "payout-line-list", pk=s.pk), json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400 and field in response.json()
    assert not PayoutLine.objects.exists()


def test_a_line_under_another_statement_or_agency_is_not_found(
    agency, other_agency, finance, finance_client, s
):
    line = payout_line_add(statement=s, actor=finance, asset_reference="v", amount=1)
    other = statement(agency, "TT-2", "5.00")
    theirs = statement(other_agency, "TT-3", "5.00")
    assert finance_client.get(api(agency, "payout-line-list", pk=theirs.pk)).status_code == 404
    wrong_parent = api(agency, "payout-line-detail", statement_pk=other.pk, pk=line.pk)
    assert finance_client.delete(wrong_parent).status_code == 404
    assert PayoutLine.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize("size", [2, 20])
def test_the_api_line_list_costs_the_same_queries_for_2_or_20(
    agency, finance, finance_client, s, size, django_assert_num_queries
):
    for i in range(size):
        payout_line_add(statement=s, actor=finance, asset_reference=f"v{i}", amount=1)
    target = api(agency, "payout-line-list", pk=s.pk)
    # savepoint, session, user, membership + agency, the statement, its lines, release.
    with django_assert_num_queries(7 + scoping_queries()):
        response = finance_client.get(target)
    assert len(response.json()) == size


# --- campaign revenue -----------------------------------------------------------------------


def test_lines_with_a_campaign_code_are_that_campaigns_revenue(agency, finance, manager_client):
    glow = CampaignFactory(agency=agency, code="GLOW-26", currency="EUR")
    CampaignFactory(agency=agency, code="OTHER-1")
    settled = statement(agency, "TT-S", "100.00")
    estimated = statement(agency, "TT-E", "30.00", status="estimated")
    in_usd = statement(agency, "TT-U", "50.00", currency="USD")
    for s, amount in [(settled, "12.50"), (settled, "7.50"), (estimated, "3.00"), (in_usd, "5")]:
        payout_line_add(
            statement=s, actor=finance, asset_reference="v", campaign_code="GLOW-26", amount=amount
        )
    payout_line_add(
        statement=settled, actor=finance, asset_reference="v", campaign_code="OTHER-1", amount=1
    )

    figures = campaign_revenue(glow)

    assert [(f.currency, f.amount, f.items, f.estimated) for f in figures] == [
        ("EUR", D("20.00"), 2, False),
        ("USD", D("5.00"), 1, False),
        ("EUR", D("3.00"), 1, True),
    ]
    page = manager_client.get(
        reverse("campaigns:detail", kwargs={"agency_slug": agency.slug, "pk": glow.pk})
    ).content.decode()
    assert "€20.00" in page and "$5.00" in page and "estimated, not settled yet" in page


def test_another_agencys_lines_are_not_a_campaigns_revenue(agency, other_agency, finance):
    ours = CampaignFactory(agency=agency, code="SAME-1")
    CampaignFactory(agency=other_agency, code="SAME-1")
    theirs = statement(other_agency, "TT-X", "10.00")
    payout_line_add(
        statement=theirs, actor=finance, asset_reference="v", campaign_code="SAME-1", amount=4
    )
    assert campaign_revenue(ours) == []


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity"])
def test_an_amount_that_is_not_a_number_is_refused(finance, s, amount):
    with pytest.raises(ValidationError) as error:
        payout_line_add(statement=s, actor=finance, asset_reference="v", amount=amount)
    assert error.value.message_dict == {"amount": ["Enter an amount, like 12.50."]}
    assert not PayoutLine.objects.exists()

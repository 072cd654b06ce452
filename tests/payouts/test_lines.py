"""Per-asset line items of a statement: entered through audited services, a form on the
statement page and the API; a line with a campaign code counts towards that campaign's
revenue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from agencies.models import AuditLog
from payouts.models import PayoutLine
from payouts.services import payout_line_add, payout_line_delete, payout_line_update
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

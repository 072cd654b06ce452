"""The API twins of the case actions, the SLA settings, the holidays and crisis mode: the same
services as the pages (rules, audit), bad input refused with nothing written."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import AuditLog
from agencies.roles import Role
from moderation.cases import case_open
from moderation.models import Case, CaseEvent, CaseStatus, Holiday, Policy, PolicyVersion, SlaRule
from moderation.policies import moderation_settings_get, policy_ensure_default, sla_rules_ensure
from moderation.rules import default_rules
from tests.factories import CreatorFactory
from tests.helpers import client_for, member, scoping_queries

pytestmark = pytest.mark.django_db

JSON = "application/json"


def api(name, **kwargs):
    return reverse(f"api:{name}", kwargs={"agency_slug": "acme", **kwargs})


@pytest.fixture
def case(agency):
    return case_open(agency=agency, title="Angry comment")


# --- case actions ---------------------------------------------------------------------------


def test_a_note_is_added_to_the_case(manager_client, case):
    response = manager_client.post(
        api("moderation-case-action", pk=case.pk),
        {"action": "note", "text": "Looking into it"},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == case.pk
    assert CaseEvent.objects.filter(case=case, text="Looking into it").exists()


def test_assign_escalate_and_resolve(manager_client, manager, case):
    url = api("moderation-case-action", pk=case.pk)

    assigned = manager_client.post(
        url, {"action": "assign", "assignee": manager.pk}, content_type=JSON
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"] == manager.pk

    level = case.level
    escalated = manager_client.post(url, {"action": "escalate", "text": "VIP"}, content_type=JSON)
    assert escalated.status_code == 200, escalated.content
    assert escalated.json()["level"] == level + 1

    resolved = manager_client.post(url, {"action": "resolve", "text": "done"}, content_type=JSON)
    assert resolved.status_code == 200 and resolved.json()["status"] == CaseStatus.RESOLVED

    # The service refuses to resolve it twice: a 400 with its message, nothing changed.
    again = manager_client.post(url, {"action": "resolve"}, content_type=JSON)
    assert again.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED


@pytest.mark.parametrize(
    "body, field",
    [
        ({"action": "delete"}, "action"),
        ({}, "action"),
        ({"action": "assign", "assignee": "x"}, "assignee"),
        ({"action": "note", "text": "x" * 5001}, "text"),
    ],
)
def test_a_bad_case_action_is_a_400_and_changes_nothing(manager_client, case, body, field):
    before = CaseEvent.objects.filter(case=case).count()
    response = manager_client.post(
        api("moderation-case-action", pk=case.pk), body, content_type=JSON
    )
    assert response.status_code == 400 and field in response.json()
    assert CaseEvent.objects.filter(case=case).count() == before


def test_an_empty_note_is_refused_by_the_service(manager_client, case):
    response = manager_client.post(
        api("moderation-case-action", pk=case.pk),
        {"action": "note", "text": " "},
        content_type=JSON,
    )
    assert response.status_code == 400


def test_a_creator_login_or_another_agencys_user_cannot_be_assigned(
    manager_client, case, agency, other_agency, creator_user
):
    outsider = member(other_agency, Role.OWNER, email="outsider@example.com")
    for user in (outsider, creator_user):
        response = manager_client.post(
            api("moderation-case-action", pk=case.pk),
            {"action": "assign", "assignee": user.pk},
            content_type=JSON,
        )
        assert response.status_code == 400 and "assignee" in response.json()
    case.refresh_from_db()
    assert case.assignee_id is None


def test_another_agencys_case_is_a_404(manager_client, other_agency):
    theirs = case_open(agency=other_agency, title="Theirs")
    response = manager_client.post(
        api("moderation-case-action", pk=theirs.pk), {"action": "resolve"}, content_type=JSON
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == CaseStatus.OPEN


# --- SLA and holidays -----------------------------------------------------------------------


def test_the_owner_reads_every_level_and_changes_one(owner_client, owner, agency):
    rows = owner_client.get(api("moderation-sla-list")).json()
    assert [r["level"] for r in rows] == [r.level for r in sla_rules_ensure(agency=agency)]

    first = rows[0]
    response = owner_client.patch(
        api("moderation-sla-detail", pk=first["id"]),
        {"minutes": 45, "assignee": owner.pk},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    rule = SlaRule.objects.get(pk=first["id"])
    assert (rule.minutes, rule.assignee_id) == (45, owner.pk)
    assert AuditLog.objects.filter(agency=agency, object_id=str(rule.pk)).exists()


@pytest.mark.parametrize("body", [{"minutes": 0}, {"minutes": 43201}, {"minutes": "soon"}])
def test_a_bad_sla_is_a_400_and_changes_nothing(owner_client, agency, body):
    rule = sla_rules_ensure(agency=agency)[0]
    response = owner_client.patch(api("moderation-sla-detail", pk=rule.pk), body, content_type=JSON)
    assert response.status_code == 400 and "minutes" in response.json()
    assert SlaRule.objects.get(pk=rule.pk).minutes == rule.minutes


def test_a_manager_cannot_change_the_sla(agency):
    rule = sla_rules_ensure(agency=agency)[0]
    client = client_for(member(agency, Role.MANAGER))
    response = client.patch(
        api("moderation-sla-detail", pk=rule.pk), {"minutes": 5}, content_type=JSON
    )
    assert response.status_code == 403


def test_holidays_are_added_listed_and_removed(owner_client, agency):
    created = owner_client.post(
        api("moderation-holiday-list"),
        {"date": "2026-12-25", "name": "Christmas"},
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    assert [
        h["date"] for h in owner_client.get(api("moderation-holiday-list")).json()["results"]
    ] == ["2026-12-25"]

    # One per date: the service refuses the second.
    twice = owner_client.post(
        api("moderation-holiday-list"), {"date": "2026-12-25", "name": "Again"}, content_type=JSON
    )
    assert twice.status_code == 400
    assert Holiday.objects.filter(agency=agency).count() == 1

    pk = created.json()["id"]
    assert owner_client.delete(api("moderation-holiday-detail", pk=pk)).status_code == 204
    assert not Holiday.objects.filter(agency=agency).exists()


@pytest.mark.parametrize(
    "body, field", [({"date": "25-12", "name": "X"}, "date"), ({"date": "2026-12-25"}, "name")]
)
def test_a_bad_holiday_is_a_400(owner_client, agency, body, field):
    response = owner_client.post(api("moderation-holiday-list"), body, content_type=JSON)
    assert response.status_code == 400 and field in response.json()
    assert not Holiday.objects.filter(agency=agency).exists()


def test_another_agencys_sla_rule_and_holiday_are_404(owner_client, other_agency):
    rule = sla_rules_ensure(agency=other_agency)[0]
    holiday = Holiday.objects.create(agency=other_agency, date="2026-01-01", name="New Year")
    assert owner_client.get(api("moderation-sla-detail", pk=rule.pk)).status_code == 404
    assert owner_client.delete(api("moderation-holiday-detail", pk=holiday.pk)).status_code == 404
    assert Holiday.objects.filter(pk=holiday.pk).exists()


def test_the_holiday_list_costs_the_same_queries_for_1_or_10(owner_client, agency):
    def queries(n: int) -> int:
        Holiday.objects.filter(agency=agency).delete()
        for day in range(1, n + 1):
            Holiday.objects.create(agency=agency, date=f"2026-01-{day:02d}", name=f"Day {day}")
        owner_client.get(api("moderation-holiday-list"))
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(api("moderation-holiday-list")).status_code == 200
        return len(captured)

    assert queries(1) == queries(10) <= 8 + scoping_queries()


# --- crisis mode ----------------------------------------------------------------------------


def test_a_manager_switches_crisis_mode_and_staff_read_it(manager_client, agency):
    assert manager_client.get(api("moderation-crisis")).json() == {"enabled": False}

    on = manager_client.post(api("moderation-crisis"), {"enabled": True}, content_type=JSON)
    assert on.status_code == 200, on.content
    assert on.json() == {"enabled": True, "cancelled": 0}
    assert moderation_settings_get(agency=agency).crisis_mode is True

    off = manager_client.post(api("moderation-crisis"), {"enabled": False}, content_type=JSON)
    assert off.json()["enabled"] is False
    assert moderation_settings_get(agency=agency).crisis_mode is False


def test_a_community_manager_reads_crisis_mode_but_cannot_switch_it(agency):
    client = client_for(member(agency, Role.COMMUNITY_MANAGER))
    assert client.get(api("moderation-crisis")).status_code == 200
    response = client.post(api("moderation-crisis"), {"enabled": True}, content_type=JSON)
    assert response.status_code == 403
    assert moderation_settings_get(agency=agency).crisis_mode is False


@pytest.mark.parametrize("body", [{}, {"enabled": "maybe"}])
def test_crisis_mode_needs_a_boolean(manager_client, agency, body):
    response = manager_client.post(api("moderation-crisis"), body, content_type=JSON)
    assert response.status_code == 400 and "enabled" in response.json()
    assert moderation_settings_get(agency=agency).crisis_mode is False


# --- policies -------------------------------------------------------------------------------


def test_a_policy_is_created_from_the_defaults_and_audited(owner_client, agency):
    response = owner_client.post(
        api("moderation-policy-list"), {"name": "Brand safety"}, content_type=JSON
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Brand safety" and body["version"] == 1
    names = [c["name"] for c in body["rules"]["categories"]]
    assert names == [c["name"] for c in default_rules()["categories"]]
    assert AuditLog.objects.filter(agency=agency, object_id=str(body["id"])).exists()


def test_a_policy_for_another_agencys_creator_is_refused(owner_client, other_agency):
    theirs = CreatorFactory(agency=other_agency)
    response = owner_client.post(
        api("moderation-policy-list"), {"name": "X", "creator": theirs.pk}, content_type=JSON
    )
    assert response.status_code == 400 and "creator" in response.json()
    assert not Policy.objects.filter(name="X").exists()


def test_a_manager_reads_policies_but_cannot_create_one(manager_client):
    assert manager_client.get(api("moderation-policy-list")).status_code == 200
    response = manager_client.post(api("moderation-policy-list"), {"name": "X"}, content_type=JSON)
    assert response.status_code == 403


def test_publishing_rules_makes_the_next_version_current(owner_client, agency):
    policy = policy_ensure_default(agency=agency)
    rules = default_rules()
    rules["sentiment_threshold"] = -0.5
    url = api("moderation-policy-versions", pk=policy.pk)

    response = owner_client.post(url, {"rules": rules, "note": "stricter"}, content_type=JSON)

    assert response.status_code == 201, response.content
    assert response.json()["number"] == 2 and response.json()["note"] == "stricter"
    policy.refresh_from_db()
    assert policy.current_version.number == 2
    assert policy.current_version.rules["sentiment_threshold"] == -0.5
    numbers = [v["number"] for v in owner_client.get(url).json()["results"]]
    assert numbers == [2, 1]


@pytest.mark.parametrize(
    "rules",
    [[], {"categories": "spam"}, {"categories": [{"name": "x", "action": "explode"}]}],
    ids=["not-an-object", "categories-not-a-list", "unknown-action"],
)
def test_bad_rules_are_a_400_and_publish_nothing(owner_client, agency, rules):
    policy = policy_ensure_default(agency=agency)
    response = owner_client.post(
        api("moderation-policy-versions", pk=policy.pk), {"rules": rules}, content_type=JSON
    )
    assert response.status_code == 400, response.content
    assert PolicyVersion.objects.filter(policy=policy).count() == 1


def test_another_agencys_policy_versions_are_404(owner_client, other_agency):
    theirs = policy_ensure_default(agency=other_agency)
    url = api("moderation-policy-versions", pk=theirs.pk)
    assert owner_client.get(url).status_code == 404
    assert owner_client.post(url, {"rules": {}}, content_type=JSON).status_code == 404
    assert PolicyVersion.objects.filter(policy=theirs).count() == 1


# --- the policy preview ---------------------------------------------------------------------


def test_the_preview_says_what_the_current_policy_would_do_and_saves_nothing(
    manager_client, agency
):
    policy = policy_ensure_default(agency=agency)
    scam = default_rules()["categories"]
    keyword = next(c for c in scam if c["action"] == "remove")["keywords"][0]
    messages_before = AuditLog.objects.count(), Case.objects.count()

    response = manager_client.post(
        api("moderation-policy-preview", pk=policy.pk),
        {"text": f"Great video! {keyword} here", "kind": "comment"},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["action"] == "remove" and body["steps"] and body["reasons"]
    assert (AuditLog.objects.count(), Case.objects.count()) == messages_before


def test_the_preview_tests_rules_sent_with_it_validated_like_a_version(manager_client, agency):
    policy = policy_ensure_default(agency=agency)
    url = api("moderation-policy-preview", pk=policy.pk)
    rules = default_rules()
    rules["categories"] = []
    rules["intents"] = []

    quiet = manager_client.post(url, {"text": "free crypto", "rules": rules}, content_type=JSON)
    assert quiet.status_code == 200, quiet.content
    assert quiet.json()["action"] == "allow"

    bad = manager_client.post(url, {"text": "x", "rules": {"categories": "x"}}, content_type=JSON)
    assert bad.status_code == 400


@pytest.mark.parametrize(
    "body, field",
    [({}, "text"), ({"text": "x" * 4001}, "text"), ({"text": "x", "kind": "fax"}, "kind")],
)
def test_a_bad_preview_request_is_a_400(manager_client, agency, body, field):
    policy = policy_ensure_default(agency=agency)
    response = manager_client.post(
        api("moderation-policy-preview", pk=policy.pk), body, content_type=JSON
    )
    assert response.status_code == 400 and field in response.json()


def test_another_agencys_policy_preview_is_404(manager_client, other_agency):
    theirs = policy_ensure_default(agency=other_agency)
    response = manager_client.post(
        api("moderation-policy-preview", pk=theirs.pk), {"text": "hi"}, content_type=JSON
    )
    assert response.status_code == 404
